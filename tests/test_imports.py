"""Imports of real files written here with GeoPandas/pyogrio, and exports read back with pyogrio.

Each file holds zones in the open Caspian (or incidents there), far from every bundled
feature; the stored geometries are compared with the originals, transformed with pyproj
where the file is in another CRS.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely import box, wkt
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from app.models import ContaminatedZone, Incident
from app.services.auth import create_key
from app.services.imports import ImportOptions, import_file
from tests.cluster import wait_until

SQUARES = [box(50.60 + i * 0.02, 40.00, 50.61 + i * 0.02, 40.01) for i in range(3)]


def zones_frame(prefix: str, count: int = 3, crs: int = 4326) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "code": [f"{prefix}-{i}" for i in range(count)],
            "hazard_class": ["CHA"] * count,
            "contamination": ["anti_personnel;uxo"] * count,  # a list, as flat formats write it
            "risk_level": ["high", "medium", "low"][:count] + ["low"] * max(0, count - 3),
            "status": ["active"] * count,
            "recorded_on": ["2026-11-01"] * count,
            "source": ["survey team 3"] * count,
        },
        geometry=[box(50.60 + i * 0.02, 40.00, 50.61 + i * 0.02, 40.01) for i in range(count)],
        crs=4326,
    )
    return frame.to_crs(crs) if crs != 4326 else frame


def stored(session: Session, prefix: str) -> dict[str, Any]:
    rows = session.execute(
        select(
            ContaminatedZone.code,
            func.ST_AsText(ContaminatedZone.geom),
            ContaminatedZone.contamination,
        )
        .where(ContaminatedZone.code.like(f"{prefix}-%"))
        .order_by(ContaminatedZone.code)
    )
    return {code: (wkt.loads(text_), contamination) for code, text_, contamination in rows}


def zone_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ContaminatedZone)) or 0


def assert_same_squares(found: dict[str, Any], prefix: str) -> None:
    assert sorted(found) == [f"{prefix}-{i}" for i in range(3)]
    for i, (geometry, contamination) in enumerate(found[f"{prefix}-{i}"] for i in range(3)):
        assert (
            geometry.equals_exact(SQUARES[i], tolerance=1e-7)
            or geometry.normalize().equals_exact(SQUARES[i].normalize(), tolerance=1e-7)
            or abs(geometry.symmetric_difference(SQUARES[i]).area) < 1e-12
        )
        assert contamination == ["anti_personnel", "uxo"]


@pytest.mark.parametrize("driver", ["GPKG", "FlatGeobuf", "GeoJSON"])
def test_a_file_of_each_format_is_imported(session: Session, tmp_path: Path, driver: str) -> None:
    suffix = {"GPKG": "gpkg", "FlatGeobuf": "fgb", "GeoJSON": "geojson"}[driver]
    path = tmp_path / f"zones.{suffix}"
    zones_frame("IMP").to_file(path, driver=driver, engine="pyogrio")
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.written == 3 and report.refused == []
    assert_same_squares(stored(session, "IMP"), "IMP")


def test_a_geopackage_with_two_layers_and_a_zipped_shapefile(
    session: Session, tmp_path: Path
) -> None:
    package = tmp_path / "survey.gpkg"
    zones_frame("OTHER").to_file(package, layer="notes", driver="GPKG", engine="pyogrio")
    zones_frame("GPKG").to_file(package, layer="hazards", driver="GPKG", engine="pyogrio")
    report = import_file(
        session, "contaminated_zones", package, ImportOptions(source_layer="hazards")
    )
    assert report.written == 3
    assert_same_squares(stored(session, "GPKG"), "GPKG")
    assert stored(session, "OTHER") == {}
    shapefile = tmp_path / "shp"
    shapefile.mkdir()
    zones_frame("SHP").to_file(shapefile / "zones.shp", engine="pyogrio")
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in shapefile.iterdir():
            zipped.write(part, part.name)
    assert import_file(session, "contaminated_zones", archive, ImportOptions()).written == 3
    assert_same_squares(stored(session, "SHP"), "SHP")


def test_a_file_in_utm_38n_is_reprojected(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "utm.gpkg"
    zones_frame("UTM", crs=32639).to_file(path, driver="GPKG", engine="pyogrio")
    assert import_file(session, "contaminated_zones", path, ImportOptions()).written == 3
    to_utm = Transformer.from_crs(4326, 32639, always_xy=True)
    back = Transformer.from_crs(32639, 4326, always_xy=True)
    for i, (geometry, _) in enumerate(stored(session, "UTM")[f"UTM-{i}"] for i in range(3)):
        for x, y in SQUARES[i].exterior.coords:
            expected = back.transform(*to_utm.transform(x, y))  # the round trip pyproj makes
            assert geometry.distance(gpd.points_from_xy([expected[0]], [expected[1]])[0]) < 1e-7


def test_kml_and_csv_with_wkt(session: Session, tmp_path: Path) -> None:
    frame = zones_frame("KML")
    kml = tmp_path / "zones.kml"
    pyogrio.write_dataframe(frame, kml, driver="KML")
    report = import_file(session, "contaminated_zones", kml, ImportOptions())
    assert report.written == 3, report
    assert_same_squares(stored(session, "KML"), "KML")
    csv = tmp_path / "zones.csv"
    table = pd.DataFrame(zones_frame("CSV").drop(columns="geometry"))
    table["WKT"] = [square.wkt for square in SQUARES]
    table.to_csv(csv, index=False)
    assert import_file(session, "contaminated_zones", csv, ImportOptions()).written == 3
    assert_same_squares(stored(session, "CSV"), "CSV")


def test_incidents_from_a_police_spreadsheet_with_lon_lat(session: Session, tmp_path: Path) -> None:
    sheet = tmp_path / "police.csv"
    pd.DataFrame(
        {
            "case": ["POL-1", "POL-2"],
            "date": ["2026-11-20", "2026-11-21"],
            "longitude": [50.605, 50.625],
            "latitude": [40.005, 40.005],
            "device": ["anti_tank_mine", "uxo"],
            "activity": ["farming", "travel"],
            "killed": [0, 1],
            "injured": [2, 0],
            "victim_category": ["civilian", "civilian"],
            "location_accuracy": ["surveyed", "village"],
            "source": ["police report", "police report"],
        }
    ).to_csv(sheet, index=False)
    options = ImportOptions(mapping={"code": "case", "occurred_on": "date"})
    report = import_file(session, "incidents", sheet, options)
    assert report.written == 2, report
    points = dict(
        session.execute(
            select(Incident.code, func.ST_AsText(Incident.geom)).where(Incident.code.like("POL-%"))
        ).all()
    )
    assert wkt.loads(points["POL-1"]).coords[0] == pytest.approx((50.605, 40.005))


def test_one_bad_row_refuses_the_file_unless_asked(session: Session, tmp_path: Path) -> None:
    frame = zones_frame("BAD", count=5)
    frame.loc[3, "risk_level"] = "extreme"
    path = tmp_path / "bad.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    before = zone_count(session)
    refused = import_file(session, "contaminated_zones", path, ImportOptions())
    assert refused.refused_whole_file and refused.written == 0
    assert [(row.position, row.code, row.field) for row in refused.refused] == [
        (4, "BAD-3", "risk_level")
    ]
    assert "'high', 'medium' or 'low'" in refused.refused[0].reason
    assert zone_count(session) == before
    dry = import_file(
        session, "contaminated_zones", path, ImportOptions(dry_run=True, skip_invalid=True)
    )
    assert dry.written == 0 and dry.valid == 4 and zone_count(session) == before
    kept = import_file(session, "contaminated_zones", path, ImportOptions(skip_invalid=True))
    assert kept.written == 4 and zone_count(session) == before + 4


def test_an_invalid_geometry_is_named_with_postgis_reason(session: Session, tmp_path: Path) -> None:
    frame = zones_frame("BOW", count=1)
    frame.loc[0, "geometry"] = wkt.loads(
        "POLYGON((50.60 40.00, 50.61 40.01, 50.61 40.00, 50.60 40.01, 50.60 40.00))"
    )
    path = tmp_path / "bowtie.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.refused[0].field == "geometry"
    assert "Self-intersection" in report.refused[0].reason
    repaired = import_file(session, "contaminated_zones", path, ImportOptions(make_valid=True))
    assert repaired.written == 1 and repaired.repaired == 1


def test_a_killed_import_leaves_the_database_as_it_was(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "many.gpkg"
    frame = zones_frame("KILL", count=3)
    big = pd.concat([frame] * 4000, ignore_index=True)
    big["code"] = [f"KILL-{i}" for i in range(len(big))]
    gpd.GeoDataFrame(big, crs=4326).to_file(path, driver="GPKG", engine="pyogrio")
    with engine.connect() as conn:
        before = conn.scalar(text("SELECT count(*) FROM contaminated_zones"))
    contamap = str(Path(sys.executable).with_name("contamap"))
    process = subprocess.Popen(
        [contamap, "import", "contaminated_zones", str(path)],
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Killed once its transaction has written (it has an xid), well before 12,000 rows are in.
    wait_until(lambda: _writing(engine) or process.poll() is not None, seconds=60)
    assert process.poll() is None, "the import ended before it could be killed mid-way"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM contaminated_zones")) == before


def _writing(engine: Engine) -> bool:
    """Whether another session of this database has a transaction that has written."""
    with engine.connect() as conn:
        writers = conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
        )
    return bool(writers)


def test_an_admin_imports_over_http(client: TestClient, session: Session, tmp_path: Path) -> None:
    admin = create_key(session, "import admin", "admin")
    editor = create_key(session, "import editor", "editor")
    path = tmp_path / "zones.gpkg"
    zones_frame("HTTP").to_file(path, driver="GPKG", engine="pyogrio")

    def post(key: str | None, **params: str) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        with path.open("rb") as upload:
            files = {"file": ("zones.gpkg", upload, "application/geopackage+sqlite3")}
            return client.post(
                "/imports",
                params={"layer": "contaminated_zones", **params},
                files=files,
                headers=headers,
            )

    assert post(None).status_code == 401
    assert post(editor).status_code == 403
    dry = post(admin, dry_run="true")
    assert dry.status_code == 200 and dry.json()["valid"] == 3 and dry.json()["written"] == 0
    done = post(admin)
    assert done.status_code == 200, done.text
    assert done.json()["written"] == 3 and done.json()["rows_per_second"] > 0
    history = session.execute(
        text("SELECT actor, action FROM feature_history WHERE after ->> 'code' = 'HTTP-0'")
    ).all()
    assert history == [("import admin (zones.gpkg)", "import")]


def test_an_export_reads_back_with_its_types(client: TestClient, tmp_path: Path) -> None:
    response = client.get(
        "/collections/contaminated_zones/items", params={"f": "gpkg", "status": "active"}
    )
    assert response.status_code == 200
    assert 'filename="contaminated_zones.gpkg"' in response.headers["content-disposition"]
    path = tmp_path / "zones.gpkg"
    path.write_bytes(response.content)
    info = pyogrio.read_info(path, layer="contaminated_zones")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["recorded_on"].startswith("datetime64") and types["estimated_devices"] == "int64"
    exported = pyogrio.read_dataframe(path)
    served = client.get(
        "/collections/contaminated_zones/items",
        params={"status": "active", "limit": 10000, "skipGeometry": "true"},
    ).json()["features"]
    assert len(exported) == len(served)
    first = next(feature for feature in served if feature["id"] == int(exported.iloc[0]["id"]))
    assert exported.iloc[0]["code"] == first["properties"]["code"]
    assert str(exported.iloc[0]["recorded_on"])[:10] == first["properties"]["recorded_on"]
    fgb = client.get("/collections/incidents/items", params={"f": "fgb"})
    (tmp_path / "incidents.fgb").write_bytes(fgb.content)
    assert len(pyogrio.read_dataframe(tmp_path / "incidents.fgb")) == 3


def test_a_district_package_has_its_layers(client: TestClient, tmp_path: Path) -> None:
    aghdam = client.get("/collections/districts/items", params={"name": "Aghdam"}).json()
    district_id = aghdam["features"][0]["id"]
    response = client.get(f"/stats/districts/{district_id}/package")
    assert response.status_code == 200
    path = tmp_path / "aghdam.gpkg"
    path.write_bytes(response.content)
    layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    assert {
        "districts",
        "contaminated_zones",
        "incidents",
        "settlements",
        "statistics",
        "sources",
    } <= layers
    figures = pyogrio.read_dataframe(path, layer="statistics", read_geometry=False)
    row = dict(zip(figures["figure"], figures["value"], strict=True))
    served = client.get(f"/stats/districts/{district_id}").json()
    assert float(row["contaminated_km2"]) == served["contaminated_km2"]
    assert json.loads(row["released_by_kind"]) == served["released_by_kind"]  # JSON, not repr
    with sqlite3.connect(path) as db:  # GeoPackage 1.2: GDAL 3.6 reads 1.4 with a warning
        assert db.execute("PRAGMA user_version").fetchone() == (10200,)


def test_a_code_twice_in_a_file_is_refused(session: Session, tmp_path: Path) -> None:
    frame = zones_frame("TWICE")
    frame.loc[2, "code"] = "TWICE-0"
    path = tmp_path / "twice.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert [(row.position, row.field) for row in report.refused] == [(3, "code")]
    assert "row 1" in report.refused[0].reason
