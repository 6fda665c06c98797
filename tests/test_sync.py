"""The field round trip, as a field team makes it: a district's package downloaded, edited with
GDAL (ogrinfo's SQL, SpatiaLite for a geometry) while the server changes too, and sent back.

Every expectation is worked out here: which features the file changed (we changed them), the
versions (read from the API's ETags), a moved geometry (shapely's translation of the original),
and "nothing else changed" (every row of every layer, hashed before and after).
"""

import json
import subprocess
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from fastapi.testclient import TestClient
from pyogrio.raw import read
from shapely import affinity, from_wkb
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.api.routes import sync as sync_route
from app.catalog import COLLECTIONS
from app.cli import cli
from app.core.config import get_settings
from tests.api import test_operations

ZONES = "/collections/contaminated_zones/items"
TASKS = "/collections/tasks/items"
MOVE_DEG = 0.001  # how far east the field team moves a zone
keys = test_operations.keys  # the fixture: operators of OPS-A and OPS-B, an editor, an admin


def bearer(key: str, etag: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} | ({"If-Match": etag} if etag else {})


@pytest.fixture
def district(session: Session) -> int:
    """The district with the most hazard zones."""
    return int(
        session.scalar(
            text(
                "SELECT d.id FROM districts d JOIN contaminated_zones z "
                "ON ST_Intersects(z.geom, d.geom) GROUP BY d.id ORDER BY count(*) DESC, d.id "
                "LIMIT 1"
            )
        )
    )


def download(client: TestClient, district: int, folder: Path) -> Path:
    response = client.get(f"/stats/districts/{district}/package")
    assert response.status_code == 200, response.text
    path = folder / "package.gpkg"
    path.write_bytes(response.content)
    return path


def ogr_sql(path: Path, statement: str) -> None:
    """One SQL statement run on the package by GDAL, as a field team's tool would."""
    subprocess.run(["ogrinfo", "-q", str(path), "-sql", statement], check=True, capture_output=True)


def file_rows(path: Path, layer: str) -> dict[int, dict[str, Any]]:
    """A layer's rows in the file, by the server's id, with their WKB."""
    meta, _, wkbs, columns = read(path, layer=layer, datetime_as_string=True)
    names = list(meta["fields"])
    rows = {}
    for index in range(len(columns[0])):
        row = {name: columns[position][index] for position, name in enumerate(names)}
        row["wkb"] = wkbs[index]
        if row["id"] == row["id"]:  # a new feature's is NaN, as GDAL reads a missing integer
            rows[int(row["id"])] = row
    return rows


def snapshot(session: Session) -> dict[tuple[str, int], str]:
    """Every feature of every layer and the hash of its whole row."""
    rows = {}
    for layer in COLLECTIONS:  # trusted names, from the catalogue
        query = text(f"SELECT id, md5(to_jsonb(t)::text) FROM {layer} t")
        for feature_id, digest in session.execute(query):
            rows[(layer, feature_id)] = digest
    return rows


def sync(client: TestClient, path: Path, key: str, **params: Any) -> Any:
    files = {"file": ("edited.gpkg", path.read_bytes(), "application/geopackage+sqlite3")}
    return client.post("/sync", files=files, params=params, headers=bearer(key))


def etag(client: TestClient, layer: str, feature_id: int) -> str:
    response = client.get(f"/collections/{layer}/items/{feature_id}")
    assert response.status_code == 200, response.text
    return response.headers["etag"]


NEW_ZONE = (
    "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level, status, "
    "recorded_on, source, geom) VALUES ('FIELD-NEW-1', 'SHA', 'uxo', 'low', 'active', "
    "'2026-11-20', 'field team', AsGPB(ST_Multi(ST_Buffer(ST_Centroid(("
    "SELECT CastAutomagic(geom) FROM districts)), 0.002))))"
)


def field_edits(path: Path, zones: list[int]) -> None:
    """Three zones changed and one added, as a field team would with GDAL."""
    first, second, third = zones
    ogr_sql(
        path,
        "UPDATE contaminated_zones SET status = 'cleared', released_on = '2026-11-30' "
        f"WHERE id = {first}",
    )
    ogr_sql(
        path,
        "UPDATE contaminated_zones SET geom = AsGPB(ST_Translate(CastAutomagic(geom), "
        f"{MOVE_DEG}, 0, 0)) WHERE id = {second}",
    )
    ogr_sql(path, f"UPDATE contaminated_zones SET name = 'checked by team 4' WHERE id = {third}")
    ogr_sql(path, NEW_ZONE)


