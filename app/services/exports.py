"""Field data out: GeoPackage and FlatGeobuf files that QGIS and QField open offline.

Files are written with pyogrio (GDAL) from rows PostGIS selects, with the layers' types kept:
dates as dates, integers as integers, lists as comma-separated text. A district's package
holds its boundary, zones, incidents, settlements and the part of the former line of
contact within it, each a layer, and its statistics and their sources as tables.
"""

import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from pyogrio.raw import write
from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS, Collection
from app.crs import STORAGE
from app.formats import FGB, GPKG, Format
from app.repositories import exports as repo
from app.repositories import features as features_repo
from app.schemas.query import ItemsQuery
from app.schemas.stats import ZoneFilter
from app.services import features
from app.services.stats import district_detail, summary

DTYPES = {"date": "datetime64[D]", "integer": "int64", "boolean": "bool"}
MISSING = {"date": "NaT", "integer": 0, "boolean": False}
NOT_FIGURES = {"years", "filters", "by_risk_level", "by_status", "by_contamination"}
SOURCE_FIELDS = [
    ("layer", "string"),
    ("source", "string"),
    ("features", "integer"),
    ("schematic", "boolean"),
]


@dataclass(frozen=True)
class ExportFile:
    """A written file, removed with its folder once sent."""

    path: Path
    media_type: str
    filename: str
    folder: tempfile.TemporaryDirectory[str]


def _column(prop_type: str, values: list[Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A field's values as GDAL takes them, and its mask of missing values."""
    mask = np.array([value is None for value in values], dtype=bool)
    if prop_type in DTYPES:
        filled = [MISSING[prop_type] if value is None else value for value in values]
        return np.array(filled, dtype=DTYPES[prop_type]), mask
    if prop_type == "array":
        values = [None if value is None else ",".join(value) for value in values]
    return np.array(values, dtype=object), mask


def _wkb(value: Any) -> bytes | None:
    """A geometry as GDAL takes it: WKB, or None for a feature without one."""
    return None if value is None else bytes(value)


def write_layer(
    path: Path,
    fmt: Format,
    layer: str,
    geometry_type: str | None,
    fields: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[Any]],
) -> None:
    """One layer of a file: rows of (field values..., WKB geometry or nothing)."""
    rows = list(rows)
    data, masks = [], []
    for index, (_, prop_type) in enumerate(fields):
        values, mask = _column(prop_type, [row[index] for row in rows])
        data.append(values)
        masks.append(mask)
    geometry = (
        np.array([_wkb(row[len(fields)]) for row in rows], dtype=object) if geometry_type else None
    )
    assert fmt.driver is not None, "a file format names its GDAL driver"
    appending = path.exists() and fmt == GPKG
    write(
        str(path),
        geometry,
        data,
        [name for name, _ in fields],
        field_mask=masks,
        layer=layer,
        driver=fmt.driver,
        geometry_type=geometry_type,
        crs=f"EPSG:{STORAGE.srid}" if geometry_type else None,
        append=appending,
        # GeoPackage 1.2, which GDAL 2.2 on and every QGIS read without a warning (pyogrio's
        # own GDAL would write 1.4)
        dataset_options={"VERSION": "1.2"} if fmt == GPKG and not appending else None,
        promote_to_multi=bool(geometry_type and geometry_type.startswith("Multi")),
        # FlatGeobuf's spatial index holds no feature without a geometry (items found may
        # have none): such a file is written without an index.
        layer_options={"SPATIAL_INDEX": "NO"}
        if fmt == FGB and geometry is not None and any(wkb is None for wkb in geometry)
        else None,
    )


def _fields(collection: Collection, names: Sequence[str]) -> list[tuple[str, str]]:
    types = {prop.name: prop.type for prop in collection.properties}
    return [("id", "integer"), *((name, types[name]) for name in names)]


def items_file(
    session: Session, collection: Collection, query: ItemsQuery, fmt: Format
) -> ExportFile:
    """The features an items request selects, as one layer named after the collection."""
    folder = tempfile.TemporaryDirectory(prefix="contamap-export-")
    filename = f"{collection.id}.{fmt.extension}"
    path = Path(folder.name) / filename
    names = query.properties or collection.property_names
    where = features.conditions(collection, query)
    order = features.ordering(collection, query)
    geometry = func.ST_AsBinary(features_repo.geometry(collection))
    rows = features_repo.rows(
        session, collection, names, geometry, where, order, query.limit, query.offset
    )
    write_layer(
        path, fmt, collection.id, collection.geometry_type, _fields(collection, names), rows
    )
    return ExportFile(path, fmt.media_type, filename, folder)


def _layer(
    session: Session,
    path: Path,
    collection: Collection,
    where: list[ColumnElement[bool]],
    clip: Any,
) -> None:
    names = collection.property_names
    rows = repo.clipped_rows(session, collection, names, where, clip)
    write_layer(
        path, GPKG, collection.id, collection.geometry_type, _fields(collection, names), rows
    )


def district_package(session: Session, district_id: int, as_of: date) -> ExportFile:
    """One district's GeoPackage for offline work: its layers, figures and sources."""
    detail = district_detail(session, district_id, as_of, ZoneFilter())
    folder = tempfile.TemporaryDirectory(prefix="contamap-package-")
    name = f"{detail.code.replace(':', '-')}.gpkg"
    path = Path(folder.name) / name
    district = repo.district_geometry(session, district_id)
    for collection in COLLECTIONS.values():
        if collection.package is None:
            continue
        where = repo.in_district(collection, district_id, district)
        clip = district if collection.package == "clipped" else None
        _layer(session, path, collection, where, clip)
    figures = detail.model_dump(mode="json", exclude=NOT_FIGURES)
    rows = [
        (key, value if isinstance(value, str) else json.dumps(value))
        for key, value in figures.items()
    ]
    write_layer(path, GPKG, "statistics", None, [("figure", "string"), ("value", "string")], rows)
    sources = summary(session, as_of, ZoneFilter()).sources
    source_rows = [(item.layer, item.source, item.features, item.schematic) for item in sources]
    write_layer(path, GPKG, "sources", None, SOURCE_FIELDS, source_rows)
    return ExportFile(path, GPKG.media_type, name, folder)
