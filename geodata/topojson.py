"""Decode TopoJSON polygons into shapely geometries, simplifying the shared arcs once."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped, unused-ignore]
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Polygon  # type: ignore[import-untyped, unused-ignore]

Arc = NDArray[np.float64]


def decode_arcs(topology: dict[str, Any]) -> list[Arc]:
    """Return every arc as lon/lat coordinates, undoing the delta encoding and quantization."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = np.asarray(arc, dtype=np.float64)[:, :2]
        if transform is not None:
            # Quantized arcs hold the first position and then differences from the previous one.
            points = np.cumsum(points, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(points)
    return arcs


def simplify_arcs(arcs: Sequence[Arc], tolerance: float) -> list[Arc]:
    """Simplify each arc with Douglas-Peucker, keeping its ends, so neighbours still share it."""
    lines = [LineString(arc) for arc in arcs]
    simplified = shapely.simplify(lines, tolerance, preserve_topology=False)
    return [np.asarray(shapely.get_coordinates(line), dtype=np.float64) for line in simplified]


def _ring(indices: Sequence[int], arcs: Sequence[Arc]) -> Arc:
    """Join the arcs of one ring; a negative index ~i is arc i reversed."""
    parts = []
    for position, index in enumerate(indices):
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their joining point: keep it once.
        parts.append(points if position == 0 else points[1:])
    return np.concatenate(parts)


def _polygon(rings: Sequence[Sequence[int]], arcs: Sequence[Arc]) -> Polygon | None:
    """Build one polygon (exterior then holes); None if the exterior collapsed to a line."""
    exterior, *holes = [_ring(indices, arcs) for indices in rings]
    if len(exterior) < 4:
        return None
    return Polygon(exterior, holes=[hole for hole in holes if len(hole) >= 4])


def geometry(item: dict[str, Any], arcs: Sequence[Arc]) -> MultiPolygon:
    """Return a TopoJSON Polygon or MultiPolygon object as a shapely MultiPolygon."""
    if item["type"] == "Polygon":
        polygons = [item["arcs"]]
    elif item["type"] == "MultiPolygon":
        polygons = item["arcs"]
    else:
        raise ValueError(f"unsupported TopoJSON geometry type {item['type']!r}")
    built = [_polygon(rings, arcs) for rings in polygons]
    return MultiPolygon([polygon for polygon in built if polygon is not None])