def test_the_package_records_each_feature_version_and_where_it_comes_from(
    client: TestClient, district: int, tmp_path: Path
) -> None:
    path = download(client, district, tmp_path)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"contaminated_zones", "contamap_package", "contamap_features"} <= layers
    info = subprocess.run(
        ["ogrinfo", "-so", str(path), "contaminated_zones"], check=True, capture_output=True
    ).stdout.decode()
    assert "contamap_version: String" in info
    _, _, _, columns = read(path, layer="contamap_package")
    about = dict(zip(columns[0], columns[1], strict=True))
    assert about["server"] == "http://testserver"
    assert about["district_id"] == str(district)
    assert about["exported_at"].startswith("20")
    zones = file_rows(path, "contaminated_zones")
    assert zones
    for feature_id in sorted(zones)[:5]:  # the version is the feature's ETag
        assert f'"{zones[feature_id]["contamap_version"]}"' == etag(
            client, "contaminated_zones", feature_id
        )
    _, _, _, exported = read(path, layer="contamap_features")
    assert sorted(
        int(i)
        for i, layer in zip(exported[1], exported[0], strict=True)
        if layer == "contaminated_zones"
    ) == sorted(zones)


def test_the_round_trip_updates_two_creates_one_and_reports_one_conflict(
    client: TestClient, session: Session, keys: dict[str, str], district: int, tmp_path: Path
) -> None:
    path = download(client, district, tmp_path)
    exported = file_rows(path, "contaminated_zones")
    first, second, third = sorted(exported)[:3]
    field_edits(path, [first, second, third])
    # Meanwhile, at the office, the third zone is changed through the API.
    office = client.patch(
        f"{ZONES}/{third}",
        json={"properties": {"risk_level": "low"}},
        headers=bearer(keys["editor"], etag(client, "contaminated_zones", third))
        | {"Content-Type": "application/merge-patch+json"},
    )
    assert office.status_code == 200, office.text
    before = snapshot(session)
    total = len(read(path, layer="contamap_features", read_geometry=False)[3][0])

    response = sync(client, path, keys["editor"])

    assert response.status_code == 200, response.text
    report = response.json()
    assert [(item["layer"], item["id"]) for item in report["updated"]] == [
        ("contaminated_zones", first),
        ("contaminated_zones", second),
    ]
    assert [(item["layer"], item["code"]) for item in report["created"]] == [
        ("contaminated_zones", "FIELD-NEW-1")
    ]
    (conflict,) = report["conflicts"]
    assert (conflict["layer"], conflict["id"]) == ("contaminated_zones", third)
    assert f'"{conflict["server"]["version"]}"' == office.headers["etag"]
    assert conflict["server"]["properties"]["risk_level"] == "low"
    assert conflict["server"]["properties"]["name"] != "checked by team 4"
    assert conflict["file"]["version"] == exported[third]["contamap_version"]
    assert conflict["file"]["properties"]["name"] == "checked by team 4"
    assert conflict["file"]["properties"]["risk_level"] == exported[third]["risk_level"]
    assert len(report["unchanged"]) == total - 3  # every exported feature but the three changed
    assert report["deleted_in_file"] == []
    assert report["refused"] == []

    after = snapshot(session)
    new_id = report["created"][0]["id"]
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert changed == {
        ("contaminated_zones", first),
        ("contaminated_zones", second),
        ("contaminated_zones", new_id),
    }
    row = session.execute(
        text("SELECT status, released_on::text FROM contaminated_zones WHERE id = :id"),
        {"id": first},
    ).one()
    assert tuple(row) == ("cleared", "2026-11-30")
    moved = affinity.translate(from_wkb(exported[second]["wkb"]), xoff=MOVE_DEG)
    distance = session.scalar(
        text(
            "SELECT ST_HausdorffDistance(geom, ST_GeomFromText(:wkt, 4326)) "
            "FROM contaminated_zones WHERE id = :id"
        ),
        {"wkt": moved.wkt, "id": second},
    )
    assert distance < 1e-9
    actors = session.execute(
        text(
            "SELECT feature_id, action, actor FROM feature_history WHERE collection = "
            "'contaminated_zones' AND feature_id = ANY(:ids) AND actor = 'test editor' "
            "ORDER BY id"
        ),
        {"ids": [first, second, third, new_id]},
    ).all()
    assert [tuple(item) for item in actors] == [
        (third, "update", "test editor"),  # the office's change, by the same key
        (first, "replace", "test editor"),  # the file's feature, whole
        (second, "replace", "test editor"),
        (new_id, "create", "test editor"),
    ]
    # Sent again, the new zone's code is taken: refused whole, nothing written.
    again = sync(client, path, keys["editor"])
    assert again.status_code == 409, again.text
    assert "FIELD-NEW-1" in again.json()["description"]
    # Without it, what the server has already is left, the conflict stays one.
    ogr_sql(path, "DELETE FROM contaminated_zones WHERE id IS NULL")
    again = sync(client, path, keys["editor"]).json()
    assert [item["id"] for item in again["conflicts"]] == [third]
    assert again["updated"] == again["created"] == []
    assert len(again["unchanged"]) == total - 1
    assert snapshot(session) == after


