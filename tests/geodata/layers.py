"""Read the committed geodata layers and measure them with pyproj, independently of the build."""

import json
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Geod, Transformer
from shapely import transform
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

DATA_DIR = Path(__file__).resolve().parents[2] / "geodata" / "data"
GEOD = Geod(ellps="WGS84")
_TO_UTM_38N = Transformer.from_crs("EPSG:4326", "EPSG:32638", always_xy=True)


def features(layer: str) -> list[dict[str, Any]]:
    """Return the features of a committed GeoJSON layer."""
    collection: dict[str, Any] = json.loads((DATA_DIR / f"{layer}.geojson").read_text("utf-8"))
    assert collection["type"] == "FeatureCollection"
    result: list[dict[str, Any]] = collection["features"]
    return result


def geometry(feature: dict[str, Any]) -> BaseGeometry:
    """Return the shapely geometry of a GeoJSON feature."""
    return shape(feature["geometry"])


def km2(geom: BaseGeometry) -> float:
    """Return the geodesic area of a lon/lat geometry in km²."""
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def km(geom: BaseGeometry) -> float:
    """Return the geodesic length of a lon/lat line in km."""
    return float(GEOD.geometry_length(geom)) / 1000


def utm(geom: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry to UTM 38N metres."""
    return transform(geom, lambda xy: np.column_stack(_TO_UTM_38N.transform(xy[:, 0], xy[:, 1])))


def district(name: str) -> dict[str, Any]:
    """Return the one district feature with this English name."""
    matches = [f for f in features("districts") if f["properties"]["name"] == name]
    assert len(matches) == 1, name
    return matches[0]
