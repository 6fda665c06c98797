"""The schematic operations scenario agrees with the zones and the published figures (DATA.md §3)."""

from collections import defaultdict
from datetime import date
from functools import cache
from typing import Any

import geopandas as gpd
import pytest
from shapely import union_all

from geodata.operations import operations_layers
from geodata.output import feature_collection_bytes
from tests.geodata.layers import DATA_DIR, features, geometry, km2
from tests.geodata.test_contaminated_zones import RELEASED_BY

LAYERS = ("organisations", "tasks", "land_release", "items_found")
# The property names of issue 23's "Interfaces", in the order the files give them.
PROPERTIES = {
    "organisations": ["code", "name", "kind", "accredited_from", "accredited_to", "source"],
    "tasks": [
        "code", "organisation", "zones", "methods", "status", "planned_start", "planned_end",
        "started_on", "ended_on", "source",
    ],
    "land_release": ["code", "task", "released_on", "kind", "state", "reason", "source"],
    "items_found": [
        "code", "task", "found_on", "category", "model", "condition", "action", "count", "state",
        "reason", "source",
    ],
}  # fmt: skip
KINDS = {"national_authority", "military", "civil_protection", "ngo", "commercial"}
METHODS = {
    "non_technical_survey", "technical_survey", "manual_clearance", "mechanical",
    "mine_detection_dogs", "battle_area_clearance",
}  # fmt: skip
TASK_STATUSES = {"planned", "in_progress", "suspended", "completed"}
RELEASE_KINDS = {"cancelled", "reduced", "cleared"}
CATEGORIES = {
    "anti_personnel_mine", "anti_tank_mine", "uxo", "cluster_submunition", "ied", "other",
}  # fmt: skip
ACTIONS = {"destroyed_in_situ", "removed"}
# DATA.md §3: items destroyed by Nov 2023 (ANAMA); the release milestones are the zones' own.
ITEMS_BY_NOV_2023 = {"anti_personnel_mine": 30_539, "anti_tank_mine": 18_303, "uxo": 56_646}
# The names ANAMA's reports give for the state bodies that clear land.
STATE_BODIES = {"ANAMA", "Ministry of Defence", "Ministry of Emergency Situations", "State Border"}


@cache
def layer(name: str) -> tuple[dict[str, Any], ...]:
    """Return the features of a committed layer, read once."""
    return tuple(features(name))


def props(name: str) -> list[dict[str, Any]]:
    """Return the properties of every feature of a committed layer."""
    return [feature["properties"] for feature in layer(name)]


def by_code(name: str) -> dict[str, dict[str, Any]]:
    """Return the properties of a committed layer keyed by code."""
    return {row["code"]: row for row in props(name)}


def day(value: str | None) -> date | None:
    """Read an ISO day, or None."""
    return date.fromisoformat(value) if value else None


def test_rebuilding_from_the_committed_zones_gives_the_same_bytes_twice() -> None:
    zones = gpd.GeoDataFrame.from_features(list(layer("contaminated_zones")), crs="EPSG:4326")
    first = {
        name: feature_collection_bytes(frame) for name, frame in operations_layers(zones).items()
    }
    second = {
        name: feature_collection_bytes(frame) for name, frame in operations_layers(zones).items()
    }
    assert first == second
    assert sorted(first) == sorted(LAYERS)
    for name in LAYERS:
        assert first[name] == (DATA_DIR / f"{name}.geojson").read_bytes(), name


@pytest.mark.parametrize("name", LAYERS)
def test_properties_are_the_contract_and_every_row_is_schematic(name: str) -> None:
    codes = [row["code"] for row in props(name)]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    for row in props(name):
        assert list(row) == PROPERTIES[name]
        assert row["source"] == "schematic"


def test_geometry_types() -> None:
    for feature in layer("organisations") + layer("items_found"):
        assert feature["geometry"] is None
    for feature in layer("tasks") + layer("land_release"):
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert geometry(feature).is_valid


def test_organisations_are_anama_the_state_bodies_and_four_companies() -> None:
    names = [row["name"] for row in props("organisations")]
    for body in STATE_BODIES:
        assert sum(body in name for name in names) == 1, body
    companies = sorted(row["name"] for row in props("organisations") if row["kind"] == "commercial")
    assert companies == ["Company A", "Company B", "Company C", "Company D"]
    for row in props("organisations"):
        assert row["kind"] in KINDS
        start, end = day(row["accredited_from"]), day(row["accredited_to"])
        assert start is not None
        assert end is None or start < end


def test_every_reference_exists() -> None:
    zones, tasks, organisations = (
        by_code("contaminated_zones"),
        by_code("tasks"),
        by_code("organisations"),
    )
    for task in tasks.values():
        assert task["organisation"] in organisations
        assert task["zones"]
        assert set(task["zones"]) <= set(zones)
    for record in props("land_release") + props("items_found"):
        assert record["task"] in tasks
    every_zone = [code for task in tasks.values() for code in task["zones"]]
    assert len(every_zone) == len(set(every_zone)), "a zone belongs to one task"


