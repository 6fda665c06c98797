"""Which database errors are the client's fault (400) and which are ours (500)."""

import pytest
from fastapi.testclient import TestClient

from app.errors import is_client_fault


@pytest.mark.parametrize(
    ("sqlstate", "client"),
    [
        ("22P02", True),  # invalid text representation: 'abc' for an integer
        ("22003", True),  # numeric value out of range
        ("23514", True),  # check violation
        ("42883", True),  # operator does not exist: a filter comparing text with a number
        ("XX000", True),  # PostGIS refusing a geometry
        ("42703", False),  # undefined column: a bug of ours
        ("42P01", False),  # undefined table: a missing migration
    ],
)
def test_client_faults_by_sqlstate(sqlstate: str, client: bool) -> None:
    assert is_client_fault(sqlstate) is client


def test_ids_beyond_the_integer_range_are_not_found(client: TestClient) -> None:
    assert client.get("/collections/districts/items/2147483648").status_code == 404
    assert client.get("/stats/districts/2147483648").status_code == 404
    assert client.get("/stats/timeseries?district=2147483648").status_code == 404


@pytest.mark.parametrize("as_of", ["2024-10-31T00:00:00Z", "1730332800", "20241031", "2024-02-30"])
def test_as_of_must_be_a_calendar_date(client: TestClient, as_of: str) -> None:
    response = client.get("/stats/summary", params={"as_of": as_of})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["description"]
