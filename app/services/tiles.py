"""Vector tiles: tile checks, filters, zoom-aware simplification, caching headers and TileJSON."""

from collections.abc import Sequence

import morecantile
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS, Collection
from app.errors import InvalidParameterValue
from app.repositories import tiles as repo
from app.schemas.ogc import Link
from app.schemas.query import TileFilter
from app.schemas.tiles import TileJSON, TileSet, TileSets, VectorLayer

TMS = morecantile.tms.get("WebMercatorQuad")
# Half a screen pixel of a 256-pixel tile: finer detail cannot be seen at that zoom.
SIMPLIFY_PIXELS = 0.5
TILEJSON_MAXZOOM = 16  # clients overzoom beyond; tiles are still served up to TMS.maxzoom
CACHE_CONTROL = "public, max-age=300"


def layer_names(collection: Collection | None) -> list[str]:
    """The layers of one collection's tiles, or of the all-layers tiles when None."""
    return list(COLLECTIONS) if collection is None else [collection.id]


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a zoom, column or row outside the WebMercatorQuad tile matrix set."""
    if not TMS.minzoom <= z <= TMS.maxzoom:
        raise InvalidParameterValue(f"z={z} is outside {TMS.minzoom}..{TMS.maxzoom}")
    limits = TMS.minmax(z)
    for name, value in (("x", x), ("y", y)):
        low, high = limits[name]["min"], limits[name]["max"]
        if not low <= value <= high:
            raise InvalidParameterValue(f"{name}={value} is outside {low}..{high} at zoom {z}")


def tolerance(z: int) -> float:
    """The simplification tolerance at a zoom, in Web Mercator metres."""
    return float(TMS.matrix(z).cellSize) * SIMPLIFY_PIXELS


def search_bounds(z: int, x: int, y: int) -> repo.Bounds:
    """The tile's WGS 84 bounds widened by the drawn buffer, kept within the world."""
    left, bottom, right, top = TMS.xy_bounds(morecantile.Tile(x, y, z))
    pad = (right - left) * repo.BUFFER / repo.EXTENT
    world = TMS.xy_bbox
    west, south = TMS.lnglat(max(left - pad, world.left), max(bottom - pad, world.bottom))
    east, north = TMS.lnglat(min(right + pad, world.right), min(top + pad, world.top))
    return max(west, -180.0), south, min(east, 180.0), north


def get_tile(
    session: Session, names: Sequence[str], z: int, x: int, y: int, where: TileFilter
) -> bytes:
    """The tile of the named layers, simplified for its zoom; empty bytes for an empty tile."""
    check_tile(z, x, y)
    return repo.tile(session, names, z, x, y, tolerance(z), where, search_bounds(z, x, y))


def tilejson(session: Session, names: Sequence[str], tiles_url: str, name: str) -> TileJSON:
    """TileJSON 3.0.0 for the named layers, with their bounds and fields."""
    bounds = repo.extent(session, names) or (
        TMS.bbox.left,
        TMS.bbox.bottom,
        TMS.bbox.right,
        TMS.bbox.top,
    )
    west, south, east, north = bounds
    center_zoom = _zoom_to_fit(west, south, east, north)
    return TileJSON(
        name=name,
        description=", ".join(COLLECTIONS[layer].tile_description for layer in names),
        tiles=[tiles_url],
        minzoom=TMS.minzoom,
        maxzoom=TILEJSON_MAXZOOM,
        bounds=[west, south, east, north],
        center=[(west + east) / 2, (south + north) / 2, center_zoom],
        vector_layers=[
            VectorLayer(
                id=layer,
                description=COLLECTIONS[layer].tile_description,
                fields=repo.field_types(COLLECTIONS[layer]),
                minzoom=TMS.minzoom,
                maxzoom=TILEJSON_MAXZOOM,
            )
            for layer in names
        ],
    )


def _zoom_to_fit(west: float, south: float, east: float, north: float) -> int:
    """The deepest zoom at which the bounds fit in a block of 2 x 2 tiles (at least 0)."""
    zoom = 0
    while zoom < TILEJSON_MAXZOOM:
        top_left = TMS.tile(west, north, zoom + 1)
        bottom_right = TMS.tile(east, south, zoom + 1)
        if bottom_right.x - top_left.x > 1 or bottom_right.y - top_left.y > 1:
            break
        zoom += 1
    return zoom


def tilesets(names: Sequence[str], tiles_url: str, title: str) -> TileSets:
    """The OGC API - Tiles list of tile sets at ``tiles_url`` (one: WebMercatorQuad)."""
    matrix_set = f"{tiles_url}/WebMercatorQuad"
    tileset = TileSet(
        title=f"{title} ({', '.join(names)}), WebMercatorQuad",
        links=[
            Link(href=matrix_set, rel="self", type="application/json", title="TileJSON"),
            Link(
                href=f"{matrix_set}/{{tileMatrix}}/{{tileCol}}/{{tileRow}}",
                rel="item",
                type="application/vnd.mapbox-vector-tile",
                title="a tile: zoom, column (x), row (y)",
                templated=True,
            ),
        ],
    )
    return TileSets(
        links=[Link(href=tiles_url, rel="self", type="application/json", title="tile sets")],
        tilesets=[tileset],
    )
