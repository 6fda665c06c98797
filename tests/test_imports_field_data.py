"""Field data as surveys really are: active and released zones in one file, empty optional
cells and list properties, in every format, as GeoPandas writes them and as ``ogr2ogr``
writes them; GDAL's CSV dates and lists; and Contamap's own exports read back.

The expected values are the survey's own table (SURVEY), typed here by hand.
"""

import json
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from shapely import box
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalog import get_collection
from app.models import ContaminatedZone
from app.services.import_read import DATE_FORMS, CellError, cell
from app.services.imports import ImportOptions, import_file

# code suffix, status, released_on, contamination, estimated_devices, name
SURVEY: list[tuple[str, str, date | None, list[str], int | None, str | None]] = [
    ("0", "active", None, ["uxo", "anti_tank"], 12, "North field"),
    ("1", "active", None, ["anti_personnel"], None, None),
    ("2", "cleared", date(2022, 5, 1), ["uxo", "anti_tank"], None, None),
    ("3", "reduced", date(2023, 6, 30), ["cluster"], 3, None),
]
RECORDED = date(2021, 3, 1)
OGR2OGR = shutil.which("ogr2ogr")


def survey_features(prefix: str) -> dict[str, Any]:
    """The survey as a GeoJSON FeatureCollection: lists as arrays, empty cells as null."""
    features = []
    for i, (suffix, status, released, contamination, devices, name) in enumerate(SURVEY):
        square = box(50.60 + i * 0.02, 40.00, 50.61 + i * 0.02, 40.01)
        properties = {
            "code": f"{prefix}-{suffix}",
            "name": name,
            "hazard_class": "CHA",
            "contamination": contamination,
            "risk_level": "medium",
            "status": status,
            "recorded_on": RECORDED.isoformat(),
            "released_on": released.isoformat() if released else None,
            "estimated_devices": devices,
            "source": "survey team 3",
        }
        geometry = json.loads(gpd.GeoSeries([square]).to_json())["features"][0]["geometry"]
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def survey_frame(prefix: str) -> gpd.GeoDataFrame:
    """The survey as GeoPandas holds it: dates as datetimes (NaT when empty), lists as lists."""
    frame = gpd.GeoDataFrame.from_features(survey_features(prefix)["features"], crs=4326)
    frame["recorded_on"] = pd.to_datetime(frame["recorded_on"])
    frame["released_on"] = pd.to_datetime(frame["released_on"])
    frame["estimated_devices"] = frame["estimated_devices"].astype("Int64")
    return frame


def expected(prefix: str) -> dict[str, tuple[Any, ...]]:
    return {
        f"{prefix}-{suffix}": (status, released, contamination, devices, name, RECORDED)
        for suffix, status, released, contamination, devices, name in SURVEY
    }


