"""Statistics on small hand-made geometries, far from the bundled data (South Atlantic).

Every expected area is worked out here with pyproj's ellipsoidal ``Geod`` on shapely shapes,
never taken from the service's output.
"""

from datetime import date
from itertools import count

import pytest
from fastapi.testclient import TestClient
from geoalchemy2 import WKTElement
from geoalchemy2.shape import from_shape
from pyproj import Geod
from shapely import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.models import ContaminatedZone, District, Incident

GEOD = Geod(ellps="WGS84")
RELATIVE = 1e-3  # the bound: within 0.1 % of an ellipsoidal computation
_codes = count(1)


def km2(shape: BaseGeometry) -> float:
    """Geodesic area of a shape on the WGS 84 ellipsoid, in km²."""
    area, _ = GEOD.geometry_area_perimeter(shape)
    return abs(area) / 1e6


def _multi(shape: Polygon) -> MultiPolygon:
    return MultiPolygon([shape])


def add_district(session: Session, shape: Polygon, name: str = "Test") -> int:
    """Insert a test district and return its id."""
    district = District(
        code=f"TEST-D{next(_codes)}",
        name=name,
        kind="district",
        source="test",
        geom=from_shape(_multi(shape), srid=4326),
    )
    session.add(district)
    session.flush()
    return district.id


def add_zone(
    session: Session,
    shape: Polygon,
    *,
    recorded_on: date = date(2021, 1, 1),
    status: str = "active",
    released_on: date | None = None,
    risk_level: str = "high",
    contamination: tuple[str, ...] = ("anti_personnel",),
) -> int:
    """Insert a test zone and return its id."""
    zone = ContaminatedZone(
        code=f"TEST-Z{next(_codes)}",
        hazard_class="SHA",
        contamination=list(contamination),
        risk_level=risk_level,
        status=status,
        recorded_on=recorded_on,
        released_on=released_on,
        source="test",
        geom=from_shape(_multi(shape), srid=4326),
    )
    session.add(zone)
    session.flush()
    return zone.id


def add_incident(
    session: Session,
    lon: float,
    lat: float,
    *,
    occurred_on: date,
    killed: int = 0,
    injured: int = 0,
    device: str = "uxo",
    activity: str = "farming",
) -> int:
    """Insert a test incident of a civilian at a surveyed point and return its id."""
    incident = Incident(
        code=f"TEST-I{next(_codes)}",
        occurred_on=occurred_on,
        device=device,
        activity=activity,
        killed=killed,
        injured=injured,
        victim_category="civilian",
        location_accuracy="surveyed",
        source="test",
        geom=WKTElement(f"POINT({lon} {lat})", srid=4326),
    )
    session.add(incident)
    session.flush()
    return incident.id


