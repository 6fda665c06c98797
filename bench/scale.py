"""National scale: 100,000 zones, 100,000 incidents and 10,000 tasks, against the bundled data.

A throwaway database is built by the migrations and loaded with the bundled dataset; the
figures are measured one request at a time through the application; then the data are
grown the way a user would: ``contamap import`` of a GeoPackage of 100,000 incidents (a
subprocess, as typed at a shell), one raw-SQL ``INSERT ... SELECT`` of 100,000 zones over
the Karabakh districts, committed with the statistics' refresh, and 10,000 tasks with two
land-release records and a count of items each; and the same figures are measured again.
The zones, written to a GeoPackage, are also loaded by ``contamap import`` into a database of
their own. The table (bundled, scale, ratio, target) is printed and written to
bench/RESULTS.md, in its own section.
"""

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
from alembic import command
from fastapi.testclient import TestClient
from shapely import Point
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.core.config import Settings
from app.main import create_app
from app.services.loader import load_bundled
from bench.report import write_section
from bench.webmap import KARABAKH, viewport
from scripts.tile_sizes import walk
from tests.conftest import throwaway_database

KARABAKH_DISTRICTS = (
    "Aghdam",
    "Fuzuli",
    "Jabrayil",
    "Kalbajar",
    "Khojavend",
    "Lachin",
    "Qubadli",
    "Shusha",
    "Zangilan",
)
# Squares of 70 to 250 m at random points of the Karabakh districts, with the attributes
# varied the way the statistics key them; a fifth released a year after they were recorded.
ZONES = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, released_on, source,
     geom)
SELECT 'SCALE-' || p.path[1], (ARRAY['SHA', 'CHA'])[1 + p.path[1] % 2],
       ARRAY[(ARRAY['anti_personnel', 'anti_tank', 'uxo', 'cluster'])[1 + p.path[1] % 4]],
       (ARRAY['high', 'medium', 'low'])[1 + p.path[1] % 3],
       CASE WHEN p.path[1] % 5 = 0 THEN 'cleared' ELSE 'active' END,
       date '2021-01-01' + (p.path[1] % 48) * 30,
       CASE WHEN p.path[1] % 5 = 0 THEN date '2022-01-01' + (p.path[1] % 48) * 30 END,
       'scale benchmark',
       ST_Multi(ST_Expand(p.geom, 0.0003 + (p.path[1] % 4) * 0.0003))
FROM (SELECT ST_Union(geom) AS geom FROM districts WHERE name = ANY (:districts)) AS d,
     ST_Dump(ST_GeneratePoints(d.geom, :count, 7)) AS p
"""
)
# Tasks of 300 to 1,200 m squares at random points of the same districts, each with two
# approved land-release records (its western and eastern halves) and one count of items found,
# inserted as approved rows (no approval releasing zones): what the operations' figures and
# tiles read.
TASKS = text(
    """
INSERT INTO tasks (code, organisation, methods, status, planned_start, started_on, source, geom)
SELECT 'SCALE-T' || p.path[1], o.codes[1 + p.path[1] % cardinality(o.codes)],
       CASE p.path[1] % 3 WHEN 0 THEN ARRAY['non_technical_survey']
            WHEN 1 THEN ARRAY['technical_survey', 'manual_clearance']
            ELSE ARRAY['technical_survey', 'mechanical'] END,
       (ARRAY['planned', 'in_progress', 'completed', 'suspended'])[1 + p.path[1] % 4],
       date '2021-01-01' + (p.path[1] % 60) * 30, date '2021-01-01' + (p.path[1] % 60) * 30,
       'scale benchmark',
       ST_Multi(ST_Expand(p.geom, 0.0015 + (p.path[1] % 4) * 0.0015))
FROM (SELECT ST_Union(geom) AS geom FROM districts WHERE name = ANY (:districts)) AS d,
     (SELECT array_agg(code ORDER BY code) AS codes FROM organisations) AS o,
     ST_Dump(ST_GeneratePoints(d.geom, :count, 13)) AS p
"""
)
RECORDS = text(
    """
INSERT INTO land_release (code, task, kind, released_on, state, source, geom)
SELECT 'SCALE-LR' || t.id || '-' || half, t.code,
       (ARRAY['cancelled', 'reduced', 'cleared'])[1 + (t.id + half) % 3],
       date '2022-01-01' + (t.id % 48) * 30 + half, 'approved', 'scale benchmark',
       ST_Multi(ST_MakeEnvelope(
           CASE half WHEN 0 THEN ST_XMin(t.geom) ELSE (ST_XMin(t.geom) + ST_XMax(t.geom)) / 2 END,
           ST_YMin(t.geom),
           CASE half WHEN 0 THEN (ST_XMin(t.geom) + ST_XMax(t.geom)) / 2 ELSE ST_XMax(t.geom) END,
           ST_YMax(t.geom), 4326))
