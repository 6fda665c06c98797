"""Country outlines around Azerbaijan from Natural Earth, for the web map's background."""

from pathlib import Path
from typing import Any

import geopandas as gpd  # type: ignore[import-untyped, unused-ignore]
import orjson
from shapely import make_valid  # type: ignore[import-untyped, unused-ignore]
from shapely.geometry import box  # type: ignore[import-untyped, unused-ignore]

from geodata.geo import clean_area
from geodata.sources import WORLD_ATLAS
from geodata.topojson import decode_arcs, geometry, simplify_arcs

# The map's background frame: Azerbaijan, its neighbours and the Caspian coast.
FRAME = (38.0, 35.0, 54.0, 45.0)  # lon min, lat min, lon max, lat max
# About 1 km (0.01 degree of latitude is 1.1 km); the TopoJSON is quantized to about 300 m.
TOLERANCE_DEG = 0.01
OBJECT = "countries"
SOURCE = (
    f"Natural Earth 10m admin-0 countries v4.1.0 via npm {WORLD_ATLAS.package}@"
    f"{WORLD_ATLAS.version} ({WORLD_ATLAS.member.removeprefix('package/')}; public domain)"
)
ACCURACY = (
    f"background only: simplified to about 1 km ({TOLERANCE_DEG} degree) and clipped to "
    f"lon {FRAME[0]:g} to {FRAME[2]:g}, lat {FRAME[1]:g} to {FRAME[3]:g}; Natural Earth's "
    "de facto boundaries, not a statement on any border"
)
COLUMNS = ["name", "iso_n3", "source", "accuracy", "geometry"]


def read_topology(path: Path) -> dict[str, Any]:
    """Read a TopoJSON file."""
    topology: dict[str, Any] = orjson.loads(path.read_bytes())
    if topology.get("type") != "Topology" or OBJECT not in topology.get("objects", {}):
        raise ValueError(f"{path.name} is not a TopoJSON topology with a '{OBJECT}' object")
    return topology


def neighbours(topology: dict[str, Any]) -> gpd.GeoDataFrame:
    """Return the countries that reach into the frame, simplified and clipped to it."""
    frame = box(*FRAME)
    arcs = decode_arcs(topology)
    simplified = simplify_arcs(arcs, TOLERANCE_DEG)
    rows = []
    for item in topology["objects"][OBJECT]["geometries"]:
        outline = geometry(item, arcs)
        # Choose on the exact outline (its box first, for speed), so that simplification cannot
        # bring in a country; quantization leaves the smallest (the Vatican) without a ring.
        if outline.is_empty or not box(*outline.bounds).intersects(frame):
            continue
        if not make_valid(outline).intersects(frame):
            continue
        clipped = clean_area(make_valid(geometry(item, simplified)).intersection(frame))
        if not clipped.is_empty:
            rows.append(
                {"name": item["properties"]["name"], "iso_n3": item.get("id"), "geometry": clipped}
            )
    if not rows:
        raise ValueError("no country reaches into the frame")
    countries = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    countries["source"] = SOURCE
    countries["accuracy"] = ACCURACY
    return countries[COLUMNS].sort_values("name", ignore_index=True)
