"""Operations through the API: tasks, land-release reports, their approval, and who may do what.

Every area is worked out here with pyproj's ellipsoidal Geod on shapely shapes, in the South
Atlantic, far from the bundled data.
"""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import InvalidParameterValue
from app.services.auth import create_key
from tests.api.test_stats_geometry import RELATIVE, WEST, add_district, add_zone, km2

TASKS = "/collections/tasks/items"
RELEASES = "/collections/land_release/items"
ITEMS = "/collections/items_found/items"
ZONE = box(0.1, -29.9, 0.3, -29.7)
HALF = box(0.1, -29.9, 0.2, -29.7)  # the western half of the zone


@pytest.fixture
def keys(session: Session) -> dict[str, str]:
    """An operator of each of two organisations, an editor and an admin."""
    session.execute(
        text(
            "INSERT INTO organisations (code, name, kind, source) VALUES "
            "('OPS-A', 'Operator A', 'commercial', 'test'), "
            "('OPS-B', 'Operator B', 'ngo', 'test')"
        )
    )
    return {
        "a": create_key(session, "test operator A", "operator", "OPS-A"),
        "b": create_key(session, "test operator B", "operator", "OPS-B"),
        "editor": create_key(session, "test editor", "editor"),
        "admin": create_key(session, "test admin", "admin"),
    }


def bearer(key: str, etag: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/geo+json"}
    return headers | ({"If-Match": etag} if etag else {})


def task(zone_code: str, organisation: str = "OPS-A", code: str = "T-1") -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "organisation": organisation,
            "zones": [zone_code],
            "methods": ["technical_survey", "manual_clearance"],
            "status": "in_progress",
            "started_on": "2024-03-01",
            "source": "test",
        },
        "geometry": ZONE.__geo_interface__,
    }


def release(code: str = "R-1", shape: Any = HALF, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "task": "T-1",
            "kind": "cleared",
            "released_on": "2024-06-15",
            "source": "test",
            **properties,
        },
        "geometry": shape.__geo_interface__,
    }


def item(code: str = "I-1", **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "task": "T-1",
            "found_on": "2024-06-15",
            "category": "anti_personnel_mine",
            "action": "destroyed_in_situ",
            "count": 7,
            "source": "test",
            **properties,
        },
        "geometry": None,
    }


@pytest.fixture
def scene(client: TestClient, session: Session, keys: dict[str, str]) -> dict[str, Any]:
    """A district, one active zone in it, and operator A's task over the zone."""
    district = add_district(session, WEST)
    zone_id = add_zone(session, ZONE, recorded_on=date(2023, 1, 1))
    zone_code = session.scalar(
        text("SELECT code FROM contaminated_zones WHERE id = :id"), {"id": zone_id}
    )
    response = client.post(TASKS, json=task(zone_code), headers=bearer(keys["a"]))
    assert response.status_code == 201, response.text
    return {"district": district, "zone": zone_id, "zone_code": zone_code}