def stored(session: Session, prefix: str) -> dict[str, tuple[Any, ...]]:
    rows = session.execute(
        select(
            ContaminatedZone.code,
            ContaminatedZone.status,
            ContaminatedZone.released_on,
            ContaminatedZone.contamination,
            ContaminatedZone.estimated_devices,
            ContaminatedZone.name,
            ContaminatedZone.recorded_on,
        ).where(ContaminatedZone.code.like(f"{prefix}-%"))
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def zipped(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as target:
        for part in sorted(folder.iterdir()):
            target.write(part, part.name)
    return archive


def write_with_geopandas(frame: gpd.GeoDataFrame, folder: Path, driver: str) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Shapefile's 10-character names
        if driver == "ESRI Shapefile":
            (folder / "shp").mkdir()
            frame.to_file(folder / "shp" / "zones.shp", driver=driver, engine="pyogrio")
            return zipped(folder / "shp", folder / "zones.zip")
        suffix = {"GeoJSON": "geojson", "GPKG": "gpkg", "FlatGeobuf": "fgb", "KML": "kml"}
        if driver == "CSV":
            path = folder / "zones.csv"
            frame.to_file(
                path, driver="CSV", engine="pyogrio", layer_options={"GEOMETRY": "AS_WKT"}
            )
            return path
        path = folder / f"zones.{suffix[driver]}"
        frame.to_file(path, driver=driver, engine="pyogrio")
        return path


DRIVERS = ["GeoJSON", "GPKG", "FlatGeobuf", "ESRI Shapefile", "KML", "CSV"]


@pytest.mark.parametrize("driver", DRIVERS)
def test_geopandas_files_of_active_and_released_zones(
    session: Session, tmp_path: Path, driver: str
) -> None:
    path = write_with_geopandas(survey_frame("GPD"), tmp_path, driver)
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.refused == [] and report.written == 4, report
    assert stored(session, "GPD") == expected("GPD")


def _ogr2ogr(source: Path, folder: Path, driver: str) -> Path:
    """The survey written by GDAL's own ogr2ogr, as a user would run it."""
    # GDAL cannot write a list field to these formats without being told to write it as text.
    as_text = ["-mapFieldType", "StringList=String"]
    if driver == "ESRI Shapefile":
        (folder / "shp").mkdir()
        run = ["-f", driver, str(folder / "shp" / "zones.shp"), str(source), *as_text]
        subprocess.run([OGR2OGR, *run], check=True, capture_output=True)
        return zipped(folder / "shp", folder / "zones.zip")
    options = {
        "CSV": ["-lco", "GEOMETRY=AS_WKT"],
        "FlatGeobuf": as_text,
        "KML": as_text,
        "LIBKML": ["-mapFieldType", "StringList=String,Date=String"],
    }
    suffix = {"GeoJSON": "json", "GPKG": "gpkg", "FlatGeobuf": "fgb", "KML": "kml", "CSV": "csv"}
    path = folder / f"zones.{suffix.get(driver, 'kml')}"
    command = [OGR2OGR, "-f", driver, str(path), str(source), *options.get(driver, [])]
    subprocess.run(command, check=True, capture_output=True)
    return path


@pytest.mark.parametrize("driver", [*DRIVERS, "LIBKML"])
def test_ogr2ogr_files_of_active_and_released_zones(
    session: Session, tmp_path: Path, driver: str
) -> None:
    if OGR2OGR is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have ogr2ogr: apt-get install gdal-bin (.ci/run does)")
        pytest.skip("ogr2ogr is not installed (apt-get install gdal-bin)")
    source = tmp_path / "survey.geojson"
    source.write_text(json.dumps(survey_features("OGR")))
    (tmp_path / "out").mkdir()
    path = _ogr2ogr(source, tmp_path / "out", driver)
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.refused == [] and report.written == 4, report
    assert stored(session, "OGR") == expected("OGR")


CSV_AS_GDAL_WRITES = """WKT,code,hazard_class,contamination,risk_level,status,recorded_on,released_on,source
"POLYGON ((50.61 40.0,50.61 40.01,50.6 40.01,50.6 40.0,50.61 40.0))",CSV-0,CHA,"[ ""uxo"", ""anti_tank"" ]",high,active,2021/03/01,,team
"POLYGON ((50.63 40.0,50.63 40.01,50.62 40.01,50.62 40.0,50.63 40.0))",CSV-1,CHA,(2:uxo;anti_tank),low,cleared,2021/03/01 10:00:00+00,2022/05/01 10:00:00+00,team
"POLYGON ((50.65 40.0,50.65 40.01,50.64 40.01,50.64 40.0,50.65 40.0))",CSV-2,CHA,uxo;anti_tank,low,reduced,2021-03-01,2022-05-01T23:59:59Z,team
"""


def test_a_csv_as_gdal_and_qgis_write_it(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "zones.csv"
    path.write_text(CSV_AS_GDAL_WRITES)
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.refused == [] and report.written == 3, report
    found = stored(session, "CSV")
    assert found["CSV-0"][:3] == ("active", None, ["uxo", "anti_tank"])
    assert found["CSV-1"][:3] == ("cleared", date(2022, 5, 1), ["uxo", "anti_tank"])
    assert found["CSV-2"][:3] == ("reduced", date(2022, 5, 1), ["uxo", "anti_tank"])
    assert {row[5] for row in found.values()} == {RECORDED}


def test_the_list_and_date_forms_gdal_writes() -> None:
    props = {prop.name: prop for prop in get_collection("contaminated_zones").properties}
    assert cell("(2:uxo,anti_tank)", props["contamination"]) == ["uxo", "anti_tank"]
    assert cell('[ "uxo", "anti_tank" ]', props["contamination"]) == ["uxo", "anti_tank"]
    assert cell("['uxo', 'anti_tank']", props["contamination"]) == ["uxo", "anti_tank"]
    assert cell("2022/05/01 10:00:00+00", props["released_on"]) == date(2022, 5, 1)
    assert cell(pd.NaT, props["released_on"]) is None
    assert cell("  ", props["released_on"]) is None
    assert cell(3.0, props["estimated_devices"]) == 3
    assert cell("2024-02-29", props["released_on"]) == date(2024, 2, 29)  # ISO's day, at once
    with pytest.raises(CellError, match="'2023-02-29' is not a day of the calendar"):
        cell("2023-02-29", props["released_on"])
    assert cell(" ", props["name"]) is None and cell(" x ", props["name"]) == " x "


def test_an_ambiguous_date_is_refused_naming_the_accepted_forms(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "zones.csv"
    path.write_text(CSV_AS_GDAL_WRITES.replace("2021/03/01,,team", "01/05/2022,,team"))
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.refused_whole_file and report.written == 0
    [row] = report.refused
    assert (row.position, row.code, row.field) == (1, "CSV-0", "recorded_on")
    assert "'01/05/2022' is not a date" in row.reason and DATE_FORMS in row.reason
    assert stored(session, "CSV") == {}


def test_a_file_with_no_column_of_the_layer_is_refused_row_by_row(
    session: Session, tmp_path: Path
) -> None:
    document = survey_features("NONE")
    for feature in document["features"]:
        feature["properties"] = {"surveyor": "team 3"}
    path = tmp_path / "other.geojson"
    path.write_text(json.dumps(document))
    report = import_file(session, "contaminated_zones", path, ImportOptions())
    assert report.refused_whole_file and report.written == 0
    assert [(row.position, row.field) for row in report.refused] == [
        (position, "code") for position in range(1, len(SURVEY) + 1)
    ]


def test_a_dry_run_of_a_refused_file_exits_non_zero(database_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(survey_features("DRY")))
    bad_document = survey_features("DRY")
    for feature in bad_document["features"]:
        feature["properties"]["risk_level"] = "extreme"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(bad_document))
    contamap = str(Path(sys.executable).with_name("contamap"))
    env = {**os.environ, "DATABASE_URL": database_url}

    def dry_run(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
        command = [contamap, "import", "contaminated_zones", str(path), "--dry-run", *options]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert dry_run(good).returncode == 0
    refused = dry_run(bad)
    assert refused.returncode == 1 and "would be refused" in refused.stderr
    assert dry_run(bad, "--skip-invalid").returncode == 1  # no row at all would be written


@pytest.mark.parametrize("fmt", ["gpkg", "fgb", "csv"])
@pytest.mark.parametrize("layer", ["contaminated_zones", "incidents"])
def test_what_contamap_exports_it_imports_again(
    client: TestClient, session: Session, tmp_path: Path, fmt: str, layer: str
) -> None:
    before = _served(client, layer)
    response = client.get(f"/collections/{layer}/items", params={"f": fmt, "limit": 10000})
    assert response.status_code == 200
    path = tmp_path / f"{layer}.{fmt}"
    path.write_bytes(response.content)
    report = import_file(session, layer, path, ImportOptions())
    assert report.refused == [], report.refused[:3]
    assert report.rows == report.written == len(before)
    after = _served(client, layer)
    assert after.keys() == before.keys()
    for code, (properties, geometry) in before.items():
        assert after[code][0] == properties, code
        assert after[code][1].equals_exact(geometry, tolerance=1e-9), code


def _served(client: TestClient, layer: str) -> dict[str, tuple[dict[str, Any], Any]]:
    """Every feature of the layer as served: its properties (but its version) and geometry."""
    page = client.get(f"/collections/{layer}/items", params={"limit": 10000, "f": "json"}).json()
    assert 0 < len(page["features"]) < 10000
    return {
        feature["properties"]["code"]: (
            {key: value for key, value in feature["properties"].items() if key not in VOLATILE},
            shape(feature["geometry"]),
        )
        for feature in page["features"]
    }


VOLATILE = {"version", "updated_at"}