def test_a_dry_run_writes_nothing_and_reports_the_same(
    client: TestClient, session: Session, keys: dict[str, str], district: int, tmp_path: Path
) -> None:
    path = download(client, district, tmp_path)
    zones = sorted(file_rows(path, "contaminated_zones"))[:3]
    field_edits(path, zones)
    before = snapshot(session)
    history = session.scalar(text("SELECT count(*) FROM feature_history"))

    dry = sync(client, path, keys["editor"], dry_run="true")

    assert dry.status_code == 200, dry.text
    as_field = client.post(
        "/sync",
        files={"file": ("edited.gpkg", path.read_bytes())},
        data={"dry_run": "true"},
        headers=bearer(keys["editor"]),
    )
    assert snapshot(session) == before
    assert session.scalar(text("SELECT count(*) FROM feature_history")) == history
    real = sync(client, path, keys["editor"])
    assert real.status_code == 200, real.text

    def comparable(report: dict[str, Any]) -> dict[str, Any]:
        kept = {key: value for key, value in report.items() if key != "dry_run"}
        kept["created"] = [item["code"] for item in report["created"]]  # ids are the server's
        return kept

    assert dry.json()["dry_run"] is as_field.json()["dry_run"] is True
    assert comparable(dry.json()) == comparable(real.json()) == comparable(as_field.json())
    assert len(real.json()["updated"]) == 3


def test_a_feature_deleted_in_the_file_is_reported_not_deleted(
    client: TestClient, session: Session, keys: dict[str, str], district: int, tmp_path: Path
) -> None:
    path = download(client, district, tmp_path)
    gone, *_ = sorted(file_rows(path, "contaminated_zones"))
    code = session.scalar(text("SELECT code FROM contaminated_zones WHERE id = :id"), {"id": gone})
    ogr_sql(path, f"DELETE FROM contaminated_zones WHERE id = {gone}")
    before = snapshot(session)

    report = sync(client, path, keys["editor"]).json()

    assert report["deleted_in_file"] == [{"layer": "contaminated_zones", "id": gone, "code": code}]
    assert report["deleted"] == report["updated"] == report["created"] == []
    assert snapshot(session) == before
    # Asked to, the sync deletes it, into the history, by the caller.
    asked = sync(client, path, keys["editor"], delete="true").json()
    assert asked["deleted"] == [{"layer": "contaminated_zones", "id": gone, "code": code}]
    assert ("contaminated_zones", gone) not in snapshot(session)
    actor = session.scalar(
        text(
            "SELECT actor FROM feature_history WHERE collection = 'contaminated_zones' "
            "AND feature_id = :id AND action = 'delete'"
        ),
        {"id": gone},
    )
    assert actor == "test editor"


def _task(code: str, organisation: str, square_sql: str, session: Session) -> dict[str, Any]:
    zone = session.scalar(text("SELECT code FROM contaminated_zones ORDER BY id LIMIT 1"))
    geometry = session.scalar(text(f"SELECT ST_AsGeoJSON({square_sql})"))
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "organisation": organisation,
            "zones": [zone],
            "methods": ["technical_survey"],
            "status": "in_progress",
            "started_on": "2026-10-01",
            "source": "test",
        },
        "geometry": json.loads(geometry),
    }


def test_an_operator_cannot_sync_another_organisations_task(
    client: TestClient, session: Session, keys: dict[str, str], district: int, tmp_path: Path
) -> None:
    """Refused whole with a 403 that names the task: nothing of the file is written."""
    square = (
        "(SELECT ST_Buffer(ST_PointOnSurface(geom), 0.01, 'quad_segs=1') FROM districts "
        f"WHERE id = {district})"
    )
    for code, organisation in (("T-A", "OPS-A"), ("T-B", "OPS-B")):
        created = client.post(
            TASKS,
            json=_task(code, organisation, square, session),
            headers=bearer(keys["editor"]) | {"Content-Type": "application/geo+json"},
        )
        assert created.status_code == 201, created.text
    path = download(client, district, tmp_path)
    ogr_sql(path, "UPDATE tasks SET status = 'suspended' WHERE code IN ('T-A', 'T-B')")
    before = snapshot(session)

    refused = sync(client, path, keys["a"])

    assert refused.status_code == 403, refused.text
    assert "tasks T-B" in refused.json()["description"]
    assert snapshot(session) == before
    # Its own task alone goes through.
    ogr_sql(path, "UPDATE tasks SET status = 'in_progress' WHERE code = 'T-B'")
    report = sync(client, path, keys["a"]).json()
    assert [item["code"] for item in report["updated"]] == ["T-A"]
    status = session.scalar(text("SELECT status FROM tasks WHERE code = 'T-A'"))
    assert status == "suspended"
    # A zone is an editor's: an operator's sync that changes one is refused too.
    ogr_sql(path, "UPDATE contaminated_zones SET name = 'renamed' WHERE fid = 1")
    assert sync(client, path, keys["a"]).status_code == 403


