"""Editing through OGC API - Features Part 4: keys and roles, If-Match, validation, history."""

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod, Transformer
from shapely import box
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import ContaminatedZone
from app.services.auth import create_key
from tests.conftest import in_transaction

ZONES = "/collections/contaminated_zones/items"
GEOD = Geod(ellps="WGS84")


@pytest.fixture
def keys(session: Session) -> dict[str, str]:
    """An editor's and an admin's key, and one revoked, in the test's transaction."""
    made = {role: create_key(session, f"test {role}", role) for role in ("editor", "admin")}
    made["revoked"] = create_key(session, "test revoked", "editor")
    session.execute(text("UPDATE api_keys SET revoked_at = now() WHERE name = 'test revoked'"))
    return made


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/geo+json"}


def zone(code: str = "EDIT-1", square: Any = None, **properties: Any) -> dict[str, Any]:
    """A zone in the open Caspian, far from every district and zone."""
    shape = square if square is not None else box(50.60, 40.00, 50.61, 40.01)
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "hazard_class": "CHA",
            "contamination": ["anti_personnel"],
            "risk_level": "high",
            "status": "active",
            "recorded_on": "2026-11-02",
            "source": "test survey",
            **properties,
        },
        "geometry": shape.__geo_interface__,
    }


def zone_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ContaminatedZone)) or 0


@pytest.fixture
def created(client: TestClient, keys: dict[str, str]) -> dict[str, Any]:
    response = client.post(ZONES, json=zone(), headers=bearer(keys["editor"]))
    assert response.status_code == 201, response.text
    return {
        "url": response.headers["location"].removeprefix("http://testserver"),
        **response.json(),
    }


def test_each_role_may_do_what_it_is_given(client: TestClient, keys: dict[str, str]) -> None:
    district = {
        "type": "Feature",
        "properties": {"code": "EDIT-D", "name": "Test", "kind": "district", "source": "test"},
        "geometry": box(50.6, 40.0, 50.7, 40.1).__geo_interface__,
    }
    assert client.post(ZONES, json=zone(), headers=bearer(keys["editor"])).status_code == 201
    refused = client.post(
        "/collections/districts/items", json=district, headers=bearer(keys["editor"])
    )
    assert refused.status_code == 403
    assert "admin" in refused.json()["description"]
    allowed = client.post(
        "/collections/districts/items", json=district, headers=bearer(keys["admin"])
    )
    assert allowed.status_code == 201, allowed.text
    by_header = {"X-API-Key": keys["editor"], "Content-Type": "application/geo+json"}
    assert client.post(ZONES, json=zone("EDIT-2"), headers=by_header).status_code == 201


