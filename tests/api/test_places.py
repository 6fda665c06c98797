"""A place: what lies near it (worked out with pyproj) and finding it by name."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from shapely import box
from sqlalchemy.orm import Session

from tests.api.test_stats_geometry import WEST, add_district, add_incident, add_zone

GEOD = Geod(ellps="WGS84")
POINT = (0.30, -29.80)
A = box(0.31, -29.79, 0.32, -29.78)  # north-east of the point: its south-west corner is nearest
B = box(0.33, -29.77, 0.34, -29.76)
INCIDENT = (0.305, -29.805)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000


def test_the_distances_near_a_point_are_the_geodesic_ones(
    client: TestClient, session: Session
) -> None:
    district = add_district(session, WEST, name="Near test")
    zone_a = add_zone(session, A, risk_level="high")
    zone_b = add_zone(session, B, risk_level="low")
    add_incident(session, *INCIDENT, occurred_on=date(2024, 6, 1), injured=1)
    params = {"lon": POINT[0], "lat": POINT[1], "as_of": "2025-01-01", "within_km": 5}
    body = client.get("/stats/near", params=params).json()
    to_a, to_b, to_incident = (
        km(POINT, (0.31, -29.79)),
        km(POINT, (0.33, -29.77)),
        km(POINT, INCIDENT),
    )
    assert body["nearest_zone_km"] == pytest.approx(to_a, abs=0.001)  # within 1 m
    assert body["nearest_zone"]["id"] == zone_a and body["nearest_zone"]["risk_level"] == "high"
    assert [zone["id"] for zone in body["zones"]] == [zone_a, zone_b]
    assert body["zones"][1]["distance_km"] == pytest.approx(to_b, abs=0.001)
    assert body["incidents"][0]["distance_km"] == pytest.approx(to_incident, abs=0.001)
    expected = {
        str(radius): {
            "zones": sum(distance <= radius for distance in (to_a, to_b)),
            "incidents": int(to_incident <= radius),
        }
        for radius in (1, 2, 5)
    }
    assert body["counts"] == expected
    assert body["district"]["id"] == district
    assert "not a guarantee" in body["advice"]["en"]["not_a_guarantee"]
    assert body["advice"]["az"]["what_to_do"]
    inside = client.get("/stats/near", params={"lon": 0.315, "lat": -29.785}).json()
    assert inside["nearest_zone_km"] == 0


@pytest.mark.parametrize(
    ("query", "name_az"),
    [("Susa", "Şuşa"), ("Şuşa", "Şuşa"), ("Shusha", "Şuşa"), ("lacin", "Laçın"), ("Ağd", "Ağdam")],
)
def test_search_finds_english_and_azerbaijani_names_by_prefix(
    client: TestClient, query: str, name_az: str
) -> None:
    results = client.get("/search", params={"q": query}).json()["results"]
    assert name_az in {place["name_az"] for place in results}


@pytest.mark.parametrize("query", ["", "x" * 10_000, "'; DROP TABLE districts; --", "%", "_"])
def test_bad_searches_are_a_400_or_nothing(client: TestClient, query: str) -> None:
    response = client.get("/search", params={"q": query})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []
    assert client.get("/health").json()["layers"]["districts"] == 78


def test_a_position_never_reaches_the_access_log() -> None:
    """uvicorn logs (client, method, path, version, status); /stats/near loses its query."""
    import logging

    from app.core.logging import WithholdPositions

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/stats/near?lon=46.75&lat=39.76", "1.1", 200), None,
    )  # fmt: skip
    assert WithholdPositions().filter(record)
    assert "46.75" not in record.getMessage() and "/stats/near?…" in record.getMessage()
    search = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/search?q=Aghdam", "1.1", 200), None,
    )  # fmt: skip
    WithholdPositions().filter(search)
    assert "Aghdam" not in search.getMessage() and "/search?…" in search.getMessage()
    other = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/collections?f=json", "1.1", 200), None,
    )  # fmt: skip
    WithholdPositions().filter(other)
    assert "/collections?f=json" in other.getMessage()