def test_a_rule_broken_in_the_file_refuses_the_whole_sync(
    client: TestClient, session: Session, keys: dict[str, str], district: int, tmp_path: Path
) -> None:
    path = download(client, district, tmp_path)
    good, bad = sorted(file_rows(path, "contaminated_zones"))[:2]
    ogr_sql(path, f"UPDATE contaminated_zones SET name = 'fine' WHERE id = {good}")
    ogr_sql(path, f"UPDATE contaminated_zones SET status = 'gone' WHERE id = {bad}")
    before = snapshot(session)

    response = sync(client, path, keys["editor"])

    assert response.status_code == 422, response.text
    assert f"(id {bad})" in response.json()["description"]
    assert "status" in response.json()["description"]
    assert snapshot(session) == before


def test_what_is_not_a_package_is_refused(
    client: TestClient,
    session: Session,
    keys: dict[str, str],
    district: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    editor = keys["editor"]
    geojson = tmp_path / "zones.geojson"
    geojson.write_text('{"type": "FeatureCollection", "features": []}')
    assert sync(client, geojson, editor).status_code == 400
    vrt = tmp_path / "evil.vrt"
    vrt.write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    )
    response = sync(client, vrt, editor)
    assert response.status_code == 400
    assert "not a GeoPackage" in response.json()["description"]
    # A GeoPackage, but none of ours.
    plain = tmp_path / "plain.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(plain), "/vsistdin/", "-nln", "contaminated_zones"],
        input=b'{"type": "FeatureCollection", "features": []}',
        check=True,
        capture_output=True,
    )
    response = sync(client, plain, editor)
    assert response.status_code == 400
    assert "not a Contamap district package" in response.json()["description"]
    # A package whose layer was made a view (GDAL would run whatever it selects).
    path = download(client, district, tmp_path)
    ogr_sql(path, "ALTER TABLE settlements RENAME TO settlements_kept")
    ogr_sql(path, "CREATE VIEW settlements AS SELECT * FROM settlements_kept")
    response = sync(client, path, editor)
    assert response.status_code == 400
    assert "no table 'settlements'" in response.json()["description"]
    # Without a key, or past the bound.
    assert client.post("/sync", files={"file": ("x.gpkg", b"x")}).status_code == 401
    monkeypatch.setattr(sync_route, "MAX_PACKAGE_BYTES", 1000)
    assert sync(client, download(client, district, tmp_path), editor).status_code == 413


def test_the_command_reports_a_dry_run(
    database_url: str,
    district: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    client: TestClient,
) -> None:
    """The command applies a package in its own transaction; a dry run commits nothing."""
    path = download(client, district, tmp_path)
    zone = sorted(file_rows(path, "contaminated_zones"))[0]
    ogr_sql(path, f"UPDATE contaminated_zones SET name = 'by the command' WHERE id = {zone}")
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["sync", str(path), "--dry-run"])
        refused = CliRunner().invoke(cli, ["sync", str(tmp_path / "package.gpkg.missing")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert '"dry_run": true' in result.output
    assert f'"id": {zone}' in result.output
    assert refused.exit_code != 0


def test_an_import_refuses_a_package_and_names_the_sync(
    database_url: str,
    client: TestClient,
    session: Session,
    keys: dict[str, str],
    district: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An import upserts by code: sent an edited package, it would overwrite what changed on
    the server since the export. The whole package, a layer taken out of it with ogr2ogr, and
    the command are all refused, naming the sync, and nothing is written."""
    path = download(client, district, tmp_path)
    zone = sorted(file_rows(path, "contaminated_zones"))[0]
    ogr_sql(path, f"UPDATE contaminated_zones SET name = 'by an import' WHERE id = {zone}")
    one_layer = tmp_path / "zones-only.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(one_layer), str(path), "contaminated_zones"],
        check=True,
        capture_output=True,
    )
    before = snapshot(session)
    for sent in (path, one_layer):
        files = {"file": (sent.name, sent.read_bytes(), "application/geopackage+sqlite3")}
        response = client.post(
            "/imports",
            params={"layer": "contaminated_zones"},
            files=files,
            headers=bearer(keys["admin"]),
        )
        assert response.status_code == 400, response.text
        assert "POST /sync" in response.json()["description"]
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli, ["import", "contaminated_zones", str(one_layer)])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code != 0
    assert "contamap sync" in refused.output
    assert snapshot(session) == before
