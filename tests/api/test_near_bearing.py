"""The nearest zone's bearing in /stats/near: the geodesic azimuth worked out with pyproj."""

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from shapely import Polygon, box
from sqlalchemy.orm import Session

from tests.api.test_stats_geometry import add_zone

GEOD = Geod(ellps="WGS84")
POINT = (0.30, -29.80)


@pytest.mark.parametrize(
    ("zone", "corner"),
    [
        (box(0.31, -29.79, 0.32, -29.78), (0.31, -29.79)),  # north-east: its south-west corner
        (box(0.27, -29.83, 0.28, -29.82), (0.28, -29.82)),  # south-west: its north-east corner
    ],
)
def test_the_bearing_points_at_the_nearest_corner(
    client: TestClient, session: Session, zone: Polygon, corner: tuple[float, float]
) -> None:
    add_zone(session, zone, risk_level="high")
    body = client.get("/stats/near", params={"lon": POINT[0], "lat": POINT[1]}).json()
    azimuth = GEOD.inv(POINT[0], POINT[1], corner[0], corner[1])[0] % 360
    assert body["nearest_zone"]["bearing_deg"] == pytest.approx(azimuth, abs=0.1)


def test_due_north_and_due_west_of_an_edge(client: TestClient, session: Session) -> None:
    """The closest point of an edge straight ahead: 0° (north) and 270° (west)."""
    add_zone(session, box(0.29, -29.70, 0.31, -29.69), risk_level="low")  # north of the point
    north = client.get("/stats/near", params={"lon": POINT[0], "lat": POINT[1]}).json()
    assert north["nearest_zone"]["bearing_deg"] % 360 == pytest.approx(0, abs=0.1)
    add_zone(session, box(0.20, -29.81, 0.21, -29.79), risk_level="low")  # west, nearer
    west = client.get("/stats/near", params={"lon": POINT[0], "lat": POINT[1]}).json()
    assert west["nearest_zone"]["bearing_deg"] == pytest.approx(270, abs=0.1)


def test_inside_a_zone_there_is_no_bearing(client: TestClient, session: Session) -> None:
    add_zone(session, box(0.29, -29.81, 0.31, -29.79), risk_level="high")
    body = client.get("/stats/near", params={"lon": POINT[0], "lat": POINT[1]}).json()
    assert body["nearest_zone"]["distance_km"] == 0
    assert body["nearest_zone"]["bearing_deg"] is None