def _district(client: TestClient, district: int, as_of: str) -> dict[str, Any]:
    response = client.get(f"/stats/districts/{district}", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _submit(client: TestClient, key: str, feature: dict[str, Any], path: str = RELEASES) -> Any:
    response = client.post(path, json=feature, headers=bearer(key))
    assert response.status_code == 201, response.text
    return response


def _decide(client: TestClient, key: str, response: Any, **patch: Any) -> Any:
    """PATCH the report a response holds, at the response's ETag."""
    links = response.json()["links"]
    location = next(link["href"] for link in links if link["rel"] == "self")
    location = location.removeprefix("http://testserver")
    return client.patch(
        location,
        json={"properties": patch},
        headers=bearer(key, response.headers["ETag"])
        | {"Content-Type": "application/merge-patch+json"},
    )


def test_an_approved_partial_clearance_moves_the_figures_by_the_released_area(
    client: TestClient, session: Session, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    before_day = _district(client, scene["district"], "2024-06-14")
    after_day = _district(client, scene["district"], "2024-06-15")
    assert after_day["contaminated_km2"] == pytest.approx(km2(ZONE), rel=RELATIVE)
    submitted = _submit(client, keys["a"], release())
    assert submitted.json()["properties"]["state"] == "submitted"
    # Submitted, not approved: nothing official moves.
    assert _district(client, scene["district"], "2024-06-15") == after_day

    approved = _decide(client, keys["admin"], submitted, state="approved")
    assert approved.status_code == 200, approved.text

    zone_area = session.scalar(
        text("SELECT ST_Area(geom::geography) / 1e6 FROM contaminated_zones WHERE id = :id"),
        {"id": scene["zone"]},
    )
    assert zone_area == pytest.approx(km2(ZONE - HALF), rel=RELATIVE)
    # The day before the release: unchanged; from the release on: less by the released half.
    assert _district(client, scene["district"], "2024-06-14")["contaminated_km2"] == pytest.approx(
        before_day["contaminated_km2"], rel=RELATIVE
    )
    moved = _district(client, scene["district"], "2024-06-15")
    assert moved["contaminated_km2"] == pytest.approx(km2(ZONE - HALF), rel=RELATIVE)
    assert moved["released_km2"] - after_day["released_km2"] == pytest.approx(
        km2(HALF), rel=RELATIVE
    )
    assert moved["released_by_kind"]["cleared"] == pytest.approx(km2(HALF), rel=RELATIVE)
    # The released part is kept as released land, a zone of its own.
    part = session.execute(
        text("SELECT status, released_on FROM contaminated_zones WHERE code = :code"),
        {"code": f"{scene['zone_code']}-R-1"},
    ).one()
    assert (part.status, str(part.released_on)) == ("cleared", "2024-06-15")


def test_a_release_covering_the_whole_zone_releases_it(
    client: TestClient, session: Session, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    submitted = _submit(client, keys["a"], release(shape=box(0.05, -29.95, 0.35, -29.65)))
    assert _decide(client, keys["admin"], submitted, state="approved").status_code == 200
    zone = session.execute(
        text("SELECT status, released_on FROM contaminated_zones WHERE id = :id"),
        {"id": scene["zone"]},
    ).one()
    assert (zone.status, str(zone.released_on)) == ("cleared", "2024-06-15")
    assert _district(client, scene["district"], "2024-06-15")["contaminated_km2"] == 0


def test_an_operator_cannot_approve_nor_touch_another_organisation(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    submitted = _submit(client, keys["a"], release())
    assert _decide(client, keys["a"], submitted, state="approved").status_code == 403
    assert _decide(client, keys["editor"], submitted, state="approved").status_code == 403
    # Operator B may not report on A's task, nor create a task for A.
    assert client.post(RELEASES, json=release("R-B"), headers=bearer(keys["b"])).status_code == 403
    other = task(scene["zone_code"], organisation="OPS-A", code="T-B")
    assert client.post(TASKS, json=other, headers=bearer(keys["b"])).status_code == 403
    location = submitted.headers["Location"].removeprefix("http://testserver")
    assert client.delete(location, headers=bearer(keys["b"])).status_code == 403


def test_a_rejected_report_keeps_its_reason_in_the_history_and_counts_nothing(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    submitted = _submit(client, keys["a"], release())
    assert _decide(client, keys["admin"], submitted, state="rejected").status_code == 422
    reason = "the polygon crosses a road not surveyed"
    rejected = _decide(client, keys["admin"], submitted, state="rejected", reason=reason)
    assert rejected.status_code == 200, rejected.text
    location = submitted.headers["Location"].removeprefix("http://testserver")
    history = client.get(f"{location}/history", headers=bearer(keys["admin"])).json()
    assert history["versions"][0]["action"] == "reject"
    assert history["versions"][0]["after"]["reason"] == reason
    assert _district(client, scene["district"], "2024-06-15")["contaminated_km2"] == pytest.approx(
        km2(ZONE), rel=RELATIVE
    )


def test_an_approved_report_is_final(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    submitted = _submit(client, keys["a"], release())
    approved = _decide(client, keys["admin"], submitted, state="approved")
    again = _decide(client, keys["admin"], approved, released_on="2024-06-20")
    assert again.status_code == 409
    assert "final" in again.json()["description"]
    location = submitted.headers["Location"].removeprefix("http://testserver")
    assert (
        client.delete(location, headers=bearer(keys["admin"], approved.headers["ETag"])).status_code
        == 409
    )


def test_drafts_are_seen_by_their_organisation_and_the_authority_only(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    submitted = _submit(client, keys["a"], item(), ITEMS)
    feature_id = submitted.json()["id"]
    codes = {
        reader: [
            f["properties"]["code"]
            for f in client.get(
                ITEMS,
                params={"task": "T-1"},
                headers={"Authorization": f"Bearer {keys[reader]}"} if reader != "public" else {},
            ).json()["features"]
        ]
        for reader in ("public", "a", "b", "admin")
    }
    assert codes == {"public": [], "a": ["I-1"], "b": [], "admin": ["I-1"]}
    assert client.get(f"{ITEMS}/{feature_id}").status_code == 404
    _decide(client, keys["admin"], submitted, state="approved")
    assert client.get(f"{ITEMS}/{feature_id}").status_code == 200


def test_a_report_on_no_task_and_a_task_on_no_zone_are_refused(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    response = client.post(RELEASES, json=release(task="NO-SUCH"), headers=bearer(keys["admin"]))
    assert response.status_code == 422
    assert "NO-SUCH" in response.text
    response = client.post(TASKS, json=task("NO-ZONE", code="T-2"), headers=bearer(keys["a"]))
    assert response.status_code == 422
    assert "NO-ZONE" in response.text


def test_an_operator_key_names_its_organisation(session: Session, keys: dict[str, str]) -> None:
    with pytest.raises(InvalidParameterValue):
        create_key(session, "no organisation", "operator")
    with pytest.raises(InvalidParameterValue):
        create_key(session, "unknown organisation", "operator", "NOPE")


def test_land_released_is_counted_once_and_only_where_a_zone_was(
    client: TestClient, session: Session, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    """A record reaching beyond its zone releases (and counts) the zone's part alone; a
    second record over land released already releases nothing and is refused."""
    beyond = box(0.1, -29.9, 0.2, -29.5)  # the western half, and open land to the north
    first = _submit(client, keys["a"], release(shape=beyond))
    assert _decide(client, keys["admin"], first, state="approved").status_code == 200
    area = session.scalar(text("SELECT area_m2 FROM land_release WHERE code = 'R-1'"))
    assert area / 1e6 == pytest.approx(km2(beyond & ZONE), rel=RELATIVE)
    again = _submit(client, keys["a"], release(code="R-2", shape=HALF))
    refused = _decide(client, keys["admin"], again, state="approved")
    assert refused.status_code == 422
    assert "covers no contaminated" in refused.text
    by_kind = client.get(
        "/stats/release", params={"group_by": "kind", "from": "2024-06-15", "to": "2024-06-15"}
    ).json()
    assert by_kind["total_km2"] == pytest.approx(km2(HALF), rel=RELATIVE)


def test_a_decision_needs_if_match_and_a_report_of_the_future_is_refused(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    future = client.post(
        RELEASES, json=release(released_on="2999-01-01"), headers=bearer(keys["a"])
    )
    assert future.status_code == 422
    assert "future" in future.text
    submitted = _submit(client, keys["a"], release())
    location = submitted.headers["Location"].removeprefix("http://testserver")
    blind = client.patch(
        location,
        json={"properties": {"state": "approved"}},
        headers=bearer(keys["admin"]) | {"Content-Type": "application/merge-patch+json"},
    )
    assert blind.status_code == 428
    rejected = _decide(client, keys["admin"], submitted, state="rejected", reason="not surveyed")
    resubmitted = _decide(client, keys["a"], rejected, state="submitted")
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["properties"]["reason"] is None


def test_a_task_keeps_its_organisation_once_reports_are_approved(
    client: TestClient, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    unknown = client.post(
        TASKS,
        json=task(scene["zone_code"], organisation="NOPE", code="T-9"),
        headers=bearer(keys["admin"]),
    )
    assert unknown.status_code == 422
    assert "NOPE" in unknown.text
    submitted = _submit(client, keys["a"], release())
    _decide(client, keys["admin"], submitted, state="approved")
    found = client.get(TASKS, params={"code": "T-1"}).json()["features"][0]
    moved = client.patch(
        f"{TASKS}/{found['id']}",
        json={"properties": {"organisation": "OPS-B"}},
        headers=bearer(keys["admin"]) | {"Content-Type": "application/merge-patch+json"},
    )
    assert moved.status_code == 409


def test_the_figures_as_csv_never_hand_a_spreadsheet_a_formula(
    client: TestClient, session: Session, keys: dict[str, str], scene: dict[str, Any]
) -> None:
    session.execute(
        text(
            "INSERT INTO organisations (code, name, kind, source) "
            "VALUES ('=HYPERLINK(\"x\")', 'Formula', 'ngo', 'test')"
        )
    )
    session.execute(text("UPDATE tasks SET organisation = '=HYPERLINK(\"x\")' WHERE code = 'T-1'"))
    submitted = _submit(client, keys["admin"], release())
    _decide(client, keys["admin"], submitted, state="approved")
    answer = client.get("/stats/release", params={"group_by": "organisation", "f": "csv"})
    assert answer.status_code == 200
    assert "'=HYPERLINK" in answer.text
    assert "\n=HYPERLINK" not in answer.text and ",=HYPERLINK" not in answer.text
