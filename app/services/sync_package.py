"""Reading an edited district package: only a GeoPackage, only the layers and tables we wrote.

The file comes from outside, so nothing is opened on trust: it must be an SQLite database
whose header names a GeoPackage, its layers must be plain tables (no view or virtual table
that GDAL would run), and only then is it read, with pyogrio, one known layer at a time.
"""

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyogrio import read_info
from pyogrio.errors import DataLayerError, DataSourceError
from pyogrio.raw import read

from app.catalog import COLLECTIONS, Collection, Property
from app.errors import InvalidFeature, InvalidParameterValue
from app.schemas.sync import (
    FEATURES_TABLE,
    PACKAGE_FORMAT,
    PACKAGE_TABLE,
    VERSION_FIELD,
)

SQLITE_HEADER = b"SQLite format 3\x00"
# The GeoPackage application ids: 1.2 and later write "GPKG"; 1.0 and 1.1 wrote their own.
GPKG_IDS = (b"GPKG", b"GP10", b"GP11")
APPLICATION_ID_AT = 68  # the SQLite header's application_id field
VERSION_LENGTH = 32  # an md5 in hexadecimal
NOT_A_PACKAGE = (
    "is not a Contamap district package: download one from /stats/districts/{id}/package, "
    "edit it, and send it back as it is"
)


@dataclass(frozen=True)
class FileFeature:
    """A feature of the edited package: its id and version as exported (None for a new one),
    its stored properties as the file holds them, and its WKB geometry."""

    layer: str
    fid: int
    id: int | None
    version: str | None
    values: dict[str, Any]
    wkb: bytes | None


@dataclass(frozen=True)
class Package:
    """What the package says of itself, what it held as exported, and its features now."""

    about: dict[str, str]
    exported: dict[str, dict[int, str]]  # layer: {id: version}
    layers: dict[str, list[FileFeature]] = field(default_factory=dict)


def packaged() -> Iterator[Collection]:
    """The collections a district's package holds, in catalogue order."""
    return (item for item in COLLECTIONS.values() if item.package is not None)


def _check_signature(path: Path) -> None:
    """A 400 unless the file's header is an SQLite database's naming a GeoPackage."""
    with path.open("rb") as file:
        header = file.read(100)
    if not header.startswith(SQLITE_HEADER):
        raise InvalidParameterValue(f"the file is not a GeoPackage (GPKG): it {NOT_A_PACKAGE}")
    if header[APPLICATION_ID_AT : APPLICATION_ID_AT + 4] not in GPKG_IDS:
        raise InvalidParameterValue(
            f"the file is an SQLite database but not a GeoPackage: it {NOT_A_PACKAGE}"
        )


def _objects(path: Path) -> dict[str, str]:
    """The file's tables, views and indexes by name, read by SQLite before GDAL opens it; a 400
    when it declares a virtual table other than the spatial index's (a module GDAL would run:
    VirtualOGR opens other files)."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with sqlite3.connect(uri, uri=True) as conn:
            rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InvalidParameterValue(f"the GeoPackage cannot be read: {exc}") from None
    for _, name, sql in rows:
        statement = " ".join(str(sql or "").split()).upper()
        if statement.startswith("CREATE VIRTUAL TABLE") and "USING RTREE" not in statement:
            raise InvalidParameterValue(f"the GeoPackage declares a virtual table {name!r}")
    return {str(name): str(kind) for kind, name, _ in rows}


def _table(path: Path, layer: str) -> tuple[list[str], list[Any]]:
    """A table's field names and columns, read with GDAL's GeoPackage driver."""
    try:
        meta, _, _, columns = read(path, layer=layer, read_geometry=False)
    except (DataLayerError, DataSourceError) as exc:
        raise InvalidParameterValue(
            f"the package's table {layer!r} cannot be read: {exc}"
        ) from None
    return list(meta["fields"]), list(columns)


def _value(prop: Property, value: Any) -> Any:
    """A file's value as JSON has it: None for missing, an int, a bool, a text (a date as
    YYYY-MM-DD, a list as the comma-separated text the export wrote)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if prop.type == "integer":
        return int(value) if isinstance(value, int | float) else value
    if prop.type == "boolean":
        return bool(value) if isinstance(value, int | float) else value
    if prop.type == "date" and isinstance(value, str):
        return value[:10]
    return value if isinstance(value, str) else str(value)


