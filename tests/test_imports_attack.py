"""The import findings of the attack: each test failed before its fix.

- an upload read with a driver picked from its content (an OGR VRT or a GDALG pipeline named
  ``.json``) read local files and echoed them;
- GDAL reading in the serving worker held the interpreter lock: a slow file stalled every
  request of that worker, and a zip bomb unpacked without bound;
- the body was spooled (and then copied) before the key was checked;
- a layer without geometry was a 500.
"""

import http.client
import io
import json
import socket
import sqlite3
import sys
import time
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services.auth import create_key
from tests.conftest import in_transaction
from tests.servers import free_port, serving
from tests.test_imports import zones_frame

LAYER = {"layer": "incidents"}


def post(client: Any, key: str | None, name: str, content: bytes, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post(
        "/imports",
        params={**LAYER, **params},
        files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )


@pytest.fixture
def admin(session: Session) -> str:
    return create_key(session, "attack admin", "admin")


def secret_file(tmp_path: Path) -> tuple[Path, str]:
    marker = f"SECRET-{uuid.uuid4().hex}"
    path = tmp_path / "secret.csv"
    path.write_text(f"code,place\n{marker},{marker}\n")  # a refusal report names the code
    return path, marker


@pytest.mark.parametrize("target", ["secret", "/etc/hostname"])
def test_an_ogr_vrt_named_json_is_refused_and_reads_nothing(
    client: TestClient, admin: str, tmp_path: Path, target: str
) -> None:
    secret, marker = secret_file(tmp_path)
    source = str(secret) if target == "secret" else target
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    vrt = (
        '<OGRVRTDataSource><OGRVRTLayer name="incidents">'
        f"<SrcDataSource>CSV:{source}</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    )
    response = post(client, admin, "incidents.json", vrt.encode())
    assert response.status_code == 400, response.text
    assert "not a file of the GeoJSON format" in response.json()["description"]
    assert marker not in response.text
    assert not hostname or hostname not in response.text


def test_a_gdalg_pipeline_named_json_is_refused(
    client: TestClient, admin: str, tmp_path: Path
) -> None:
    secret, marker = secret_file(tmp_path)
    pipeline = (
        '{"type": "gdal_streamed_alg", '
        f'"command_line": "gdal vector pipeline ! read CSV:{secret} ! write streamed_dataset"}}'
    )
    response = post(client, admin, "incidents.json", pipeline.encode())
    assert response.status_code == 400, response.text
    assert marker not in response.text


def test_a_zip_that_unpacks_beyond_the_bound_is_refused(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    admin = create_key(session, "zip admin", "admin")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("zones.shp", b"\0" * (3 * 1024 * 1024))  # 3 MB of zeros: a few kB zipped
    assert len(archive.getvalue()) < 64 * 1024
    with in_transaction(database_url, session, import_unpacked_mb=1) as client:
        response = post(client, admin, "zones.zip", archive.getvalue())
    assert response.status_code == 413, response.text
    assert "unpacks to 3 MB" in response.json()["description"]


def test_a_layer_without_geometry_is_a_clear_400(
    client: TestClient, admin: str, tmp_path: Path
) -> None:
    sheet = b"code,occurred_on\nX-1,2026-01-01\n"
    response = post(client, admin, "incidents.csv", sheet)
    assert response.status_code == 400, response.text
    assert "has no geometry" in response.json()["description"]
    table = tmp_path / "table.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(pd.DataFrame({"code": ["X-1"]}), table, driver="GPKG")
    response = post(client, admin, "table.gpkg", table.read_bytes())
    assert response.status_code == 400, response.text
    assert "has no geometry" in response.json()["description"]


@pytest.mark.parametrize("role", [None, "editor"])
def test_the_key_is_checked_before_the_body_is_read(
    client: TestClient, session: Session, role: str | None
) -> None:
    read: list[bytes] = []

    def body() -> Iterator[bytes]:
        read.append(b"started")
        yield b"--x\r\nContent-Disposition: form-data; name=file; filename=z.json\r\n\r\n{}"
        yield b"\r\n--x--\r\n"

    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    if role is not None:
        headers["Authorization"] = f"Bearer {create_key(session, 'body editor', role)}"
    response = client.post("/imports", params=LAYER, content=body(), headers=headers)
    assert response.status_code == (401 if role is None else 403)
    assert read == []


def test_an_upload_is_written_once_under_its_own_name(
    client: TestClient, admin: str, tmp_path: Path
) -> None:
    path = tmp_path / "zones.gpkg"
    zones_frame("ONCE").to_file(path, driver="GPKG", engine="pyogrio")
    response = post(
        client,
        admin,
        "../../zones.gpkg",
        path.read_bytes(),
        layer="contaminated_zones",
        dry_run="true",
    )
    assert response.status_code == 200, response.text
    assert response.json()["file"] == "zones.gpkg" and response.json()["valid"] == 3


def slow_geopackage(path: Path) -> None:
    """A GeoPackage whose layer ``slow`` is a view that takes about a minute to read."""
    zones_frame("SLOW").to_file(path, driver="GPKG", engine="pyogrio", layer="zones")
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE VIEW slow AS SELECT z.* FROM zones z WHERE (WITH RECURSIVE c(x) AS "
            "(SELECT z.fid UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) "
            "SELECT count(*) FROM c) > 0"
        )
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('slow', 'features', 'slow', 4326)"
        )
        db.execute(
            "INSERT INTO gpkg_geometry_columns VALUES ('slow', 'geom', 'POLYGON', 4326, 0, 0)"
        )


def head_then_body(request: httpx.Request) -> tuple[int, Any]:
    """Send the head, then the body in a later packet; the status and the JSON answer.

    (The server's header-size guard of this branch counts body bytes that arrive with the
    head, a bug fixed elsewhere: sending them apart keeps this test about imports.)
    """
    with socket.create_connection((request.url.host, request.url.port), timeout=60) as sock:
        lines = [f"POST {request.url.raw_path.decode()} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in request.headers.items()]
        sock.sendall(("\r\n".join([*lines, "Connection: close", "", ""])).encode())
        time.sleep(0.3)
        sock.sendall(request.read())
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())


@pytest.fixture
def committed_admin(engine: Engine) -> Iterator[str]:
    """An admin key the server (another process) can see; removed afterwards."""
    name = f"server admin {uuid.uuid4().hex[:6]}"
    with Session(engine) as session, session.begin():
        key = create_key(session, name, "admin")
    yield key
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_keys WHERE name = :name"), {"name": name})


def test_requests_are_served_while_a_slow_import_runs(
    database_url: str, committed_admin: str, tmp_path: Path
) -> None:
    package = tmp_path / "slow.gpkg"
    slow_geopackage(package)
    port = free_port()
    contamap = str(Path(sys.executable).with_name("contamap"))
    command = [contamap, "serve", "--workers", "1", "--port", str(port)]
    env = {
        "DATABASE_URL": database_url,
        "CONTAMAP_ENVIRONMENT": "test",
        "CONTAMAP_IMPORT_SECONDS": "6",
    }
    with serving(command, env, port, "/health") as base, ThreadPoolExecutor(1) as pool:
        request = httpx.Request(
            "POST",
            f"{base}/imports",
            params={"layer": "contaminated_zones", "source_layer": "slow"},
            files={"file": ("slow.gpkg", package.read_bytes())},
            headers={"Authorization": f"Bearer {committed_admin}"},
        )
        upload = pool.submit(head_then_body, request)
        waits = []
        while not upload.done():
            started = time.monotonic()
            assert httpx.get(f"{base}/collections", timeout=30).status_code == 200
            waits.append(time.monotonic() - started)
            time.sleep(0.2)
    # Served all along the 6 s the import is given: several answers, none held for seconds
    # (a worker blocked by GDAL answered nothing until the read ended). How many depends on
    # the machine's load; at least five fit in 6 s even on a loaded one.
    assert len(waits) >= 5 and max(waits) < 2.0, waits
    status, answer = upload.result()
    assert status == 413, answer
    assert "longer than the 6 s" in answer["description"]