@pytest.mark.parametrize("which", ["none", "wrong", "revoked", "malformed"])
def test_no_wrong_or_revoked_key_is_a_401(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    caplog: pytest.LogCaptureFixture,
    which: str,
) -> None:
    before = zone_count(session)
    presented = {
        "none": None,
        "wrong": keys["editor"][:-4] + "AAAA",
        "revoked": keys["revoked"],
        "malformed": "hello",
    }[which]
    headers = bearer(presented) if presented else {"Content-Type": "application/geo+json"}
    with caplog.at_level(logging.WARNING):
        response = client.post(ZONES, json=zone(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert zone_count(session) == before
    for key in keys.values():
        assert key not in caplog.text  # a key never reaches a log line
    if which in ("wrong", "revoked"):
        assert "test " in caplog.text  # the key's name is logged when known


def test_create_read_replace_patch_delete_restore(
    client: TestClient, keys: dict[str, str], created: dict[str, Any]
) -> None:
    url = created["url"]
    read = client.get(url)
    assert read.status_code == 200 and read.json()["properties"]["code"] == "EDIT-1"
    etag = read.headers["etag"]
    assert not etag.startswith("W/")  # a strong ETag: the feature's version

    replaced = client.put(
        url,
        json=zone(risk_level="medium", name="after the survey"),
        headers={**bearer(keys["editor"]), "If-Match": etag},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["properties"]["risk_level"] == "medium"
    assert replaced.headers["etag"] != etag

    patched = client.patch(
        url,
        json={"properties": {"status": "cleared", "released_on": "2026-11-25", "name": None}},
        headers={**bearer(keys["editor"]), "If-Match": replaced.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    properties = patched.json()["properties"]
    assert properties["status"] == "cleared" and properties["name"] is None
    assert properties["risk_level"] == "medium"  # kept

    assert client.delete(url, headers=bearer(keys["editor"])).status_code == 204
    assert client.get(url).status_code == 404
    assert client.post(url + "/restore", headers=bearer(keys["editor"])).status_code == 403
    restored = client.post(url + "/restore", headers=bearer(keys["admin"]))
    assert restored.status_code == 200, restored.text
    assert restored.json()["properties"]["status"] == "cleared"
    assert client.get(url).json()["id"] == created["id"]

    history = client.get(url + "/history", headers=bearer(keys["editor"])).json()["versions"]
    assert [entry["action"] for entry in history] == [
        "restore",
        "delete",
        "update",
        "replace",
        "create",
    ]
    assert {entry["actor"] for entry in history} == {"test editor", "test admin"}
    replace_entry = history[3]
    assert replace_entry["before"]["risk_level"] == "high"
    assert replace_entry["after"]["risk_level"] == "medium"
    assert history[1]["after"] is None and history[1]["before"]["code"] == "EDIT-1"
    assert history[4]["before"] is None
    assert history[4]["after"]["geometry"]["type"] == "MultiPolygon"
    assert client.get(url + "/history").status_code == 401


def test_a_feature_is_revalidated_whole(
    client: TestClient, keys: dict[str, str], created: dict[str, Any]
) -> None:
    url = created["url"]
    read = client.get(url)
    etag = read.headers["etag"]
    assert read.headers["Cache-Control"] == "public, no-cache"
    assert "Accept" in read.headers["Vary"]  # HTML for a browser, GeoJSON otherwise
    # Its tag is its version, not the release that writes it out: never a 304.
    current = client.get(url, headers={"If-None-Match": etag})
    assert current.status_code == 200 and current.json() == read.json()
    assert current.headers["etag"] == etag
    patched = client.patch(
        url, json={"properties": {"risk_level": "low"}}, headers={**bearer(keys["editor"])}
    )
    assert patched.status_code == 200, patched.text
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.json()["properties"]["risk_level"] == "low"
    assert after.headers["etag"] != etag


def test_a_stale_if_match_is_a_412_and_changes_nothing(
    client: TestClient, keys: dict[str, str], created: dict[str, Any]
) -> None:
    url = created["url"]
    first = client.get(url).headers["etag"]
    # Two data managers read the same version; the first one writes.
    ours = client.patch(
        url,
        json={"properties": {"estimated_devices": 12}},
        headers={**bearer(keys["editor"]), "If-Match": first},
    )
    assert ours.status_code == 200
    theirs = client.patch(
        url,
        json={"properties": {"estimated_devices": 40}},
        headers={**bearer(keys["admin"]), "If-Match": first},
    )
    assert theirs.status_code == 412
    assert client.get(url).json()["properties"]["estimated_devices"] == 12
    gone = client.delete(url, headers={**bearer(keys["editor"]), "If-Match": first})
    assert gone.status_code == 412 and client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"properties": {"risk_level": "extreme"}}, "properties.risk_level"),
        ({"properties": {"status": "cleared"}}, "released_on"),
        (
            {"properties": {"status": "cleared", "released_on": "2020-01-01"}},
            "released_on is before recorded_on",
        ),
        ({"properties": {"recorded_on": "2026-02-30"}}, "properties.recorded_on"),
        ({"properties": {"contamination": []}}, "properties.contamination"),
        ({"properties": {"code": None}}, "properties.code"),
        ({"properties": {"estimated_devices": -3}}, "properties.estimated_devices"),
        ({"geometry": {"type": "Point", "coordinates": [50.6, 40.0]}}, "geometry.type"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[1, 2]]]}}, "geometry.coordinates"),
        (
            {"geometry": box(190, 40, 191, 41).__geo_interface__},
            "geometry.coordinates: outside",
        ),
        ({"type": "FeatureCollection"}, "type"),
    ],
)
def test_a_feature_that_breaks_a_rule_is_a_422_naming_the_field(
    client: TestClient,
    keys: dict[str, str],
    session: Session,
    change: dict[str, Any],
    field: str,
) -> None:
    before = zone_count(session)
    feature = zone()
    feature["properties"].update(change.get("properties", {}))
    feature.update({key: value for key, value in change.items() if key != "properties"})
    response = client.post(ZONES, json=feature, headers=bearer(keys["editor"]))
    assert response.status_code == 422, response.text
    assert field in response.json()["description"]
    assert zone_count(session) == before


