"""Vector tiles: tile checks, filters, zoom-aware simplification, caching headers and TileJSON."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import morecantile
from starlette.concurrency import run_in_threadpool

from app.catalog import COLLECTIONS, Collection
from app.core.db import AsyncEngine, Session, read
from app.errors import InvalidParameterValue, NotFound
from app.repositories import tiles as repo
from app.schemas.ogc import Link
from app.schemas.query import TileFilter
from app.schemas.tiles import TileJSON, TileLayer, TileSet, TileSets, VectorLayer
from app.services.tile_cache import Cached, Tile, TileCache, TileKey

TMS = morecantile.tms.get("WebMercatorQuad")
# Half a screen pixel of a 256-pixel tile: finer detail cannot be seen at that zoom.
SIMPLIFY_PIXELS = 0.5
TILEJSON_MAXZOOM = 16  # clients overzoom beyond; tiles are still served up to TMS.maxzoom
# Revalidate every time: the strong ETag makes that a 304 of a few bytes while nothing changed.
CACHE_CONTROL = "public, no-cache"
EARTH_RADIUS = 6378137.0  # metres: the sphere of Web Mercator (EPSG:3857)
THREAD_BYTES = 64 * 1024  # a tile this large is compressed in a thread, off the event loop


@dataclass(frozen=True)
class Generalised:
    """A layer drawn below ``whole_from`` in the place of a collection's features, which
    would be too many for one tile there; ``filtered`` when it honours the tile filters."""

    layer: str
    whole_from: int
    description: str
    filtered: bool


# The zoom from which each collection is drawn whole, and what stands for it below.
# Zones: 20,000 in Shusha (356 km²) made a z11 tile of 700 KB (z12's largest is 185 KB), so
# below z12 each district's contaminated area today, the union the statistics keep, is drawn,
# simplified for the zoom (a z12 tile is about 7.5 km wide over Azerbaijan). Incidents:
# 20,000 in a box of 0.2 degrees (41 a km²) made tiles of 980 KB at z10 and 630 KB at z11
# (244 KB at z12), so below z12 they are gathered on a grid of 8 screen pixels: a tile then
# holds at most 512 x 512 points, however many incidents there are. Tasks and land released:
# 10,000 tasks of about 100 m in Shusha, each with two records, made land-release tiles of
# 1.1 MB at z10 and 905 KB at z11 (242 KB at z12, the tasks' 91 KB), so below z12 they are
# gathered as the incidents are.
TASKS_WHOLE_FROM = 12
GENERALISED = {
    "contaminated_zones": Generalised(
        repo.AREAS,
        12,
        "Each district's contaminated area today (its zones not yet released, merged), drawn "
        "below zoom 12 in the place of the zones; not drawn when a filter applies to the zones",
        filtered=False,
    ),
    "incidents": Generalised(
        repo.CLUSTERS["incidents"],
        12,
        "The incidents gathered on a grid of 8 screen pixels, drawn below zoom 12 in the place "
        "of the incidents: their number, casualties and first date, after the filters",
        filtered=True,
    ),
    "tasks": Generalised(
        repo.CLUSTERS["tasks"],
        TASKS_WHOLE_FROM,
        f"The tasks gathered by their centre on a grid of 8 screen pixels, drawn below zoom "
        f"{TASKS_WHOLE_FROM} in the place of the tasks: their number, after the filters",
        filtered=True,
    ),
    "land_release": Generalised(
        repo.CLUSTERS["land_release"],
        TASKS_WHOLE_FROM,
        f"The approved land-release records gathered by their centre on a grid of 8 screen "
        f"pixels, drawn below zoom {TASKS_WHOLE_FROM} in the place of the records: their "
        f"number and released area (km²), after the filters",
        filtered=True,
    ),
}
WHOLE_ZONES_ZOOM = GENERALISED["contaminated_zones"].whole_from


def layer_names(collection: Collection | None) -> list[str]:
    """The layers of one collection's tiles, or of the all-layers tiles when None; a 404 for
    a collection the map does not draw."""
    if collection is None:
        return [item.id for item in COLLECTIONS.values() if item.on_map]
    if not collection.on_map:
        raise NotFound(f"collection {collection.id} is not drawn in tiles: read its items")
    return [collection.id]


def _filters(collection: Collection, where: TileFilter) -> bool:
    """Whether a tile filter keeps some of a collection's features out."""
    return (collection.temporal is not None and where.interval is not None) or any(
        collection.get_property(name) for name, _ in where.equals
    )


def _drawn(name: str, z: int, where: TileFilter) -> tuple[str, ...]:
    general = GENERALISED.get(name)
    if general is None or z >= general.whole_from:
        return (name,)
    if not general.filtered and _filters(COLLECTIONS[name], where):
        return ()
    return (general.layer,)


def drawn_layers(names: Sequence[str], z: int, where: TileFilter) -> tuple[str, ...]:
    """The layers a tile at zoom ``z`` draws: each collection whole, or what stands for it
    below the zoom from which it is whole (nothing when it cannot honour the filter)."""
    drawn = tuple(layer for name in names for layer in _drawn(name, z, where))
    return drawn or tuple(GENERALISED[name].layer for name in names)


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
    """The tile's WGS 84 bounds widened by the drawn buffer, kept within the world.

    Web Mercator's inverse by its formula: pyproj (morecantile's ``lnglat``) took 50 µs a
    tile, a twentieth of a cached tile's time.
    """
    left, bottom, right, top = TMS.xy_bounds(morecantile.Tile(x, y, z))
    pad = (right - left) * repo.BUFFER / repo.EXTENT
    world = TMS.xy_bbox
    west, east = max(left - pad, world.left), min(right + pad, world.right)
    south, north = max(bottom - pad, world.bottom), min(top + pad, world.top)
    return (
        max(math.degrees(west / EARTH_RADIUS), -180.0),
        math.degrees(math.atan(math.sinh(south / EARTH_RADIUS))),
        min(math.degrees(east / EARTH_RADIUS), 180.0),
        math.degrees(math.atan(math.sinh(north / EARTH_RADIUS))),
    )


