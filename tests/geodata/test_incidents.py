"""The three incidents of late May 2025 and their private victim records."""

import json
from typing import Any

import pytest
from shapely import union_all

from tests.geodata.layers import DATA_DIR, district, features, geometry, utm

DEVICES = {"anti_personnel_mine", "anti_tank_mine", "uxo", "cluster_munition", "unknown_landmine"}
ACTIVITIES = {"mine_clearance", "grazing", "farming", "travel", "other"}


def incident(code: str) -> dict[str, Any]:
    """Return the incident with this code."""
    (match,) = [f for f in features("incidents") if f["properties"]["code"] == code]
    return match


def test_vocabularies_and_counts() -> None:
    layer = features("incidents")
    assert [f["properties"]["occurred_on"] for f in layer] == [
        "2025-05-29",
        "2025-05-30",
        "2025-05-31",
    ]
    for feature in layer:
        props = feature["properties"]
        assert feature["geometry"]["type"] == "Point"
        assert props["device"] in DEVICES
        assert props["activity"] in ACTIVITIES
        assert props["victim_category"] in {"civilian", "military", "deminer"}
        assert props["location_accuracy"] in {"surveyed", "village", "district"}
        assert (props["killed"], props["injured"]) == (0, 1)
        assert "31 May 2025" in props["source"]
        assert props["location_note"]


def test_istisu_is_at_its_geonames_point_in_kalbajar() -> None:
    feature = incident("2025-05-29-istisu")
    assert feature["geometry"]["coordinates"] == [45.96062, 39.94628]
    assert feature["properties"]["location_accuracy"] == "village"
    assert feature["properties"]["reported_district"] == "Kalbajar"
    assert "147969" in feature["properties"]["source"]
    assert geometry(district("Kalbajar")).contains(geometry(feature))


@pytest.mark.parametrize(
    ("code", "reported", "computed"),
    [
        ("2025-05-30-qirmizikend", "Aghdara", "Tartar"),
        ("2025-05-31-yenikend", "Goranboy", "Goranboy"),
    ],
)
def test_approximate_points_lie_near_the_line_in_the_right_district(
    code: str, reported: str, computed: str
) -> None:
    feature = incident(code)
    assert feature["properties"]["reported_district"] == reported
    assert feature["properties"]["location_accuracy"] == "district"
    point = geometry(feature)
    assert geometry(district(computed)).contains(point)
    line = geometry(features("line_of_contact")[0])
    assert utm(line).distance(utm(point)) < 2_000


def test_qirmizikend_is_on_the_formerly_occupied_side() -> None:
    zones = union_all([geometry(f) for f in features("contaminated_zones")])
    assert zones.contains(geometry(incident("2025-05-30-qirmizikend")))
    assert not zones.contains(geometry(incident("2025-05-31-yenikend")))


def test_victims_are_private_and_nameless() -> None:
    victims = json.loads((DATA_DIR / "incident_victims.json").read_text("utf-8"))
    codes = {f["properties"]["code"] for f in features("incidents")}
    assert len(victims) == 3
    for victim in victims:
        assert set(victim) == {"incident_code", "sex", "age", "injury", "residence"}
        assert victim["incident_code"] in codes
        assert victim["sex"] == "male"
    by_code = {victim["incident_code"]: victim for victim in victims}
    assert by_code["2025-05-29-istisu"]["age"] is None
    assert by_code["2025-05-30-qirmizikend"]["age"] == 46
    assert by_code["2025-05-31-yenikend"]["age"] == 45
