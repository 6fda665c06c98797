"""Field data in: GeoJSON, GeoPackage, Shapefile (zipped or not), FlatGeobuf, KML and CSV.

A file is read with pyogrio (GDAL), reprojected to WGS 84, its columns mapped to the
layer's properties, and every row checked against the layer's rules (the catalogue's, the
same as the API's) and PostGIS's validity before anything is written. By default one bad
row refuses the whole file; ``skip_invalid`` writes the good rows and reports the others;
``dry_run`` writes nothing and reports the same. The write is one transaction, rows upserted
by ``code``, each change kept in the history with who imported which file.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyogrio
import shapely
from pydantic import ValidationError
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from app.catalog import Collection, get_collection
from app.errors import InvalidParameterValue
from app.repositories import editing as editing_repo
from app.repositories import imports as repo
from app.repositories import layers as layers_repo
from app.repositories import stats as stats_repo
from app.schemas.imports import ImportReport, RefusedRow
from app.schemas.layers import CREATE

# CSV: where the geometry is, when no option says (GDAL's CSV driver reads these).
CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom,the_geom,WKT",
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x,Lon,Longitude,LON,X",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,Lat,Latitude,LAT,Y",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "NO",
}
BATCH = 2000  # rows written per statement


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


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``property=column`` pairs, as the CLI and the HTTP query give them."""
    mapping = {}
    for item in items:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise InvalidParameterValue(f"map {item!r}: write property=column")
        mapping[name.strip()] = column.strip()
    return mapping


def _path(path: Path) -> str:
    """What GDAL opens: a zipped Shapefile through /vsizip/."""
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def read_file(path: Path, options: ImportOptions) -> Any:
    """The file's features as a GeoDataFrame in WGS 84 (the chosen layer of several)."""
    source = _path(path)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    except Exception as exc:
        raise InvalidParameterValue(f"{path.name}: not a file GDAL can read ({exc})") from None
    layer = options.source_layer or (layers[0] if layers else None)
    if layer not in layers:
        raise InvalidParameterValue(
            f"{path.name}: no layer {options.source_layer!r}; it holds {', '.join(layers)}"
        )
    open_options = CSV_OPTIONS if path.suffix.lower() == ".csv" else None
    try:
        frame = pyogrio.read_dataframe(source, layer=layer, **_open(open_options))
    except Exception as exc:
        raise InvalidParameterValue(f"{path.name}: cannot be read ({exc})") from None
    if frame.crs is None and options.crs is None:
        frame = frame.set_crs(4326)  # GeoJSON and CSV without a CRS are WGS 84
    elif options.crs is not None:
        frame = frame.set_crs(options.crs, allow_override=True)
    return frame.to_crs(4326) if frame.crs.to_epsg() != 4326 else frame


def _open(open_options: dict[str, str] | None) -> dict[str, Any]:
    return dict(open_options or {})  # pyogrio passes keyword arguments on as open options


def _lists(collection: Collection) -> set[str]:
    return {prop.name for prop in collection.stored_properties if prop.type == "array"}


def _cell(value: Any, as_list: bool) -> Any:
    """A file's value as the layer takes it: no NaN, lists from 'a,b' or 'a; b'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat") and hasattr(value, "date"):
        value = value.date()  # a datetime column holding dates
    if as_list and isinstance(value, str):
        return [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]
    if isinstance(value, list | tuple | np.ndarray):
        return [str(item) for item in value]  # a list field (GeoJSON, GeoPackage's JSON)
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return value


def _columns(collection: Collection, frame: Any, mapping: dict[str, str]) -> dict[str, str]:
    """Which column holds each property: mapped, else the property's own name."""
    columns = [str(column) for column in frame.columns if column != "geometry"]
    unknown = sorted(set(mapping) - {prop.name for prop in collection.stored_properties})
    if unknown:
        raise InvalidParameterValue(f"map: {', '.join(unknown)} is no property of {collection.id}")
    missing = sorted(column for column in mapping.values() if column not in columns)
    if missing:
        raise InvalidParameterValue(
            f"map: the file has no column {', '.join(missing)}; it has {', '.join(columns)}"
        )
    found = {}
    for prop in collection.stored_properties:
        # A Shapefile cuts field names to 10 characters: hazard_cla is hazard_class.
        for column in (mapping.get(prop.name), prop.name, prop.name[:10]):
            if column in columns:
                found[prop.name] = column
                break
    return found