def _version(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _feature_id(layer: str, fid: int, value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidParameterValue(f"{layer} feature {fid}: id {value!r} is no number") from None


def _layer(path: Path, collection: Collection) -> list[FileFeature]:
    """The layer's features as the file holds them now."""
    try:
        meta, fids, wkbs, columns = read(
            path, layer=collection.id, datetime_as_string=True, return_fids=True
        )
    except (DataLayerError, DataSourceError) as exc:
        raise InvalidParameterValue(f"the layer {collection.id} cannot be read: {exc}") from None
    crs = meta.get("crs")
    if crs not in (None, "EPSG:4326"):
        raise InvalidParameterValue(
            f"the layer {collection.id} is in {crs}: the package's layers stay in EPSG:4326 "
            "(WGS 84), as exported"
        )
    names = list(meta["fields"])
    wanted = ["id", VERSION_FIELD, *(prop.name for prop in collection.stored_properties)]
    if missing := [name for name in wanted if name not in names]:
        raise InvalidParameterValue(
            f"the layer {collection.id} has lost its field(s) {', '.join(missing)}: it "
            f"{NOT_A_PACKAGE}"
        )
    data = {name: columns[names.index(name)] for name in wanted}
    features = []
    for index, fid in enumerate(fids):
        values = {
            prop.name: _value(prop, data[prop.name][index]) for prop in collection.stored_properties
        }
        features.append(
            FileFeature(
                layer=collection.id,
                fid=int(fid),
                id=_feature_id(collection.id, int(fid), data["id"][index]),
                version=_version(data[VERSION_FIELD][index]),
                values=values,
                wkb=None if wkbs is None or wkbs[index] is None else bytes(wkbs[index]),
            )
        )
    return features


def _exported(path: Path) -> dict[str, dict[int, str]]:
    """The features the package was exported with, and their versions, by layer."""
    names, columns = _table(path, FEATURES_TABLE)
    if names[:3] != ["layer", "id", "version"]:
        raise InvalidParameterValue(f"the table {FEATURES_TABLE} {NOT_A_PACKAGE}")
    exported: dict[str, dict[int, str]] = {}
    for layer, feature_id, version in zip(*columns[:3], strict=True):
        exported.setdefault(str(layer), {})[int(feature_id)] = str(version)
    return exported


def read_package(path: Path) -> Package:
    """The edited package, or a 400 that says what is wrong with the file."""
    _check_signature(path)
    objects = _objects(path)
    layers = [item for item in packaged() if item.id in objects]
    for name in (PACKAGE_TABLE, FEATURES_TABLE, *(item.id for item in layers)):
        if objects.get(name) != "table":
            raise InvalidParameterValue(f"the GeoPackage has no table {name!r}: it {NOT_A_PACKAGE}")
    try:
        driver = read_info(path, layer=PACKAGE_TABLE).get("driver")
    except (DataLayerError, DataSourceError) as exc:
        raise InvalidParameterValue(f"the GeoPackage cannot be opened: {exc}") from None
    if driver != "GPKG":
        raise InvalidParameterValue(f"the file is not a GeoPackage (GPKG): it {NOT_A_PACKAGE}")
    names, columns = _table(path, PACKAGE_TABLE)
    if names[:2] != ["key", "value"]:
        raise InvalidParameterValue(f"the table {PACKAGE_TABLE} {NOT_A_PACKAGE}")
    about = {str(key): str(value) for key, value in zip(columns[0], columns[1], strict=True)}
    if about.get("format") != PACKAGE_FORMAT:
        raise InvalidParameterValue(f"the GeoPackage {NOT_A_PACKAGE}")
    package = Package(about, _exported(path))
    for collection in layers:
        package.layers[collection.id] = _layer(path, collection)
    return package


def exported_features(
    collection: Collection, features: list[FileFeature], exported: dict[int, str]
) -> list[FileFeature]:
    """The file's features that carry a version: each one exported, at that version, once."""
    seen: set[int] = set()
    kept = []
    for feature in features:
        if feature.version is None:
            continue
        where = f"{collection.id}, the file's feature {feature.fid}"
        if feature.id is None or exported.get(feature.id) != feature.version:
            raise InvalidFeature(
                [
                    f"{where}: id {feature.id} at version {feature.version} is not a feature "
                    "the package was exported with; to add it as a new feature, empty its id "
                    "and contamap_version"
                ]
            )
        if feature.id in seen:
            raise InvalidFeature(
                [
                    f"{where}: id {feature.id} is in the file twice; a copy made to add a "
                    "feature needs its id and contamap_version emptied"
                ]
            )
        seen.add(feature.id)
        kept.append(feature)
    return kept
