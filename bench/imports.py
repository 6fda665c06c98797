"""How long an import of many surveyed polygons takes, statistics included.

A GeoPackage of synthetic zones (550 m squares on a grid over the Karabakh districts) is
written with pyogrio, then imported into a throwaway database holding the bundled data, by the
same code as ``contamap import`` (checks, upsert by code, history, the statistics' refresh of
the districts touched), in one transaction that commits.
"""

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from alembic import command
from shapely import box
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.services.imports import ImportOptions, import_file
from app.services.loader import load_bundled
from tests.conftest import throwaway_database

SIDE = 0.005  # degrees: about 550 m by 430 m


def zones(count: int) -> gpd.GeoDataFrame:
    """``count`` squares on a grid from 45.9 E, 39.2 N, each a zone of its own."""
    per_row = 300
    corners = [
        (45.9 + (i % per_row) * SIDE * 1.2, 39.2 + (i // per_row) * SIDE * 1.2)
        for i in range(count)
    ]
    squares = [box(x, y, x + SIDE, y + SIDE) for x, y in corners]
    return gpd.GeoDataFrame(
        {
            "code": [f"BENCH-{i}" for i in range(count)],
            "hazard_class": "SHA",
            "contamination": "anti_personnel;uxo",
            "risk_level": "medium",
            "status": "active",
            "recorded_on": "2026-01-01",
            "source": "benchmark",
        },
        geometry=squares,
        crs=4326,
    )


def main(argv: list[str]) -> None:
    """``python -m bench imports [--count N]``."""
    parser = argparse.ArgumentParser(prog="python -m bench imports")
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args(argv)
    with throwaway_database() as url, tempfile.TemporaryDirectory() as folder:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with Session(engine) as session, session.begin():
            load_bundled(session)
        path = Path(folder) / "zones.gpkg"
        zones(args.count).to_file(path, driver="GPKG", engine="pyogrio")
        started = time.monotonic()
        with Session(engine) as session, session.begin():
            report = import_file(session, "contaminated_zones", path, ImportOptions())
        seconds = time.monotonic() - started
        engine.dispose()
    print(
        f"imported {report.written} polygons in {seconds:.1f} s ({report.written / seconds:.0f} "
        f"rows/s), statistics refreshed and committed; checks and writes alone "
        f"{report.seconds:.1f} s"
    )