FROM tasks AS t, generate_series(0, 1) AS half
WHERE t.code LIKE 'SCALE-T%'
"""
)
ITEMS = text(
    """
INSERT INTO items_found (code, task, found_on, category, action, count, state, source)
SELECT 'SCALE-IF' || t.id, t.code, date '2022-01-01' + (t.id % 48) * 30,
       (ARRAY['anti_personnel_mine', 'anti_tank_mine', 'uxo'])[1 + t.id % 3],
       (ARRAY['destroyed_in_situ', 'removed'])[1 + t.id % 2], 1 + t.id % 7, 'approved',
       'scale benchmark'
FROM tasks AS t
WHERE t.code LIKE 'SCALE-T%'
"""
)
ONE_ZONE = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, source, geom)
VALUES (:code, 'SHA', ARRAY['uxo'], 'high', 'active', date '2024-05-01', 'scale benchmark',
        ST_Multi(ST_MakeEnvelope(:lon, :lat, :lon + 0.002, :lat + 0.002, 4326)))
"""
)
ZONE_TILES = "/collections/contaminated_zones/tiles/WebMercatorQuad"
# The operations' figures a planner opens: the first answer, computed, then five more.
OPERATIONS = {
    "release_ms": "/stats/release?group_by=district",
    "items_ms": "/stats/items?group_by=category",
    "monthly_ms": "/reports/monthly/2024-05?f=json",
}
REPEATS = 5
NEAR_POINTS = 20
TILES = 60
PAGES = 40
EDITS = 3


