"""Field data out: GeoPackage and FlatGeobuf files that QGIS and QField open offline.

Files are written with pyogrio (GDAL) from rows PostGIS selects, with the layers' types kept:
dates as dates, integers as integers, lists as comma-separated text. A district's package
holds its boundary, zones, incidents, settlements and the part of the former line of
contact within it, each a layer, and its statistics and their sources as tables. Each
feature carries the version it was exported at (``contamap_version``, its ETag), and two
tables say what the package is and which features it held at which version: a sync of the
edited package (app/services/sync.py) writes back only what changed in the file.
"""

import json
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from pyogrio.raw import write

from app.catalog import COLLECTIONS, Collection
from app.core.db import Session, off_loop
from app.crs import STORAGE
from app.errors import InvalidParameterValue
from app.formats import FGB, GPKG, Format
from app.repositories import exports as repo
from app.repositories import items as items_repo
from app.schemas.query import ItemsQuery
from app.schemas.stats import ZoneFilter
from app.schemas.sync import (
    FEATURES_FIELDS,
    FEATURES_TABLE,
    PACKAGE_FIELDS,
    PACKAGE_FORMAT,
    PACKAGE_TABLE,
    VERSION_FIELD,
)
from app.services.stats import district_detail, summary

LETTERS = str.maketrans("əƏı", "eEi")  # Azerbaijani letters that NFKD leaves as they are
EVERY_FEATURE = 2**62  # the limit of a file export that names none: no count bounds it
BATCH = 5000  # rows written at a time
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
    deadline: float | None = None,
    indexed: bool = True,
) -> None:
    """One layer of a file: rows of (field values..., WKB geometry or nothing), written
    ``BATCH`` rows at a time, so memory holds one batch however many rows there are; a 400
    when ``deadline`` (a ``time.monotonic()``) passes first. A layer whose features may lack
    a geometry is written without FlatGeobuf's spatial index, which holds none of them."""
    rows = iter(rows)
    batch = list(islice(rows, BATCH))
    # GDAL writes in a thread when a request's session reads on the event loop (off_loop)
    off_loop(_write_batch, path, fmt, layer, geometry_type, fields, batch, False, indexed)
    while batch := list(islice(rows, BATCH)):
        if deadline is not None and time.monotonic() > deadline:
            raise InvalidParameterValue(
                f"the export of {layer} took longer than the limit "
                "(CONTAMAP_EXPORT_TIMEOUT_S): narrow it with bbox, datetime or a filter"
            )
        off_loop(_write_batch, path, fmt, layer, geometry_type, fields, batch, True, indexed)


def _write_batch(
    path: Path,
    fmt: Format,
    layer: str,
    geometry_type: str | None,
    fields: Sequence[tuple[str, str]],
    rows: list[Sequence[Any]],
    appending: bool,
    indexed: bool,
) -> None:
    """Rows written to a new layer, or appended to the layer (or file) there is."""
    data, masks = [], []
    for index, (_, prop_type) in enumerate(fields):
        values, mask = _column(prop_type, [row[index] for row in rows])
        data.append(values)
        masks.append(mask)
    geometry = (
        np.array([_wkb(row[len(fields)]) for row in rows], dtype=object) if geometry_type else None
    )
    assert fmt.driver is not None, "a file format names its GDAL driver"
    appending = appending or (path.exists() and fmt == GPKG)  # another layer of a package
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
        layer_options=None if indexed or fmt != FGB else {"SPATIAL_INDEX": "NO"},
    )


def _fields(collection: Collection, names: Sequence[str]) -> list[tuple[str, str]]:
    types = {prop.name: prop.type for prop in collection.properties}
    return [("id", "integer"), *((name, types[name]) for name in names)]


def items_file(
    session: Session, collection: Collection, query: ItemsQuery, fmt: Format, timeout_s: float
) -> ExportFile:
    """The features an items request selects, as one layer named after the collection: every
    one of them (a query without a limit has ``EVERY_FEATURE``), bounded by time, not by count."""
    folder = tempfile.TemporaryDirectory(prefix="contamap-export-")
    filename = f"{collection.id}.{fmt.extension}"
    path = Path(folder.name) / filename
    names = query.properties or collection.property_names
    rows = items_repo.rows(session, collection, query, names, "wkb")
    fields = _fields(collection, names)
    deadline = time.monotonic() + timeout_s
    try:
        write_layer(
            path,
            fmt,
            collection.id,
            collection.geometry_type,
            fields,
            rows,
            deadline,
            indexed=collection.geometry_required,
        )
    except BaseException:
        folder.cleanup()
        raise
    return ExportFile(path, fmt.media_type, filename, folder)


def _recorded(
    rows: Iterable[Sequence[Any]], layer: str, exported: list[tuple[str, int, str]]
) -> Iterator[Sequence[Any]]:
    """The rows, each one's layer, id and version noted in ``exported`` as it passes."""
    for row in rows:
        exported.append((layer, row[0], row[-2]))
        yield row


def _layer(
    session: Session,
    path: Path,
    collection: Collection,
    district_id: int,
    exported: list[tuple[str, int, str]],
) -> None:
    rows = _recorded(repo.district_rows(session, collection, district_id), collection.id, exported)
    fields = [*_fields(collection, collection.property_names), (VERSION_FIELD, "string")]
    write_layer(path, GPKG, collection.id, collection.geometry_type, fields, rows)


def file_stem(name: str) -> str:
    """A name as a file name: lower-case ASCII letters and digits joined by hyphens, so
    ``Ağcabədi`` is ``agcabedi`` and nothing in it (``/``, ``..``) can name another folder."""
    latin = unicodedata.normalize("NFKD", name.translate(LETTERS))
    return "-".join(re.findall(r"[a-z0-9]+", latin.encode("ascii", "ignore").decode().lower()))


def district_package(
    session: Session, district_id: int, as_of: date, server: str = ""
) -> ExportFile:
    """One district's GeoPackage for offline work: its layers, figures and sources, and what
    a sync needs: each feature's version, and the server, district and time of the export."""
    exported_at = datetime.now(UTC).isoformat(timespec="seconds")
    detail = district_detail(session, district_id, as_of, ZoneFilter())
    folder = tempfile.TemporaryDirectory(prefix="contamap-package-")
    name = f"{file_stem(detail.name) or f'district-{district_id}'}.gpkg"
    path = Path(folder.name) / "package.gpkg"  # a name of ours: a district's code is no path
    exported: list[tuple[str, int, str]] = []
    for collection in COLLECTIONS.values():
        if collection.package is not None:
            _layer(session, path, collection, district_id, exported)
    figures = detail.model_dump(mode="json", exclude=NOT_FIGURES)
    rows = [
        (key, value if isinstance(value, str) else json.dumps(value))
        for key, value in figures.items()
    ]
    write_layer(path, GPKG, "statistics", None, [("figure", "string"), ("value", "string")], rows)
    sources = summary(session, as_of, ZoneFilter()).sources
    source_rows = [(item.layer, item.source, item.features, item.schematic) for item in sources]
    write_layer(path, GPKG, "sources", None, SOURCE_FIELDS, source_rows)
    about = {
        "format": PACKAGE_FORMAT,
        "server": server,
        "district_id": str(district_id),
        "district": detail.name,
        "as_of": as_of.isoformat(),
        "exported_at": exported_at,
    }
    write_layer(path, GPKG, PACKAGE_TABLE, None, PACKAGE_FIELDS, list(about.items()))
    write_layer(path, GPKG, FEATURES_TABLE, None, FEATURES_FIELDS, exported)
    return ExportFile(path, GPKG.media_type, name, folder)
