"""The reading half of an import: a file's rows as the layer takes them, checked row by row.

It runs in a process of its own (``app.services.import_process``), so nothing here touches
the database. Cells are read the way surveys really write them: GDAL's ``2022/05/01`` dates
and ``2022/05/01 10:00:00+00`` date-times, its ``[ "uxo", "anti_tank" ]`` (CSV, GeoPackage)
and ``(2:uxo,anti_tank)`` (Shapefile) lists, text separated by commas or semicolons, and
empty cells (``NaT``, ``NaN``, ``""``) as no value.
"""

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pydantic import ValidationError

from app.catalog import Collection, Property, get_collection
from app.errors import InvalidParameterValue
from app.schemas.imports import RefusedRow
from app.schemas.layers import CREATE
from app.schemas.sync import PACKAGE_TABLE, VERSION_FIELD

# CSV: where the geometry is, when no option says (GDAL's CSV driver reads these).
CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom,the_geom,WKT",
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x,Lon,Longitude,LON,X",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,Lat,Latitude,LAT,Y",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "NO",
}
# A day first, then (GDAL, QGIS, ISO 8601) perhaps a time and an offset; never 01/05/2022.
DATE = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
DATE_FORMS = "YYYY-MM-DD or YYYY/MM/DD, perhaps followed by a time (2022/05/01 10:00:00+00)"
SHAPEFILE_LIST = re.compile(r"\((\d+):(.*)\)", re.DOTALL)  # GDAL's StringList in a .dbf
WHOLE_NUMBER = re.compile(r"[+-]?\d+(?:\.0*)?")


class CellError(ValueError):
    """A cell that cannot be read as its property's type."""


@dataclass(frozen=True)
class ReadRequest:
    """What the reading process is asked: which file, with which driver, for which layer."""

    path: Path
    driver: str
    layer: str
    source_layer: str | None
    crs: str | None
    mapping: dict[str, str]


@dataclass(frozen=True)
class ReadResult:
    """The file's rows: how many, the good ones (position, values, WKB) and the refused."""

    rows: int
    good: list[tuple[int, dict[str, Any], bytes]]
    refused: list[RefusedRow]


def gdal_path(path: Path) -> str:
    """What GDAL opens: a zipped Shapefile through /vsizip/."""
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def package_refused(name: str) -> InvalidParameterValue:
    """The refusal of a district package (or a layer of one) sent to an import, which would
    overwrite by code what changed on the server since the export; its sync checks each
    feature's version."""
    return InvalidParameterValue(
        f"{name} is an edited district package (its features carry {VERSION_FIELD}): send it "
        "to POST /sync or `contamap sync`, which write only the features changed in the file "
        "and report those changed on the server meanwhile as conflicts. An import would "
        "overwrite them by code."
    )


def read_frame(request: ReadRequest) -> Any:
    """The file's features as a GeoDataFrame in WGS 84 (the chosen layer of several)."""
    name, source = request.path.name, gdal_path(request.path)
    try:
        layers = [str(layer) for layer, _ in pyogrio.list_layers(source)]
    except Exception:
        # GDAL's message may quote the file; a file of another format is not echoed back.
        raise InvalidParameterValue(
            f"{name}: not a file of the {request.driver} format its name says"
        ) from None
    if PACKAGE_TABLE in layers:
        raise package_refused(name)
    layer = request.source_layer or (layers[0] if layers else None)
    if layer not in layers:
        raise InvalidParameterValue(
            f"{name}: no layer {request.source_layer!r}; it holds {', '.join(layers) or 'none'}"
        )
    options = CSV_OPTIONS if request.driver == "CSV" else {}
    try:
        frame = pyogrio.read_dataframe(source, layer=layer, force_2d=True, **options)
    except Exception as exc:
        raise InvalidParameterValue(f"{name}: cannot be read ({exc})") from None
    if VERSION_FIELD in frame.columns:  # a layer taken out of a package
        raise package_refused(name)
    if not hasattr(frame, "geometry") or frame.geometry.name not in frame.columns:
        if not get_collection(request.layer).geometry_required:  # counts per task and day
            return geopandas.GeoDataFrame(frame, geometry=[None] * len(frame), crs=4326)
        raise InvalidParameterValue(
            f"{name}: layer {layer!r} has no geometry (a CSV needs a WKT column or "
            "longitude and latitude columns)"
        )
    if frame.crs is None and request.crs is None:
        frame = frame.set_crs(4326)  # GeoJSON and CSV without a CRS are WGS 84
    elif request.crs is not None:
        try:
            frame = frame.set_crs(request.crs, allow_override=True)
        except Exception:
            raise InvalidParameterValue(f"crs {request.crs!r} is not a known CRS") from None
    return frame.to_crs(4326) if frame.crs.to_epsg() != 4326 else frame


def _missing(value: Any) -> bool:
    kind = type(value)  # the common cells first: this runs for every cell of the file
    if kind is str:
        return not value.strip()
    if kind is float:
        return bool(value != value)  # NaN
    if value is None:
        return True
    if isinstance(value, list | tuple | np.ndarray | dict):
        return False
    try:
        return bool(pd.isna(value))  # NaN, NaT, pd.NA
    except (TypeError, ValueError):
        return False


