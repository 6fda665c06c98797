"""What an attack on the write paths found: bodies that were a 500 or were coerced, a weak
ETag taken for a strong one, and a deleted incident that lost its victims' records."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import DeletedIncidentVictim, Incident, IncidentVictim
from tests.api.test_editing import ZONES, bearer, created, keys, zone, zone_count

__all__ = ["created", "keys"]  # fixtures
INCIDENTS = "/collections/incidents/items"


def incident(coordinates: Any, code: str = "ATTACK-I1") -> dict[str, Any]:
    """An incident in the open Caspian, far from every district."""
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "occurred_on": "2026-11-02",
            "device": "uxo",
            "activity": "farming",
            "killed": 0,
            "injured": 1,
            "victim_category": "civilian",
            "location_accuracy": "surveyed",
            "source": "test report",
        },
        "geometry": {"type": "Point", "coordinates": coordinates},
    }


def incident_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Incident)) or 0


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("coordinates", [[True, 10], ["20", "10"], [50.6, None], [50.6], 50.6])
def test_coordinates_that_are_not_numbers_are_refused(
    client: TestClient, keys: dict[str, str], session: Session, coordinates: Any
) -> None:
    before = incident_count(session)
    response = client.post(INCIDENTS, json=incident(coordinates), headers=bearer(keys["editor"]))
    assert response.status_code == 422, response.text
    assert "geometry.coordinates" in response.json()["description"]
    assert incident_count(session) == before


def test_a_point_of_numbers_is_stored(client: TestClient, keys: dict[str, str]) -> None:
    response = client.post(INCIDENTS, json=incident([50.6, 40]), headers=bearer(keys["editor"]))
    assert response.status_code == 201, response.text
    assert response.json()["geometry"]["coordinates"] == [50.6, 40]


@pytest.mark.parametrize(
    "where",
    ["geometry member", "coordinates", "property", "feature member", "patch"],
)
def test_a_body_nested_300_deep_is_a_422_and_the_connection_lives_on(
    client: TestClient, keys: dict[str, str], session: Session, created: dict[str, Any], where: str
) -> None:
    before = zone_count(session)
    feature = zone("ATTACK-Z1")
    if where == "geometry member":
        feature["geometry"]["x"] = nested(300)
    elif where == "coordinates":
        feature["geometry"]["coordinates"] = nested(300)
    elif where == "property":
        feature["properties"]["name"] = nested(300)
    else:
        feature["x"] = nested(300)
    body = json.dumps(feature if where != "patch" else {"properties": {"name": nested(300)}})
    if where == "patch":
        headers = {**bearer(keys["editor"]), "Content-Type": "application/merge-patch+json"}
        response = client.patch(created["url"], content=body, headers=headers)
    else:
        response = client.post(ZONES, content=body, headers=bearer(keys["editor"]))
    assert response.status_code in (400, 422), response.text
    assert zone_count(session) == before
    assert client.get("/health").status_code == 200


def test_a_weak_etag_does_not_satisfy_if_match(
    client: TestClient, keys: dict[str, str], created: dict[str, Any]
) -> None:
    """RFC 9110, 13.1.1: If-Match uses the strong comparison."""
    url = created["url"]
    etag = client.get(url).headers["etag"]
    assert etag.startswith('"')
    for if_match in (f"W/{etag}", f'"nope", W/{etag}'):
        headers = {**bearer(keys["editor"]), "If-Match": if_match}
        changed = client.patch(url, json={"properties": {"estimated_devices": 7}}, headers=headers)
        assert changed.status_code == 412, changed.text
        assert client.delete(url, headers=headers).status_code == 412
    assert client.get(url).json()["properties"].get("estimated_devices") is None
    strong = {**bearer(keys["editor"]), "If-Match": etag}
    changed = client.patch(url, json={"properties": {"estimated_devices": 7}}, headers=strong)
    assert changed.status_code == 200, changed.text


def _victims(
    session: Session, table: type[IncidentVictim | DeletedIncidentVictim], number: int
) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(table.id, table.sex, table.age, table.injury, table.residence)
        .where(table.incident_id == number)
        .order_by(table.id)
    )
    return [tuple(row) for row in rows]


def test_a_deleted_incident_keeps_its_victims_records_and_a_restore_brings_them_back(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    made = client.post(INCIDENTS, json=incident([50.6, 40]), headers=bearer(keys["editor"]))
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    url = f"{INCIDENTS}/{number}"
    session.add_all(
        [
            IncidentVictim(incident_id=number, sex="f", age=34, injury="leg", residence="Ağdam"),
            IncidentVictim(incident_id=number, sex="m", age=9, injury=None, residence="Füzuli"),
        ]
    )
    session.flush()
    victims = _victims(session, IncidentVictim, number)
    assert len(victims) == 2

    assert client.delete(url, headers=bearer(keys["editor"])).status_code == 204
    assert client.get(url).status_code == 404
    assert _victims(session, IncidentVictim, number) == []  # gone with the incident
    assert _victims(session, DeletedIncidentVictim, number) == victims  # but kept, privately
    history = client.get(url + "/history", headers=bearer(keys["editor"])).text
    assert "Ağdam" not in history and "Füzuli" not in history  # never in the editors' history

    restored = client.post(url + "/restore", headers=bearer(keys["admin"]))
    assert restored.status_code == 200, restored.text
    assert _victims(session, IncidentVictim, number) == victims  # whole again, same ids
    assert _victims(session, DeletedIncidentVictim, number) == []
