"""Geometry helpers shared by the build: geodesic measures, metric buffers, clean output."""

from collections.abc import Callable

import numpy as np
import shapely  # type: ignore[import-untyped, unused-ignore]
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped, unused-ignore]

GEOD = Geod(ellps="WGS84")
# UTM zone 38N covers 42-48 E, so every buffer around Karabakh is metric to within 0.1 %.
METRIC_CRS = "EPSG:32638"
GRID_SIZE = 1e-6  # output precision: six decimals of a degree, about 0.1 m

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
_TO_WGS84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def geodesic_km2(geom: BaseGeometry) -> float:
    """Return the geodesic area of a lon/lat geometry on the WGS84 ellipsoid, in km²."""
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def geodesic_km(geom: BaseGeometry) -> float:
    """Return the geodesic length of a lon/lat line on the WGS84 ellipsoid, in km."""
    return float(GEOD.geometry_length(geom)) / 1000


def _reproject(geom: BaseGeometry, transformer: Transformer) -> BaseGeometry:
    """Apply a pyproj transformer to every coordinate of a geometry."""

    def func(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, func)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    """Project a lon/lat geometry to UTM 38N metres."""
    return _reproject(geom, _TO_METRIC)


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """Project a UTM 38N geometry back to lon/lat."""
    return _reproject(geom, _TO_WGS84)


def metric_buffer(geom: BaseGeometry, metres: float) -> BaseGeometry:
    """Return the lon/lat region within a distance in metres of a lon/lat geometry."""
    return to_wgs84(to_metric(geom).buffer(metres, quad_segs=8))


def solve_increasing(
    func: Callable[[float], float], target: float, low: float, high: float, tol: float = 1e-6
) -> float:
    """Find x in [low, high] with func(x) == target for an increasing func, by bisection."""
    if not func(low) <= target <= func(high):
        raise ValueError(f"target {target} is outside [{func(low)}, {func(high)}]")
    while high - low > tol * max(1.0, abs(high)):
        mid = (low + high) / 2
        if func(mid) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def polygonal(geom: BaseGeometry) -> MultiPolygon:
    """Keep the polygonal parts of a geometry as one MultiPolygon (possibly empty)."""
    parts = [
        part
        for part in shapely.get_parts(geom)
        if isinstance(part, Polygon | MultiPolygon) and not part.is_empty
    ]
    polygons = [poly for part in parts for poly in shapely.get_parts(part)]
    return MultiPolygon(polygons)


def clean_area(geom: BaseGeometry) -> MultiPolygon:
    """Snap a polygonal geometry to the output grid and return a valid, RFC 7946 MultiPolygon."""
    # GEOS snaps only valid input, and its snapped output of valid input is valid.
    snapped = shapely.set_precision(shapely.make_valid(geom), GRID_SIZE)
    return polygonal(shapely.orient_polygons(snapped))