def test_vocabularies() -> None:
    for task in props("tasks"):
        assert task["status"] in TASK_STATUSES
        assert task["methods"]
        assert set(task["methods"]) <= METHODS
    assert {task["status"] for task in props("tasks")} == TASK_STATUSES
    for record in props("land_release"):
        assert record["kind"] in RELEASE_KINDS
        assert record["state"] == "approved"
        assert record["reason"] is None
    for item in props("items_found"):
        assert item["category"] in CATEGORIES
        assert item["action"] in ACTIONS
        assert isinstance(item["count"], int)
        assert item["count"] > 0


def released_zones() -> list[dict[str, Any]]:
    """Return the zone features that the zone layer says are released."""
    return [f for f in layer("contaminated_zones") if f["properties"]["status"] in RELEASE_KINDS]


def test_released_area_by_kind_is_the_zones_within_one_percent() -> None:
    zones, records = defaultdict(list), defaultdict(list)
    for feature in released_zones():
        zones[feature["properties"]["status"]].append(geometry(feature))
    for feature in layer("land_release"):
        records[feature["properties"]["kind"]].append(geometry(feature))
    assert set(records) == set(zones) == RELEASE_KINDS
    total = 0.0
    for kind, geoms in zones.items():
        expected = km2(union_all(geoms))
        assert km2(union_all(records[kind])) == pytest.approx(expected, rel=0.01), kind
        total += expected
    assert total == pytest.approx(1_680, rel=0.01)


def test_each_released_zone_is_covered_by_records_of_its_kind_and_day() -> None:
    records: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for feature in layer("land_release"):
        record = feature["properties"]
        records[(record["kind"], record["released_on"])].append(geometry(feature))
    for feature in released_zones():
        zone = feature["properties"]
        same = union_all(records[(zone["status"], zone["released_on"])])
        assert km2(geometry(feature).difference(same)) < 1e-6, zone["code"]


def test_records_do_not_overlap() -> None:
    geoms = [geometry(feature) for feature in layer("land_release")]
    assert sum(km2(geom) for geom in geoms) == pytest.approx(km2(union_all(geoms)), rel=1e-6)


@pytest.mark.parametrize(("until", "km2_published"), RELEASED_BY.items())
def test_cumulative_release_meets_the_published_milestones(
    until: date, km2_published: float
) -> None:
    upto = [
        geometry(feature)
        for feature in layer("land_release")
        if date.fromisoformat(feature["properties"]["released_on"]) <= until
    ]
    assert km2(union_all(upto)) == pytest.approx(km2_published, rel=0.01)


def test_items_destroyed_by_november_2023_are_the_published_counts() -> None:
    totals: dict[str, int] = defaultdict(int)
    for item in props("items_found"):
        if date.fromisoformat(item["found_on"]) <= date(2023, 11, 30):
            totals[item["category"]] += item["count"]
    assert dict(totals) == ITEMS_BY_NOV_2023


def test_items_are_found_only_where_land_was_not_cancelled() -> None:
    released_on = defaultdict(set)
    for record in props("land_release"):
        if record["kind"] != "cancelled":
            released_on[record["task"]].add(record["released_on"])
    for item in props("items_found"):
        assert item["found_on"] in released_on[item["task"]], item["code"]


def test_dates_are_consistent_with_the_tasks() -> None:
    tasks = by_code("tasks")
    zones = by_code("contaminated_zones")
    for task in tasks.values():
        planned_start, planned_end = day(task["planned_start"]), day(task["planned_end"])
        started, ended = day(task["started_on"]), day(task["ended_on"])
        assert planned_start is not None and planned_end is not None
        assert planned_start <= planned_end
        assert (started is None) == (task["status"] == "planned")
        assert (ended is None) == (task["status"] != "completed")
        if started is not None:
            assert date(2021, 1, 1) <= started
            assert all(date.fromisoformat(zones[z]["recorded_on"]) < started for z in task["zones"])
        if started and ended:
            assert started <= ended
    for record, on in [(r, "released_on") for r in props("land_release")] + [
        (i, "found_on") for i in props("items_found")
    ]:
        task = tasks[record["task"]]
        assert task["started_on"] <= record[on] <= task["ended_on"], record["code"]


def test_task_status_agrees_with_its_zones() -> None:
    zones = by_code("contaminated_zones")
    for task in props("tasks"):
        statuses = {zones[code]["status"] for code in task["zones"]}
        if task["status"] == "completed":
            assert statuses <= RELEASE_KINDS, task["code"]
            released = max(zones[code]["released_on"] for code in task["zones"])
            assert task["ended_on"] == released
        elif task["status"] == "in_progress":
            assert statuses == {"in_progress"}, task["code"]
        else:
            assert statuses == {"active"}, task["code"]


def test_the_organisation_was_accredited_for_the_whole_task() -> None:
    organisations = by_code("organisations")
    for task in props("tasks"):
        org = organisations[task["organisation"]]
        first = task["started_on"] or task["planned_start"]
        last = task["ended_on"] or task["planned_end"]
        assert org["accredited_from"] <= first, task["code"]
        assert org["accredited_to"] is None or last <= org["accredited_to"], task["code"]


def test_a_task_outline_is_the_union_of_its_zones() -> None:
    zones = {f["properties"]["code"]: geometry(f) for f in layer("contaminated_zones")}
    for feature in layer("tasks"):
        expected = km2(union_all([zones[code] for code in feature["properties"]["zones"]]))
        assert km2(geometry(feature)) == pytest.approx(expected, rel=1e-6)