def _date(value: Any) -> Any:
    if isinstance(value, datetime):  # pandas' Timestamp too: the day as the file wrote it
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).date()
    if isinstance(value, str):
        if len(value) == 10 and value[4] == value[7] == "-":  # ISO's day, as most files hold
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass  # said below
        match = DATE.fullmatch(value.strip())
        if match is None:
            raise CellError(f"{value!r} is not a date: write {DATE_FORMS}")
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CellError(f"{value!r} is not a day of the calendar") from None
    return value


def _list(value: Any) -> Any:
    if isinstance(value, list | tuple | np.ndarray):
        return [str(item) for item in value if not _missing(item)]
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        try:  # GDAL's JSON list (CSV, GeoPackage)
            return _list(json.loads(text))
        except (json.JSONDecodeError, RecursionError):  # a Python list as pandas writes it
            return [item.strip().strip("'\"").strip() for item in text[1:-1].split(",")]
    shapefile = SHAPEFILE_LIST.fullmatch(text)
    if shapefile is not None:
        text = shapefile.group(2)
    return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]


def _integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # an integer column with empty cells is read as floats
    if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value.strip()):
        return int(float(value))
    return value


def _text(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float | np.integer) else value


READERS = {"date": _date, "array": _list, "integer": _integer, "string": _text}


def cell(value: Any, prop: Property) -> Any:
    """A file's value as the property takes it; None for an empty cell."""
    if type(value) is str and prop.type == "string":  # most cells of most files
        return value if value.strip() else None
    if _missing(value):
        return None
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64):
        value = value.item()  # numpy scalars
    reader = READERS.get(prop.type)
    return value if reader is None else reader(value)


def columns_of(collection: Collection, frame: Any, mapping: dict[str, str]) -> dict[str, str]:
    """Which column holds each property: mapped, else the property's own name."""
    columns = [str(column) for column in frame.columns if column != frame.geometry.name]
    unknown = sorted(set(mapping) - {prop.name for prop in collection.stored_properties})
    if unknown:
        raise InvalidParameterValue(f"map: {', '.join(unknown)} is no property of {collection.id}")
    missing = sorted(column for column in mapping.values() if column not in columns)
    if missing:
        raise InvalidParameterValue(
            f"map: the file has no column {', '.join(missing)}; it has {', '.join(columns)}"
        )
    by_lower = {column.lower(): column for column in reversed(columns)}  # the first wins
    found = {}
    for prop in collection.stored_properties:
        # A Shapefile cuts field names to 10 characters: hazard_cla is hazard_class; KML
        # and spreadsheets capitalise them: Name is name.
        for candidate in (prop.name, prop.name[:10]):
            if candidate.lower() in by_lower:
                found[prop.name] = by_lower[candidate.lower()]
                break
        if prop.name in mapping:
            found[prop.name] = mapping[prop.name]
    return found


def _problem(position: int, code: Any, where: str, reason: str) -> RefusedRow:
    code = code if isinstance(code, str | int) and not isinstance(code, bool) else None
    return RefusedRow(position=position, code=code, field=where, reason=reason)


def checked_rows(
    collection: Collection, frame: Any, columns: dict[str, str]
) -> tuple[list[tuple[int, dict[str, Any], bytes]], list[RefusedRow]]:
    """Rows that keep the layer's rules (position, values, WKB), and those that do not."""
    schema = CREATE[collection.id]
    props = {prop.name: prop for prop in collection.stored_properties}
    good, refused = [], []
    seen: dict[Any, int] = {}
    # Column by column: a row's dict of the frame's cells was a third of the read.
    cells = {column: frame[column].tolist() for column in set(columns.values())}
    rows = zip(*cells.values(), strict=True) if cells else [()] * len(frame)  # no column known
    records = (dict(zip(cells, row, strict=True)) for row in rows)
    geometries = np.asarray(frame.geometry.array, dtype=object)
    wkbs = shapely.to_wkb(geometries)  # at once: per row, this was a tenth of the read
    coordinates, owner = shapely.get_coordinates(geometries, return_index=True)
    not_finite = np.zeros(len(geometries), dtype=bool)
    not_finite[owner[~np.isfinite(coordinates).all(axis=1)]] = True
    for position, (record, geometry) in enumerate(zip(records, geometries, strict=True), start=1):
        raw: dict[str, Any] = {}
        try:
            for name, column in columns.items():
                where = name
                raw[name] = cell(record[column], props[name])
        except CellError as exc:
            refused.append(_problem(position, raw.get("code"), where, str(exc)))
            continue
        code = raw.get("code")
        kind = None if geometry is None else geometry.geom_type
        if kind not in collection.accepted_geometries and not (
            kind is None and not collection.geometry_required
        ):
            accepted = ", ".join(collection.accepted_geometries)
            refused.append(_problem(position, code, "geometry", f"{kind} is not one of {accepted}"))
            continue
        if not_finite[position - 1]:
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
        good.append((position, values, wkbs[position - 1]))
    return good, refused


def read_rows(request: ReadRequest, collection: Collection) -> ReadResult:
    """Read the file and check every row against the layer's rules."""
    frame = read_frame(request)
    good, refused = checked_rows(collection, frame, columns_of(collection, frame, request.mapping))
    return ReadResult(rows=len(frame), good=good, refused=refused)