async def fetch_tile(
    engine: AsyncEngine,
    names: Sequence[str],
    tile: tuple[int, int, int],
    where: TileFilter,
    cache: TileCache,
    if_none_match: Iterable[str] = (),
) -> tuple[str, Tile | None]:
    """The tile at (z, x, y) and its strong ETag; one query, on the event loop.

    The tile comes from the cache while its tables are unchanged, else PostGIS builds it. A
    worker without the tile in its cache builds nothing for a client whose copy is current
    (its ETag in ``if_none_match`` names the tables' versions): the tile is then None.
    An empty tile has an empty body.
    """
    z, x, y = tile
    check_tile(z, x, y)
    key = TileKey(drawn_layers(names, z, where), z, x, y, where)
    cached = cache.get(key)
    known = cached.versions if cached else key.versions_in(if_none_match)
    place = search_bounds(z, x, y)
    versions, body = await read(
        engine,
        lambda conn: repo.tile(conn, key.layers, z, x, y, tolerance(z), where, place, known),
    )
    if body is None:  # the tables are at the known versions
        return key.etag(versions), cached.tile if cached else None
    # Compressed once the connection is back in the pool; a large tile in a thread.
    built = Tile.of(body) if len(body) < THREAD_BYTES else await run_in_threadpool(Tile.of, body)
    cache.put(key, Cached(versions, built))
    return key.etag(versions), built


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
        vector_layers=[vector_layer for layer in names for vector_layer in _vector_layers(layer)],
    )


def _vector_layers(name: str) -> list[VectorLayer]:
    """A collection's TileJSON layers: the collection from the zoom it is whole, then what
    stands for it below that zoom."""
    collection = COLLECTIONS[name]
    layer = VectorLayer(
        id=name,
        description=collection.tile_description,
        fields=repo.field_types(collection),
        minzoom=TMS.minzoom,
        maxzoom=TILEJSON_MAXZOOM,
    )
    general = GENERALISED.get(name)
    if general is None:
        return [layer]
    layer.minzoom = general.whole_from
    layer.description += f"; drawn whole from zoom {general.whole_from}"
    stand_in = VectorLayer(
        id=general.layer,
        description=general.description,
        fields=repo.GENERALISED_FIELDS[general.layer],
        minzoom=TMS.minzoom,
        maxzoom=general.whole_from - 1,
    )
    return [layer, stand_in]


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


MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
TILEJSON = "application/vnd.mapbox.tile+json"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
DIMENSIONS = {"Point": 0, "MultiLineString": 1, "MultiPolygon": 2}


def tileset(names: Sequence[str], tiles_url: str, title: str, base: str) -> TileSet:
    """The OGC API - Tiles metadata of the WebMercatorQuad tile set under ``tiles_url``."""
    matrix_set = f"{tiles_url}/WebMercatorQuad"
    return TileSet(
        title=f"{title} ({', '.join(names)}), WebMercatorQuad",
        links=[
            Link(href=matrix_set, rel="self", type=JSON, title="this tile set"),
            Link(
                href=f"{matrix_set}/tilejson.json", rel="alternate", type=TILEJSON, title="TileJSON"
            ),
            Link(
                href=f"{base}/tileMatrixSets/WebMercatorQuad",
                rel=TILING_SCHEME,
                type=JSON,
                title="the tile matrix set",
            ),
            Link(
                href=f"{matrix_set}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
                rel="item",
                type=MVT,
                title="a tile: zoom, row (y), column (x)",
                templated=True,
            ),
        ],
        layers=[
            TileLayer(
                id=layer.id,
                description=layer.description,
                geometryDimension=DIMENSIONS[COLLECTIONS[name].geometry_type],
                minTileMatrix=str(layer.minzoom),
                maxTileMatrix=str(TMS.maxzoom if layer.id == name else layer.maxzoom),
            )
            for name in names
            for layer in _vector_layers(name)
        ],
    )


def tilesets(names: Sequence[str], tiles_url: str, title: str, base: str) -> TileSets:
    """The OGC API - Tiles list of tile sets at ``tiles_url`` (one: WebMercatorQuad)."""
    return TileSets(
        links=[Link(href=tiles_url, rel="self", type=JSON, title="tile sets")],
        tilesets=[tileset(names, tiles_url, title, base)],
    )


def tile_matrix_sets(base: str) -> dict[str, object]:
    """The tile matrix sets the tiles are served in: WebMercatorQuad."""
    return {
        "tileMatrixSets": [
            {
                "id": "WebMercatorQuad",
                "title": TMS.title,
                "uri": TMS.uri,
                "links": [
                    Link(
                        href=f"{base}/tileMatrixSets/WebMercatorQuad",
                        rel="self",
                        type=JSON,
                        title="WebMercatorQuad",
                    ).model_dump(exclude_none=True)
                ],
            }
        ]
    }


def tile_matrix_set(matrix_set_id: str) -> dict[str, object]:
    """The definition of a tile matrix set (OGC 2D TileMatrixSet 2.0), or a 404."""
    if matrix_set_id != "WebMercatorQuad":
        raise NotFound(f"no tile matrix set {matrix_set_id!r}; the only one is WebMercatorQuad")
    document: dict[str, object] = TMS.model_dump(mode="json", exclude_none=True)
    return document
