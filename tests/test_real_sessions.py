"""Every kind of request through the app's own engines and asyncio sessions, on the event loop
(the other API tests run their requests in the test's transaction, on a plain session): edits,
an import, a report with a photo, a sign-in, files, statistics after each commit."""

import io
import json
from collections.abc import Iterator
from typing import Any

import pyogrio
import pytest
from alembic import command
from fastapi.testclient import TestClient
from PIL import Image
from pyproj import Geod
from shapely import box
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.core.config import Settings
from app.main import create_app
from app.services.accounts import create_user
from app.services.auth import create_key
from app.services.loader import load_bundled
from tests.api.test_editing import zone
from tests.api.test_reports import GPS_IFD, jpeg_with_gps
from tests.conftest import throwaway_database

ZONES = "/collections/contaminated_zones/items"
GEOD = Geod(ellps="WGS84")
PASSWORD = "a long enough passphrase"
# South Lankaran, far from every bundled zone: two squares inside a district.
EDITED = box(48.80, 38.70, 48.81, 38.71)
IMPORTED = box(48.83, 38.70, 48.84, 38.71)


def km2(square: Any) -> float:
    return float(abs(GEOD.geometry_area_perimeter(square)[0]) / 1e6)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[TestClient, dict[str, str], str]]:
    """The app on a database of its own, with an editor's and an admin's key and a user."""
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with Session(engine) as session, session.begin():
            load_bundled(session)
            keys = {role: create_key(session, f"real {role}", role) for role in ("editor", "admin")}
            create_user(session, "real.editor", "editor", None, PASSWORD)
        engine.dispose()
        with TestClient(create_app(Settings(database_url=url, environment="test"))) as client:  # type: ignore[arg-type]
            yield client, keys, url


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def contaminated_km2(client: TestClient) -> float:
    return float(client.get("/stats/summary").json()["contaminated_km2"])


def test_an_edit_lives_and_is_counted_through_the_primary_session(
    served: tuple[TestClient, dict[str, str], str],
) -> None:
    client, keys, _ = served
    before = contaminated_km2(client)
    created = client.post(
        ZONES,
        json=zone("REAL-1", EDITED),
        headers={**bearer(keys["editor"]), "Content-Type": "application/geo+json"},
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    read = client.get(url)
    assert read.status_code == 200
    assert read.json()["geometry"]["coordinates"][0][0] == [list(c) for c in EDITED.exterior.coords]
    assert contaminated_km2(client) - before == pytest.approx(km2(EDITED), rel=1e-3)

    patched = client.patch(
        url,
        json={"properties": {"status": "cleared", "released_on": "2026-11-25"}},
        headers={**bearer(keys["editor"]), "If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["status"] == "cleared"
    assert contaminated_km2(client) == pytest.approx(before, abs=1e-6)  # released: not counted

    assert client.delete(url, headers=bearer(keys["editor"])).status_code == 204
    assert client.get(url).status_code == 404
    restored = client.post(url + "/restore", headers=bearer(keys["admin"]))
    assert restored.status_code == 200, restored.text
    assert client.get(url).json()["properties"]["status"] == "cleared"


def test_an_import_and_the_files_of_a_layer(
    served: tuple[TestClient, dict[str, str], str], tmp_path: Any
) -> None:
    client, keys, _ = served
    before = contaminated_km2(client)
    collection = {"type": "FeatureCollection", "features": [zone("REAL-IMPORT-1", IMPORTED)]}
    imported = client.post(
        "/imports",
        params={"layer": "contaminated_zones"},
        files={"file": ("zones.geojson", json.dumps(collection).encode(), "application/geo+json")},
        headers=bearer(keys["admin"]),
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["refused"] == []
    assert contaminated_km2(client) - before == pytest.approx(km2(IMPORTED), rel=1e-3)

    page = client.get(ZONES, params={"code": "REAL-IMPORT-1"}).json()
    assert page["numberMatched"] == 1
    every = client.get(ZONES, params={"limit": 10_000}).json()["numberMatched"]
    assert every > 900  # the bundled 916 and the test's
    for fmt in ("gpkg", "fgb"):
        answer = client.get(ZONES, params={"f": fmt})
        assert answer.status_code == 200, answer.text
        path = tmp_path / f"zones.{fmt}"
        path.write_bytes(answer.content)
        assert pyogrio.read_info(path)["features"] == every
    rows = client.get(ZONES, params={"f": "csv", "limit": 10_000}).text.splitlines()
    assert len(rows) == every + 1  # a header and a row a zone


def test_a_report_with_a_photo_and_a_sign_in(
    served: tuple[TestClient, dict[str, str], str],
) -> None:
    client, keys, url = served
    sent = client.post(
        "/reports",
        data={"lon": "48.806", "lat": "38.705", "category": "uxo", "phone": "+994501234567"},
        files={"photo": ("photo.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert sent.status_code == 201, sent.text
    receipt = sent.json()["receipt"]
    assert client.get(f"/reports/status/{receipt}").json() == {"status": "received"}
    engine = create_engine(url)
    with engine.connect() as conn:
        photo = conn.scalar(text("SELECT photo FROM reports WHERE receipt = :r"), {"r": receipt})
    engine.dispose()
    stored = Image.open(io.BytesIO(photo))
    assert stored.size == (64, 48) and not stored.getexif().get_ifd(GPS_IFD)

    signed = client.post(
        "/auth/login",
        data={"username": "real.editor", "password": PASSWORD},
        headers={"Accept": "application/json"},
    )
    assert signed.status_code == 200, signed.text
    me = client.get("/auth/me").json()
    assert me["name"] == "real.editor" and me["role"] == "editor"
    queue = client.get("/reports", headers=bearer(keys["editor"])).json()
    assert [report["phone"] for report in queue["reports"]] == ["+994501234567"]