def district_stats(client: TestClient, district_id: int, **params: str) -> dict[str, float]:
    """The detail row of one district."""
    response = client.get(f"/stats/districts/{district_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, float] = response.json()
    return body


WEST = box(0.0, -30.0, 0.5, -29.5)
EAST = box(0.5, -30.0, 1.0, -29.5)


def test_two_overlapping_squares_count_once(client: TestClient, session: Session) -> None:
    district = add_district(session, WEST)
    first, second = box(0.1, -29.9, 0.2, -29.8), box(0.15, -29.85, 0.25, -29.75)
    add_zone(session, first)
    add_zone(session, second)
    union = first.union(second)
    assert km2(union) < km2(first) + km2(second)  # the overlap is real
    row = district_stats(client, district, as_of="2024-01-01")
    assert row["contaminated_km2"] == pytest.approx(km2(union), rel=RELATIVE)
    assert row["area_km2"] == pytest.approx(km2(WEST), rel=RELATIVE)
    assert row["contaminated_share"] == pytest.approx(km2(union) / km2(WEST), rel=RELATIVE)


def test_a_zone_crossing_a_border_is_split(client: TestClient, session: Session) -> None:
    west, east = add_district(session, WEST), add_district(session, EAST)
    zone = box(0.4, -29.7, 0.55, -29.6)
    add_zone(session, zone)
    west_row = district_stats(client, west, as_of="2024-01-01")
    east_row = district_stats(client, east, as_of="2024-01-01")
    assert west_row["contaminated_km2"] == pytest.approx(km2(zone & WEST), rel=RELATIVE)
    assert east_row["contaminated_km2"] == pytest.approx(km2(zone & EAST), rel=RELATIVE)
    assert km2(zone & WEST) == pytest.approx(2 * km2(zone & EAST), rel=0.01)


def test_a_zone_outside_every_district_changes_nothing(
    client: TestClient, session: Session
) -> None:
    district = add_district(session, WEST)
    add_zone(session, box(0.1, -29.9, 0.2, -29.8))
    before_district = district_stats(client, district, as_of="2024-01-01")
    before_national = client.get("/stats/summary", params={"as_of": "2024-01-01"}).json()
    add_zone(session, box(5.0, -30.0, 5.2, -29.8))  # open sea, in no district
    after_district = district_stats(client, district, as_of="2024-01-01")
    after_national = client.get("/stats/summary", params={"as_of": "2024-01-01"}).json()
    assert after_national["data_version"] > before_national["data_version"]
    assert after_district["contaminated_km2"] == before_district["contaminated_km2"]
    assert after_national["contaminated_km2"] == before_national["contaminated_km2"]


def test_as_of_before_recording_and_after_release(client: TestClient, session: Session) -> None:
    district = add_district(session, WEST)
    zone = box(0.1, -29.9, 0.3, -29.7)
    add_zone(
        session,
        zone,
        recorded_on=date(2022, 3, 1),
        status="cleared",
        released_on=date(2023, 6, 1),
    )
    before = district_stats(client, district, as_of="2022-02-28")
    during = district_stats(client, district, as_of="2022-03-01")
    released = district_stats(client, district, as_of="2023-06-01")
    assert before["contaminated_km2"] == 0 and before["released_km2"] == 0
    assert during["contaminated_km2"] == pytest.approx(km2(zone), rel=RELATIVE)
    assert during["released_km2"] == 0
    assert released["contaminated_km2"] == 0
    assert released["released_km2"] == pytest.approx(km2(zone), rel=RELATIVE)
    assert released["released_by_kind"]["cleared"] == pytest.approx(km2(zone), rel=RELATIVE)
    year_2023 = next(year for year in released["years"] if year["year"] == 2023)
    assert year_2023["released_km2"] == pytest.approx(km2(zone), rel=RELATIVE)


def test_an_overlap_contaminated_twice_counts_in_two_periods(
    client: TestClient, session: Session
) -> None:
    """Two overlapping zones whose periods do not meet: their overlap is contaminated in each
    period and not between them (the gap the first one's release left)."""
    district = add_district(session, WEST)
    first, second = box(0.1, -29.9, 0.2, -29.8), box(0.15, -29.85, 0.25, -29.75)
    add_zone(
        session, first, recorded_on=date(2021, 1, 1), status="cleared", released_on=date(2022, 1, 1)
    )
    add_zone(session, second, recorded_on=date(2023, 1, 1))
    early = district_stats(client, district, as_of="2021-06-01")
    between = district_stats(client, district, as_of="2022-06-01")
    late = district_stats(client, district, as_of="2024-01-01")
    assert early["contaminated_km2"] == pytest.approx(km2(first), rel=RELATIVE)
    assert between["contaminated_km2"] == 0
    assert between["released_km2"] == pytest.approx(km2(first), rel=RELATIVE)
    assert late["contaminated_km2"] == pytest.approx(km2(second), rel=RELATIVE)
    assert late["by_risk_level"]["high"] == pytest.approx(km2(second), rel=RELATIVE)


def test_an_empty_district_has_share_zero(client: TestClient, session: Session) -> None:
    district = add_district(session, box(2.0, -30.0, 2.5, -29.5), name="Empty")
    row = district_stats(client, district)
    assert row["contaminated_km2"] == 0
    assert row["contaminated_share"] == 0
    assert row["released_km2"] == 0
    table = client.get("/stats/districts").json()["districts"]
    assert next(item for item in table if item["id"] == district)["contaminated_share"] == 0


def test_filters_and_breakdowns_select_zones(client: TestClient, session: Session) -> None:
    district = add_district(session, WEST)
    high, low = box(0.1, -29.9, 0.2, -29.8), box(0.15, -29.85, 0.25, -29.75)
    add_zone(session, high, risk_level="high", contamination=("anti_tank",))
    add_zone(session, low, risk_level="low", status="in_progress", contamination=("uxo",))
    row = district_stats(client, district, as_of="2024-01-01")
    assert row["by_risk_level"]["high"] == pytest.approx(km2(high), rel=RELATIVE)
    assert row["by_risk_level"]["low"] == pytest.approx(km2(low), rel=RELATIVE)
    assert row["by_risk_level"]["medium"] == 0
    assert row["by_status"]["in_progress"] == pytest.approx(km2(low), rel=RELATIVE)
    assert row["by_contamination"]["anti_tank"] == pytest.approx(km2(high), rel=RELATIVE)
    only_uxo = district_stats(client, district, as_of="2024-01-01", contamination="uxo")
    assert only_uxo["contaminated_km2"] == pytest.approx(km2(low), rel=RELATIVE)
    assert row["contaminated_km2"] == pytest.approx(km2(high | low), rel=RELATIVE)


def test_timeseries_of_one_district(client: TestClient, session: Session) -> None:
    district = add_district(session, WEST)
    zone = box(0.1, -29.9, 0.3, -29.7)
    add_zone(
        session, zone, recorded_on=date(2021, 5, 1), status="reduced", released_on=date(2023, 2, 1)
    )
    response = client.get(
        "/stats/timeseries", params={"from": 2020, "to": 2024, "district": district}
    )
    assert response.status_code == 200, response.text
    years = {row["year"]: row for row in response.json()["years"]}
    assert sorted(years) == [2020, 2021, 2022, 2023, 2024]
    assert years[2020]["contaminated_km2"] == 0
    assert years[2021]["contaminated_km2"] == pytest.approx(km2(zone), rel=RELATIVE)
    assert years[2022]["contaminated_km2"] == pytest.approx(km2(zone), rel=RELATIVE)
    assert years[2023]["contaminated_km2"] == 0
    assert years[2023]["released_km2"] == pytest.approx(km2(zone), rel=RELATIVE)
    assert years[2022]["released_km2"] == 0
