"""Field data in: GeoJSON, GeoPackage, Shapefile (zipped or not), FlatGeobuf, KML and CSV.

A file is read with pyogrio (GDAL), reprojected to WGS 84, its columns mapped to the
layer's properties, and every row checked against the layer's rules (the catalogue's, the
same as the API's) and PostGIS's validity before anything is written. By default one bad
row refuses the whole file; ``skip_invalid`` writes the good rows and reports the others;
``dry_run`` writes nothing and reports the same. The write is one transaction, rows upserted
by ``code``, each change kept in the history with who imported which file.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from app.catalog import Collection, RecordState, get_collection
from app.core.db import Session, off_loop
from app.errors import InvalidParameterValue
from app.repositories import editing as editing_repo
from app.repositories import imports as repo
from app.repositories import layers as layers_repo
from app.repositories import stats as stats_repo
from app.schemas.imports import ImportReport, RefusedRow
from app.services import operations
from app.services.import_process import FORMATS, ReadLimits, driver_of, read_outside
from app.services.import_read import ReadRequest

BATCH = 2000  # rows written per statement
ANALYZE_AFTER = 5000  # rows written, past which the planner learns the table's new size
SUFFIXES = tuple(FORMATS)  # the file names an import reads


@dataclass(frozen=True)
class ImportOptions:
    """How a file is read and written."""

    source_layer: str | None = None
    crs: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # property -> the file's column
    dry_run: bool = False
    skip_invalid: bool = False
    make_valid: bool = False
    actor: str = "cli"
    limits: ReadLimits = field(default_factory=ReadLimits)


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``property=column`` pairs, as the CLI and the HTTP query give them."""
    mapping = {}
    for item in items:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InvalidParameterValue(f"map {item!r}: write property=column")
        mapping[name.strip()] = column.strip()
    return mapping


def _problem(position: int, code: Any, where: str, reason: str) -> RefusedRow:
    return RefusedRow(position=position, code=code, field=where, reason=reason)


def _check_geometries(
    session: Session, rows: list[tuple[int, dict[str, Any], bytes]], make_valid: bool
) -> tuple[list[tuple[int, dict[str, Any], Any]], list[RefusedRow], int]:
    """PostGIS's verdict on every geometry at once; repaired ones when asked. A row without
    a geometry (a layer where it is optional: items counted per task and day) is kept."""
    located = [row for row in rows if row[2] is not None]
    verdicts = repo.validity(session, [wkb for *_, wkb in located])
    reasons = dict(zip((row[0] for row in located), verdicts, strict=True))
    geometries = shapely.from_wkb([wkb for _, _, wkb in rows])
    kept, refused, repaired = [], [], 0
    for (position, values, wkb), geometry in zip(rows, geometries, strict=True):
        reason = reasons.get(position, "")
        if wkb is None or reason == "Valid Geometry":
            kept.append((position, values, geometry))
        elif make_valid:
            kept.append((position, values, _repaired(geometry)))
            repaired += 1
        else:
            refused.append(_problem(position, values.get("code"), "geometry", reason))
    return kept, refused, repaired


def _check_operations(
    session: Session, collection: Collection, rows: list[tuple[int, dict[str, Any], Any]]
) -> tuple[list[tuple[int, dict[str, Any], Any]], list[RefusedRow]]:
    """Operations' rows name what exists (a task its zones, a report its task), and a report
    arrives submitted: an import never approves, since approving releases land, which only
    the authority's PATCH of ``state`` does, zone by zone, in its transaction."""
    if not operations.concerns(collection):
        return rows, []
    kept, refused = [], []
    final = operations.final_codes(session, collection, [values["code"] for _, values, _ in rows])
    for position, values, geometry in rows:
        problems = operations.reference_problems(session, collection, values)
        if values["code"] in final:
            problems.append("code: an approved report is final: record a correction anew")
        if collection.approval and values.get("state") != RecordState.submitted:
            problems.append(
                "state: an import brings reports as submitted; approve them through the API"
            )
        if problems:
            field, _, reason = problems[0].partition(": ")
            refused.append(_problem(position, values.get("code"), field, reason))
        else:
            kept.append((position, values, geometry))
    return kept, refused


def _repaired(geometry: Any) -> Any:
    """shapely's make_valid, keeping the parts of the geometry's own dimension."""
    fixed = shapely.make_valid(geometry)
    dimension = shapely.get_dimensions(geometry)
    parts = [part for part in shapely.get_parts(fixed) if shapely.get_dimensions(part) == dimension]
    return shapely.multipolygons(parts) if dimension == 2 else shapely.union_all(parts)


def import_file(
    session: Session,
    layer: str,
    path: Path,
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read, check and (unless refused or a dry run) write a file; the report says it all.

    The file is read in a process of its own (``read_outside``); only the database's part,
    the geometries' validity and the write, runs here, in the caller's transaction.
    """
    started = time.monotonic()
    collection = get_collection(layer)
    request = ReadRequest(
        path=path,
        driver=driver_of(path),
        layer=collection.id,
        source_layer=options.source_layer,
        crs=options.crs,
        mapping=options.mapping,
    )
    read = off_loop(read_outside, request, options.limits)  # waited for in a thread
    good, bad_geometry, repaired = _check_geometries(session, read.good, options.make_valid)
    good, bad_reference = _check_operations(session, collection, good)
    refused = sorted(read.refused + bad_geometry + bad_reference, key=lambda row: row.position)
    # Refused: one bad row, unless asked to skip them; and always when no row is good.
    refused_file = bool(refused) and (not options.skip_invalid or not good)
    written = 0
    if not options.dry_run and not refused_file and good:
        editing_repo.set_actor(session, f"{options.actor} ({path.name})", "import")
        for start in range(0, len(good), BATCH):
            batch = good[start : start + BATCH]
            geojson = shapely.to_geojson([geometry for _, _, geometry in batch])
            rows = [
                values | {"geom": None if text is None else str(text)}
                for (_, values, _), text in zip(batch, geojson, strict=True)
            ]
            written += layers_repo.upsert_by_code(session, collection, rows)
            if progress is not None:
                progress(len(batch))
        if collection.id == "districts":
            layers_repo.recompute_districts(session)
        session.flush()
        if written >= ANALYZE_AFTER:
            repo.analyze(session, collection.id)  # before the statistics' rebuild plans
        stats_repo.refresh(session)
    seconds = time.monotonic() - started
    return ImportReport(
        layer=collection.id,
        file=path.name,
        rows=read.rows,
        valid=len(good),
        refused=refused,
        repaired=repaired,
        written=written,
        dry_run=options.dry_run,
        skip_invalid=options.skip_invalid,
        seconds=round(seconds, 3),
        rows_per_second=round(read.rows / seconds, 1) if seconds > 0 else None,
        refused_whole_file=refused_file,
    )
