"""The former line of contact (Natural Earth 'Ceasefire Line 1994') and the zone west of it."""

# ruff: noqa: RUF001  # Azerbaijani spelling uses the dotless i (U+0131) on purpose.

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import shapely  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import LineString, MultiLineString, Point  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry.base import BaseGeometry  # type: ignore[import-untyped, unused-ignore]
from shapely.ops import split  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import GRID_SIZE, polygonal
from geodata.sources import QGIS_WORLD_MAP

LAYER = "disputed_borders"
FEATURE_NAME = "Ceasefire Line 1994"
# The line runs from the Murovdag ridge on the Armenian border to the Araz near Horadiz.
NORTH_WEST_END = (45.979, 40.224)
NAKHCHIVAN_REGION = "Naxçıvan Autonomous Republic"
# Lachin lies wholly west of the line, so its polygon tells the two sides apart.
WEST_SIDE_DISTRICT = "Lachin"

PROPERTIES = {
    "name": "Former line of contact (1994 ceasefire line)",
    "valid_from": "1994-05-12",
    "valid_to": "2020-11-10",
    "source": (
        f"Natural Earth '{FEATURE_NAME}', {LAYER} layer of world_map.gpkg in Debian package "
        f"{QGIS_WORLD_MAP.package} {QGIS_WORLD_MAP.version}; Natural Earth 10m v4.1.0 "
        "(public domain)"
    ),
    "accuracy": (
        "Natural Earth 10m generalisation, 79 vertices about 2.6 km apart; "
        "published lengths are 180-200 km"
    ),
}


def read_ceasefire_segments(path: Path) -> gpd.GeoDataFrame:
    """Read the 'Ceasefire Line 1994' features of the disputed_borders layer."""
    return gpd.read_file(path, layer=LAYER, where=f"name = '{FEATURE_NAME}'", engine="pyogrio")


def merge_line(segments: gpd.GeoDataFrame) -> LineString:
    """Merge the segments into one line running from the north-west end to the Araz."""
    merged = shapely.line_merge(shapely.union_all(list(segments.geometry)))
    if not isinstance(merged, LineString):
        raise ValueError(f"the segments merge into a {merged.geom_type}, not one line")
    start, end = Point(merged.coords[0]), Point(merged.coords[-1])
    if end.distance(Point(NORTH_WEST_END)) < start.distance(Point(NORTH_WEST_END)):
        merged = merged.reverse()
    return shapely.set_precision(merged, GRID_SIZE)


def line_of_contact(line: LineString) -> gpd.GeoDataFrame:
    """Return the one-feature GeoDataFrame of the former line of contact."""
    return gpd.GeoDataFrame([PROPERTIES], geometry=[MultiLineString([line])], crs="EPSG:4326")


def _extended(line: LineString, degrees: float = 1e-3) -> LineString:
    """Lengthen both ends slightly so that rounding cannot leave an end short of the border."""
    coords = list(line.coords)

    def beyond(inner: Sequence[float], end: Sequence[float]) -> tuple[float, float]:
        dx, dy = end[0] - inner[0], end[1] - inner[1]
        scale = degrees / max((dx * dx + dy * dy) ** 0.5, 1e-12)
        return (end[0] + dx * scale, end[1] + dy * scale)

    return LineString([beyond(coords[1], coords[0]), *coords, beyond(coords[-2], coords[-1])])


def formerly_occupied_zone(districts: gpd.GeoDataFrame, line: LineString) -> BaseGeometry:
    """Cut the Azerbaijani mainland along the line and return the part on the west side."""
    mainland = shapely.union_all(list(districts.geometry[districts["region"] != NAKHCHIVAN_REGION]))
    reference = districts.geometry[districts["name"] == WEST_SIDE_DISTRICT].iloc[0]
    anchor = reference.representative_point()
    west = [piece for piece in split(mainland, _extended(line)).geoms if piece.contains(anchor)]
    if len(west) != 1:
        raise ValueError("the line does not cut the mainland into two sides")
    return polygonal(west[0])
