"""Write GeoJSON and JSON byte-for-byte reproducibly: fixed key order, six decimals."""

import math
from pathlib import Path
from typing import Any

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import numpy as np
import orjson
from shapely.geometry import mapping  # type: ignore[import-untyped, unused-ignore]

DECIMALS = 6


def _rounded(coords: Any) -> Any:
    """Round nested coordinate tuples to DECIMALS, as lists."""
    if isinstance(coords, float | int):
        return round(float(coords), DECIMALS)
    return [_rounded(item) for item in coords]


def plain(value: Any) -> Any:
    """Convert numpy and pandas scalars, tuples and NaN to plain JSON values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple | list | np.ndarray):
        return [plain(item) for item in value]
    return value


def _geometry(geom: Any) -> dict[str, Any] | None:
    """Return a GeoJSON geometry with rounded coordinates, or None for a feature without one."""
    if geom is None:
        return None
    shape = mapping(geom)
    return {"type": shape["type"], "coordinates": _rounded(shape["coordinates"])}


def feature_collection_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """Serialise a GeoDataFrame as a FeatureCollection with one feature per line."""
    columns = [column for column in frame.columns if column != "geometry"]
    lines = []
    for record, geom in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
        feature = {
            "type": "Feature",
            "properties": {key: plain(record[key]) for key in columns},
            "geometry": _geometry(geom),
        }
        lines.append(orjson.dumps(feature))
    return b'{"type":"FeatureCollection","features":[\n' + b",\n".join(lines) + b"\n]}\n"


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a GeoDataFrame to a GeoJSON file."""
    path.write_bytes(feature_collection_bytes(frame))


def write_json(value: object, path: Path) -> None:
    """Write a JSON value, indented, with a trailing newline."""
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n")