def test_unparsable_oversized_and_duplicate_bodies(
    client: TestClient, keys: dict[str, str], session: Session, created: dict[str, Any]
) -> None:
    before = zone_count(session)
    broken = client.post(ZONES, content=b'{"type": "Feature", ', headers=bearer(keys["editor"]))
    assert broken.status_code == 400
    huge = b'{"type": "Feature", "properties": {"name": "' + b"x" * 11_000_000 + b'"}}'
    assert client.post(ZONES, content=huge, headers=bearer(keys["editor"])).status_code == 413
    twice = client.post(ZONES, json=zone(), headers=bearer(keys["editor"]))  # EDIT-1 again
    assert twice.status_code == 409
    assert "code" in twice.json()["description"]
    assert zone_count(session) == before


def test_a_bow_tie_is_refused_with_postgis_reason_or_repaired_on_request(
    client: TestClient, keys: dict[str, str]
) -> None:
    ring = [[50.60, 40.00], [50.61, 40.01], [50.61, 40.00], [50.60, 40.01], [50.60, 40.00]]
    feature = zone("EDIT-BOWTIE")
    feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    refused = client.post(ZONES, json=feature, headers=bearer(keys["editor"]))
    assert refused.status_code == 422
    assert "Self-intersection" in refused.json()["description"]
    repaired = client.post(ZONES + "?make_valid=true", json=feature, headers=bearer(keys["editor"]))
    assert repaired.status_code == 201, repaired.text
    assert "ST_MakeValid" in repaired.headers["contamap-geometry-repaired"]
    assert repaired.json()["geometry"]["type"] == "MultiPolygon"


def test_a_body_in_web_mercator_is_stored_in_wgs84(
    client: TestClient, keys: dict[str, str]
) -> None:
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    corners = [(50.60, 40.00), (50.61, 40.00), (50.61, 40.01), (50.60, 40.01), (50.60, 40.00)]
    feature = zone("EDIT-3857")
    feature["geometry"] = {
        "type": "Polygon",
        "coordinates": [[list(to_mercator.transform(x, y)) for x, y in corners]],
    }
    headers = {
        **bearer(keys["editor"]),
        "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/3857>",
    }
    response = client.post(ZONES, json=feature, headers=headers)
    assert response.status_code == 201, response.text
    stored = response.json()["geometry"]["coordinates"][0][0]
    for (x, y), (lon, lat) in zip(stored, corners, strict=True):
        assert x == pytest.approx(lon, abs=1e-7) and y == pytest.approx(lat, abs=1e-7)


def test_the_statistics_follow_a_write_at_once(client: TestClient, keys: dict[str, str]) -> None:
    """A 1 km square inside an empty part of Lankaran: the district grows by its pyproj area."""
    district = client.get("/collections/districts/items", params={"name": "Lankaran"}).json()
    district_id = district["features"][0]["id"]
    square = box(48.80, 38.70, 48.80 + 0.0115, 38.70 + 0.009)
    area_km2 = abs(GEOD.geometry_area_perimeter(square)[0]) / 1e6
    url = f"/stats/districts/{district_id}"
    before = client.get(url).json()["contaminated_km2"]
    created = client.post(ZONES, json=zone("EDIT-LANKARAN", square), headers=bearer(keys["editor"]))
    assert created.status_code == 201
    grown = client.get(url).json()["contaminated_km2"]
    assert grown - before == pytest.approx(area_km2, abs=2e-3)
    location = created.headers["location"].removeprefix("http://testserver")
    assert client.delete(location, headers=bearer(keys["editor"])).status_code == 204
    assert client.get(url).json()["contaminated_km2"] == pytest.approx(before, abs=1e-6)