def incidents(count: int, seed: int) -> gpd.GeoDataFrame:
    """``count`` incidents at random points over Karabakh, as an import file would hold them."""
    rng = random.Random(seed)  # noqa: S311 - places, not secrets
    west, south, east, north = KARABAKH
    devices = ("anti_personnel_mine", "anti_tank_mine", "uxo", "cluster_munition")
    return gpd.GeoDataFrame(
        {
            "code": [f"SCALE-I{i}" for i in range(count)],
            "occurred_on": [
                f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(count)
            ],
            "device": [devices[i % 4] for i in range(count)],
            "activity": [("farming", "grazing", "travel", "other")[i % 4] for i in range(count)],
            "killed": [i % 2 for i in range(count)],
            "injured": [1 + i % 3 for i in range(count)],
            "victim_category": "civilian",
            "location_accuracy": "village",
            "source": "scale benchmark",
        },
        geometry=[Point(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(count)],
        crs=4326,
    )


def _ms(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ok(client: TestClient, url: str) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code in (200, 204), (url, response.status_code, response.text)
        return response

    return call


def measure(url: str, engine: Engine, seed: int) -> dict[str, float]:
    """The figures of the database as it is: requests one at a time, then one edit's refresh."""
    rng = random.Random(seed)  # noqa: S311 - places, not secrets
    west, south, east, north = KARABAKH
    figures: dict[str, float] = {}
    app = create_app(Settings(database_url=url, environment="test"))  # type: ignore[arg-type]
    with TestClient(app) as client:
        points = [(rng.uniform(west, east), rng.uniform(south, north)) for _ in range(NEAR_POINTS)]
        _ok(client, f"/stats/near?lon={points[0][0]}&lat={points[0][1]}")()  # warm up
        near = [_ms(_ok(client, f"/stats/near?lon={lon:.5f}&lat={lat:.5f}")) for lon, lat in points]
        figures["near_p50"] = statistics.median(near)
        asked: set[tuple[int, int, int]] = set()
        cold: list[float] = []
        while len(cold) < TILES:
            view = viewport(rng, zooms=range(11, 15))
            for tile in view.tiles():
                if (tile.z, tile.x, tile.y) in asked or len(cold) >= TILES:
                    continue
                asked.add((tile.z, tile.x, tile.y))
                path = f"{ZONE_TILES}/{tile.z}/{tile.y}/{tile.x}"
                cold.append(_ms(_ok(client, path)))
        figures["tile_p50"], figures["tile_p95"] = statistics.median(cold), _p(cold, 0.95)
        pages = [
            _ms(
                _ok(
                    client,
                    f"/collections/contaminated_zones/items?bbox={viewport(rng).bbox()}&limit=100",
                )
            )
            for _ in range(PAGES)
        ]
        figures["page_p50"] = statistics.median(pages)
        for key, path in OPERATIONS.items():
            figures[f"{key}_first"] = _ms(_ok(client, path))  # computed: the first reader's
            figures[key] = statistics.median(_ms(_ok(client, path)) for _ in range(REPEATS))
    figures |= _low_zoom_tiles(url)
    refreshes = []
    for k in range(EDITS):
        lon, lat = rng.uniform(46.6, 46.8), rng.uniform(39.6, 39.75)  # Shusha and around
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(ONE_ZONE, {"code": f"SCALE-EDIT-{seed}-{k}", "lon": lon, "lat": lat})
        refreshes.append((time.perf_counter() - start) * 1000)
    figures["edit_ms"] = statistics.median(refreshes)
    return figures


def _low_zoom_tiles(url: str) -> dict[str, float]:
    """The largest all-layers tile of each zoom 0-10, in KB, and the slowest of them, in ms."""

    async def run() -> dict[str, float]:
        async_engine = create_async_engine(url)
        started = time.perf_counter()
        reports = await walk(async_engine, max_zoom=10)
        seconds = time.perf_counter() - started
        await async_engine.dispose()
        figures = {f"z{report.zoom}_kb": report.largest_bytes / 1000 for report in reports}
        figures["low_zoom_walk_s"] = seconds
        figures["low_zoom_tiles"] = sum(report.tiles for report in reports)
        return figures

    return asyncio.run(run())


def grow(
    url: str, engine: Engine, zones: int, incidents_count: int, tasks: int
) -> dict[str, float]:
    """Import the incidents with ``contamap import``, insert the zones in one statement, then
    the tasks with their records; and import the zones into a database of their own."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.gpkg"
        incidents(incidents_count, seed=11).to_file(path, driver="GPKG", engine="pyogrio")
        started = time.perf_counter()
        _contamap("import", "incidents", str(path), url=url)
        figures["import_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(ZONES, {"districts": list(KARABAKH_DISTRICTS), "count": zones})
    figures["bulk_insert_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(TASKS, {"districts": list(KARABAKH_DISTRICTS), "count": tasks})
        conn.execute(RECORDS)
        conn.execute(ITEMS)
    figures["operations_insert_s"] = time.perf_counter() - started
    # Autovacuum's work after 200,000 new rows, done now: left to itself it ran beside the
    # timed reads and the zones' import (that import 71.5 s in the bench, 56.7-58.2 s alone).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    figures["zones_import_s"] = _import_zones(engine)
    return figures


def _import_zones(engine: Engine) -> float:
    """``contamap import`` of the bulk-inserted zones, written to a GeoPackage, into a database
    of their own holding the bundled data: its seconds, validation, history and statistics
    included."""
    with tempfile.TemporaryDirectory() as folder, throwaway_database() as other:
        path = Path(folder) / "zones.gpkg"
        columns = "code, hazard_class, contamination, risk_level, status, recorded_on, released_on"
        zones = gpd.read_postgis(
            f"SELECT {columns}, source, geom FROM contaminated_zones"
            " WHERE starts_with(code, 'SCALE-')",
            engine,
            geom_col="geom",
        )
        zones["contamination"] = zones["contamination"].map(",".join)
        zones.to_file(path, driver="GPKG", engine="pyogrio")
        command.upgrade(alembic_config(other), "head")
        bundled = create_engine(other)
        with Session(bundled) as session, session.begin():
            load_bundled(session)
        bundled.dispose()
        started = time.perf_counter()
        _contamap("import", "contaminated_zones", str(path), url=other)
        return time.perf_counter() - started


def _contamap(*arguments: str, url: str) -> None:
    """A command of ``contamap``, as typed at a shell, on the database at ``url``."""
    contamap = Path(sys.executable).with_name("contamap")
    subprocess.run(
        [str(contamap), *arguments],
        check=True,
        env=os.environ | {"DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )


ROWS: list[tuple[str, str, str, str]] = [
    # (figure, what, unit, target at scale)
    ("near_p50", "/stats/near, median of 20 points", "ms", "≤ 2 x bundled"),
    ("tile_p50", "cold zone tile z11-z14, median of 60", "ms", ""),
    ("tile_p95", "cold zone tile z11-z14, p95", "ms", "< 100 ms"),
    ("page_p50", "bbox page of 100 zones, median of 40", "ms", "≤ 2 x bundled"),
    *[(f"z{z}_kb", f"largest all-layers tile at z{z}", "KB", "< 500 KB") for z in range(11)],
    ("low_zoom_walk_s", "every non-empty tile z0-z10, built cold", "s", ""),
    (
        "edit_ms",
        "one zone inserted and committed, statistics refreshed (median of 3)",
        "ms",
        "< 1,000 ms",
    ),
    *[
        row
        for key, what in (
            ("release_ms", "/stats/release?group_by=district"),
            ("items_ms", "/stats/items?group_by=category"),
            ("monthly_ms", "/reports/monthly/2024-05?f=json"),
        )
        for row in (
            (f"{key}_first", f"{what}, the first request", "ms", ""),
            (key, f"{what}, the next five (median; the two statistics kept)", "ms", ""),
        )
    ],
    ("bulk_insert_s", "raw-SQL insert of the zones in one statement, committed", "s", "< 120 s"),
    ("operations_insert_s", "raw-SQL insert of the tasks and their records, committed", "s", ""),
    ("import_s", "`contamap import` of the incidents' GeoPackage", "s", ""),
    ("zones_import_s", "`contamap import` of the zones' GeoPackage", "s", "< 60 s"),
]


def table(bundled: dict[str, float], scale: dict[str, float], scope: str) -> str:
    """The figures side by side, as markdown."""
    lines = [
        f"| figure | bundled | scale ({scope}) | ratio | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for key, what, unit, target in ROWS:
        before, after = bundled.get(key), scale.get(key)
        ratio = f"{after / before:.2f}" if before and after is not None else ""
        shown = [
            f"{value:,.1f} {unit}" if value is not None else "n/a" for value in (before, after)
        ]
        lines.append(f"| {what} | {shown[0]} | {shown[1]} | {ratio} | {target} |")
    return "\n".join(lines)


def run(zones: int, incidents_count: int, tasks: int) -> str:
    """Build, measure, grow, measure again; the markdown section."""
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with Session(engine) as session, session.begin():
            load_bundled(session)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        bundled = measure(url, engine, seed=1)
        print("bundled:", {key: round(value, 1) for key, value in bundled.items()}, flush=True)
        grown = grow(url, engine, zones, incidents_count, tasks)
        print("loaded:", {key: round(value, 1) for key, value in grown.items()}, flush=True)
        scale = measure(url, engine, seed=2) | grown
        print("scale:", {key: round(value, 1) for key, value in scale.items()}, flush=True)
        with engine.connect() as conn:
            version = conn.scalar(text("SELECT version()"))
            counts = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM contaminated_zones), "
                    "(SELECT count(*) FROM incidents), (SELECT count(*) FROM settlements), "
                    "(SELECT count(*) FROM tasks), (SELECT count(*) FROM land_release), "
                    "(SELECT count(*) FROM items_found)"
                )
            ).one()
        engine.dispose()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - the developer's git
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    scope = f"+{zones:,} zones, +{incidents_count:,} incidents, +{tasks:,} tasks"
    return "\n".join(
        [
            f"# National scale: the service with {zones:,} more zones, {incidents_count:,}"
            f" more incidents and {tasks:,} more tasks",
            "",
            f"- Command: `DATABASE_URL=... .venv/bin/python -m bench scale` (zones {zones:,}, "
            f"incidents {incidents_count:,}, tasks {tasks:,})",
            f"- Date: {datetime.now(UTC).isoformat(timespec='seconds')}; Contamap: commit {commit}",
            f"- PostgreSQL: {str(version).split(' on ')[0]}; cores: {os.cpu_count()}",
            f"- At scale: {counts[0]:,} zones, {counts[1]:,} incidents, {counts[2]:,} settlements,"
            f" {counts[3]:,} tasks with {counts[4]:,} land-release records and {counts[5]:,}"
            " counts of items found",
            "- Requests one at a time through the application (in-process test client), each"
            " tile never asked before; the edit and the bulk insert each in their own"
            " transaction, timed to the end of the COMMIT (the statistics' refresh included)."
            " The zones' import runs into a database of its own holding the bundled data, from"
            " a GeoPackage of the bulk-inserted zones. The tasks' records are inserted approved"
            " (no approval releases zones).",
            "",
            table(bundled, scale, scope),
        ]
    )


def main(argv: list[str]) -> None:
    """``python -m bench scale [--zones N] [--incidents N] [--tasks N]``."""
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--zones", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args(argv)
    report = run(options.zones, options.incidents, options.tasks)
    print(report)
    if not options.no_write:
        write_section("scale", report)