def _problem(position: int, code: Any, where: str, reason: str) -> RefusedRow:
    return RefusedRow(position=position, code=code, field=where, reason=reason)


def _validate(
    collection: Collection, frame: Any, columns: dict[str, str]
) -> tuple[list[tuple[int, dict[str, Any], Any]], list[RefusedRow]]:
    """Rows that keep the layer's rules (position, values, geometry), and those that do not."""
    schema = CREATE[collection.id]
    lists = _lists(collection)
    good, refused = [], []
    seen: dict[Any, int] = {}
    for position, (_, record) in enumerate(frame.iterrows(), start=1):
        raw = {name: _cell(record[column], name in lists) for name, column in columns.items()}
        code = raw.get("code")
        geometry = record["geometry"]
        kind = None if geometry is None else geometry.geom_type
        if kind not in collection.accepted_geometries:
            accepted = ", ".join(collection.accepted_geometries)
            refused.append(_problem(position, code, "geometry", f"{kind} is not one of {accepted}"))
            continue
        if not all(math.isfinite(value) for value in shapely.get_coordinates(geometry).flat):
            refused.append(_problem(position, code, "geometry", "a coordinate is not finite"))
            continue
        try:
            values = schema.model_validate(raw).model_dump()
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(item) for item in error["loc"]) or "properties"
            refused.append(_problem(position, code, where, error["msg"]))
            continue
        if values["code"] in seen:
            first = seen[values["code"]]
            refused.append(_problem(position, code, "code", f"the code of row {first} again"))
            continue
        seen[values["code"]] = position
        good.append((position, values, geometry))
    return good, refused


def _check_geometries(
    session: Session, rows: list[tuple[int, dict[str, Any], Any]], make_valid: bool
) -> tuple[list[tuple[int, dict[str, Any], Any]], list[RefusedRow], int]:
    """PostGIS's verdict on every geometry at once; repaired ones when asked."""
    reasons = repo.validity(session, [shapely.to_wkb(geometry) for _, _, geometry in rows])
    kept, refused, repaired = [], [], 0
    for (position, values, geometry), reason in zip(rows, reasons, strict=True):
        if reason == "Valid Geometry":
            kept.append((position, values, geometry))
        elif make_valid:
            kept.append((position, values, _repaired(geometry)))
            repaired += 1
        else:
            refused.append(_problem(position, values.get("code"), "geometry", reason))
    return kept, refused, repaired


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
    """Read, check and (unless refused or a dry run) write a file; the report says it all."""
    started = time.monotonic()
    collection = get_collection(layer)
    frame = read_file(path, options)
    columns = _columns(collection, frame, options.mapping)
    good, refused = _validate(collection, frame, columns)
    good, bad_geometry, repaired = _check_geometries(session, good, options.make_valid)
    refused = sorted(refused + bad_geometry, key=lambda row: row.position)
    written = 0
    if not options.dry_run and (options.skip_invalid or not refused):
        editing_repo.set_actor(session, f"{options.actor} ({path.name})", "import")
        for start in range(0, len(good), BATCH):
            batch = good[start : start + BATCH]
            rows = [
                values | {"geom": orjson.dumps(mapping(geometry)).decode()}
                for _, values, geometry in batch
            ]
            written += layers_repo.upsert_by_code(session, collection, rows)
            if progress is not None:
                progress(len(batch))
        if collection.id == "districts":
            layers_repo.recompute_districts(session)
        session.flush()
        stats_repo.refresh(session)
    seconds = time.monotonic() - started
    return ImportReport(
        layer=collection.id,
        file=path.name,
        rows=len(frame),
        valid=len(good),
        refused=refused,
        repaired=repaired,
        written=written,
        dry_run=options.dry_run,
        skip_invalid=options.skip_invalid,
        seconds=round(seconds, 3),
        rows_per_second=round(len(frame) / seconds, 1) if seconds > 0 else None,
        refused_whole_file=bool(refused) and not options.skip_invalid and not options.dry_run,
    )