def test_options_says_what_the_caller_may_do(client: TestClient, keys: dict[str, str]) -> None:
    anonymous = client.options(ZONES)
    assert anonymous.status_code == 204 and "POST" not in anonymous.headers["allow"]
    editor = client.options(ZONES, headers={"Authorization": f"Bearer {keys['editor']}"})
    assert "POST" in editor.headers["allow"]
    district = client.options(
        "/collections/districts/items/1", headers={"Authorization": f"Bearer {keys['editor']}"}
    )
    assert "PUT" not in district.headers["allow"]
    admin = client.options(
        "/collections/districts/items/1", headers={"Authorization": f"Bearer {keys['admin']}"}
    )
    assert {"PUT", "PATCH", "DELETE"} <= {m.strip() for m in admin.headers["allow"].split(",")}


def test_if_match_can_be_required(
    client: TestClient, keys: dict[str, str], created: dict[str, Any]
) -> None:
    app: Any = client.app
    app.state.settings = app.state.settings.model_copy(update={"require_if_match": True})
    patch = {"properties": {"estimated_devices": 3}}
    response = client.patch(created["url"], json=patch, headers=bearer(keys["editor"]))
    assert response.status_code == 428


def test_reads_can_require_a_key(database_url: str, session: Session, keys: dict[str, str]) -> None:
    with in_transaction(database_url, session, read_requires_key=True) as keyed:
        assert keyed.get(ZONES).status_code == 401
        key = {"Authorization": f"Bearer {keys['editor']}"}
        assert keyed.get(ZONES, headers=key).status_code == 200
        assert keyed.get("/health").status_code == 200  # probes stay open


def test_as_of_a_date_before_a_status_change_reports_the_old_status(
    client: TestClient, keys: dict[str, str], session: Session
) -> None:
    """Recorded active (its history backdated to 2023), in progress since today."""
    district = client.get("/collections/districts/items", params={"name": "Lankaran"}).json()
    url = f"/stats/districts/{district['features'][0]['id']}"
    square = box(48.80, 38.70, 48.8115, 38.709)
    area_km2 = abs(GEOD.geometry_area_perimeter(square)[0]) / 1e6
    before = {
        day: client.get(url, params={"as_of": day}).json()["by_status"]
        for day in ("2025-06-01", "2099-01-01")
    }
    feature = zone("EDIT-TIME", square, recorded_on="2022-01-01")
    created = client.post(ZONES, json=feature, headers=bearer(keys["editor"]))
    assert created.status_code == 201
    session.execute(
        text("UPDATE feature_history SET at = '2023-01-01' WHERE after ->> 'code' = 'EDIT-TIME'")
    )
    location = created.headers["location"].removeprefix("http://testserver")
    patched = client.patch(
        location, json={"properties": {"status": "in_progress"}}, headers=bearer(keys["editor"])
    )
    assert patched.status_code == 200
    then = client.get(url, params={"as_of": "2025-06-01"}).json()["by_status"]
    later = client.get(url, params={"as_of": "2099-01-01"}).json()["by_status"]
    assert then["active"] - before["2025-06-01"]["active"] == pytest.approx(area_km2, abs=2e-3)
    assert then["in_progress"] == pytest.approx(before["2025-06-01"]["in_progress"], abs=1e-6)
    grown = later["in_progress"] - before["2099-01-01"]["in_progress"]
    assert grown == pytest.approx(area_km2, abs=2e-3)
    assert later["active"] == pytest.approx(before["2099-01-01"]["active"], abs=1e-6)
