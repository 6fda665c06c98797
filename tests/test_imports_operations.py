"""Operations come in by the same importer: items counted per task and day as a CSV without
geometry, land released as a GeoPackage; reports arrive submitted, never approved."""

from pathlib import Path

import geopandas as gpd
from shapely import box
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services.imports import ImportOptions, import_file

TASK = "SCH-T-002"  # a bundled task (geodata/data/tasks.geojson)


def test_items_counted_per_task_and_day_come_from_a_csv_without_geometry(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(
        "code,task,found_on,category,action,count,source\n"
        f"CSV-IF-1,{TASK},2024/05/01,uxo,removed,4,field office\n"
        f"CSV-IF-2,{TASK},2024-05-02,anti_personnel_mine,destroyed_in_situ,2,field office\n"
        "CSV-IF-3,NO-SUCH-TASK,2024-05-02,uxo,removed,1,field office\n"
    )
    report = import_file(session, "items_found", path, ImportOptions(skip_invalid=True))
    assert report.written == 2
    assert [(row.code, row.field) for row in report.refused] == [("CSV-IF-3", "task")]
    rows = session.execute(
        text(
            "SELECT code, count, state, geom IS NULL AS no_point, organisation FROM items_found "
            "WHERE code LIKE 'CSV-IF-%' ORDER BY code"
        )
    ).all()
    organisation = session.scalar(
        text("SELECT organisation FROM tasks WHERE code = :code"), {"code": TASK}
    )
    assert [tuple(row) for row in rows] == [
        ("CSV-IF-1", 4, "submitted", True, organisation),
        ("CSV-IF-2", 2, "submitted", True, organisation),
    ]


def test_an_import_never_approves_land_release(session: Session, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "code": ["GPKG-LR-1", "GPKG-LR-2"],
            "task": [TASK, TASK],
            "kind": ["cleared", "reduced"],
            "released_on": ["2024-05-01", "2024-05-01"],
            "state": [None, "approved"],
            "source": ["field office", "field office"],
        },
        geometry=[box(10.0, -30.0, 10.1, -29.9), box(10.2, -30.0, 10.3, -29.9)],
        crs=4326,
    )
    path = tmp_path / "released.gpkg"
    frame.to_file(path, driver="GPKG")
    zones_before = session.scalar(text("SELECT count(*) FROM contaminated_zones"))
    report = import_file(session, "land_release", path, ImportOptions(skip_invalid=True))
    assert report.written == 1
    assert [(row.code, row.field) for row in report.refused] == [("GPKG-LR-2", "state")]
    state = session.scalar(text("SELECT state FROM land_release WHERE code = 'GPKG-LR-1'"))
    assert state == "submitted"
    assert session.scalar(text("SELECT count(*) FROM contaminated_zones")) == zones_before


def test_an_import_never_changes_an_approved_report(session: Session, tmp_path: Path) -> None:
    approved = session.execute(
        text("SELECT code, task, kind FROM land_release WHERE state = 'approved' ORDER BY code")
    ).first()
    assert approved is not None  # the bundled records are approved
    frame = gpd.GeoDataFrame(
        {
            "code": [approved.code],
            "task": [approved.task],
            "kind": ["cancelled" if approved.kind != "cancelled" else "cleared"],
            "released_on": ["2022-01-01"],
            "source": ["a file"],
        },
        geometry=[box(10.0, -30.0, 10.5, -29.5)],
        crs=4326,
    )
    path = tmp_path / "over.gpkg"
    frame.to_file(path, driver="GPKG")
    report = import_file(session, "land_release", path, ImportOptions())
    assert report.written == 0 and report.refused_whole_file
    assert [(row.code, row.field) for row in report.refused] == [(approved.code, "code")]
    kind = session.scalar(
        text("SELECT kind FROM land_release WHERE code = :code"), {"code": approved.code}
    )
    assert kind == approved.kind
