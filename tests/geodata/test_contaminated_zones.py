"""The schematic zones reproduce the published national figures (DATA.md sections 3 and 5)."""

import re
from datetime import date
from functools import cache
from typing import Any

import pytest
from shapely import union_all

from tests.geodata.layers import DATA_DIR, features, geometry, km, km2, utm

CONTAMINATION = {"anti_personnel", "anti_tank", "uxo", "cluster"}
RELEASED = {"cancelled", "reduced", "cleared"}
STATUSES = RELEASED | {"active", "in_progress"}
# Published cumulative releases (km²) by date, and the totals of 31 Oct 2024.
RELEASED_BY = {
    date(2022, 12, 31): 419.15,
    date(2023, 11, 30): 1_069.38,
    date(2024, 2, 14): 1_185.02,
    date(2024, 7, 31): 1_526.19,
    date(2024, 10, 31): 1_680.0,
}
TOTAL_KM2 = 11_667.02
HIGH_RISK_KM2 = 2_118.00
MEDIUM_LOW_KM2 = 9_549.02
# DATA.md section 2: districts that reach west of the former line.
WEST_OF_LINE = {
    "Jabrayil", "Zangilan", "Gubadly", "Lachin", "Shusha", "Shusha city", "Khojaly",
    "Khankendi", "Kalbajar", "Khojavend", "Aghdam", "Tartar", "Fuzuli", "Aghjabadi", "Goranboy",
}  # fmt: skip


@cache
def zones() -> tuple[dict[str, Any], ...]:
    """Return the zone features, read once."""
    return tuple(features("contaminated_zones"))


def union_km2(selected: list[dict[str, Any]]) -> float:
    """Return the geodesic area of the union of some zones, in km²."""
    return km2(union_all([geometry(feature) for feature in selected]))


def released_on(feature: dict[str, Any]) -> date | None:
    """Return a zone's release date."""
    value = feature["properties"]["released_on"]
    return date.fromisoformat(value) if value else None


def test_properties_follow_the_contract() -> None:
    assert 300 <= len(zones()) <= 2_000
    codes = [feature["properties"]["code"] for feature in zones()]
    assert len(set(codes)) == len(codes)
    for feature in zones():
        props = feature["properties"]
        assert re.fullmatch(r"SCH-\d{4}", props["code"])
        assert props["source"] == "schematic"
        assert "schematic" in props["accuracy"]
        assert props["hazard_class"] in {"SHA", "CHA"}
        assert props["risk_level"] in {"high", "medium", "low"}
        assert props["status"] in STATUSES
        assert set(props["contamination"]) <= CONTAMINATION
        assert props["contamination"]
        assert props["estimated_devices"] is None or props["estimated_devices"] >= 0
        date.fromisoformat(props["recorded_on"])


def test_geometries_are_valid_multipolygons() -> None:
    for feature in zones():
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert geometry(feature).is_valid
        assert not geometry(feature).is_empty


def test_release_dates_match_the_status() -> None:
    for feature in zones():
        props, day = feature["properties"], released_on(feature)
        assert (day is not None) == (props["status"] in RELEASED)
        if day is not None:
            assert date(2022, 1, 1) <= day <= date(2024, 10, 31)
            assert date.fromisoformat(props["recorded_on"]) <= day


def test_total_area_is_the_published_11667_km2() -> None:
    assert union_km2(list(zones())) == pytest.approx(TOTAL_KM2, rel=0.005)


def test_risk_split_is_the_published_one() -> None:
    high = [f for f in zones() if f["properties"]["risk_level"] == "high"]
    rest = [f for f in zones() if f["properties"]["risk_level"] != "high"]
    assert union_km2(high) == pytest.approx(HIGH_RISK_KM2, rel=0.005)
    assert union_km2(rest) == pytest.approx(MEDIUM_LOW_KM2, rel=0.005)


@pytest.mark.parametrize(("day", "published"), sorted(RELEASED_BY.items()))
def test_cumulative_release_matches_the_published_figure(day: date, published: float) -> None:
    released = [f for f in zones() if (on := released_on(f)) is not None and on <= day]
    assert union_km2(released) == pytest.approx(published, rel=0.005)


def test_remaining_contamination_at_the_end_of_2024() -> None:
    left = [f for f in zones() if f["properties"]["status"] in {"active", "in_progress"}]
    assert union_km2(left) == pytest.approx(TOTAL_KM2 - RELEASED_BY[date(2024, 10, 31)], rel=0.005)


def test_belt_is_cha_with_mines_within_two_km_of_the_line() -> None:
    line = geometry(features("line_of_contact")[0])
    belt = [f for f in zones() if f["properties"]["hazard_class"] == "CHA"]
    corridor = utm(line).buffer(2_000 + 20)  # 20 m for the buffer's polygon approximation
    for feature in belt:
        assert {"anti_personnel", "anti_tank"} <= set(feature["properties"]["contamination"])
        assert feature["properties"]["risk_level"] == "high"
        assert corridor.contains(utm(geometry(feature)))
    # One side only, so at most 2 km times the line's length.
    assert 0.95 * 2 * km(line) <= union_km2(belt) <= 2 * km(line)


def test_zones_lie_in_the_districts_west_of_the_line() -> None:
    districts = {
        f["properties"]["name"]: geometry(f)
        for f in features("districts")
        if f["properties"]["name"] in WEST_OF_LINE
    }
    for feature in zones():
        point = geometry(feature).representative_point()
        assert any(shape.contains(point) for shape in districts.values())


def test_estimated_devices_add_up_to_the_published_1_5_million() -> None:
    total = sum(f["properties"]["estimated_devices"] or 0 for f in zones())
    assert total == pytest.approx(1_500_000, rel=0.01)


def test_file_stays_small() -> None:
    assert (DATA_DIR / "contaminated_zones.geojson").stat().st_size < 10 * 1024 * 1024
