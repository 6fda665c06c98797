"""Vector tiles (OGC API - Tiles, WebMercatorQuad), their tile sets and TileJSON."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.deps import CollectionDep, EngineDep, SessionDep, TileFilterDep, in_session
from app.api.encoding import accepts_gzip
from app.api.render import base_url, own_url
from app.core.responses import JSONResponse
from app.schemas.query import TileFilter
from app.schemas.tiles import TileJSON, TileSet, TileSets
from app.services import tiles
from app.services.tile_cache import TileCache, gzip_etag

router = APIRouter(tags=["Tiles"])

TILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {tiles.MVT: {}}, "description": "A Mapbox Vector Tile"},
    204: {"description": "The tile holds no feature"},
    304: {"description": "The tile has not changed (If-None-Match)"},
    400: {"description": "the tile matrix, row or column is outside the set, or a bad filter"},
}
# OGC API - Tiles: the row (y, north to south) comes before the column (x, west to east).
MatrixPath = Annotated[int, Path(alias="tileMatrix", description="zoom level, 0-24")]
RowPath = Annotated[int, Path(alias="tileRow", description="tile row (y), 0 to 2^z - 1")]
ColumnPath = Annotated[int, Path(alias="tileCol", description="tile column (x), 0 to 2^z - 1")]
FILTERS_TEXT = (
    " Filters: datetime (zones by recorded_on/released_on, incidents by occurred_on, the line"
    " by valid_from/valid_to; districts are always kept) and equality on the enumerated"
    " properties: kind (districts); hazard_class, risk_level, status (zones); device, activity,"
    " victim_category, location_accuracy (incidents). Other parameters answer 400."
)


async def tile_cache(request: Request) -> TileCache:
    """This worker's tile cache."""
    cache: TileCache = request.app.state.tile_cache
    return cache


CacheDep = Annotated[TileCache, Depends(tile_cache)]


async def _tile_response(
    request: Request,
    engine: AsyncEngine,
    cache: TileCache,
    names: list[str],
    tile: tuple[int, int, int],
    where: TileFilter,
) -> Response:
    """The MVT (204 when empty) with a strong ETag from the data version; 304 when unchanged.

    It runs on the event loop, in one query: the data's versions, and the tile unless the
    cached one, or the client's, is still current.
    """
    z, y, x = tile
    if_none_match = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    etag, found = await tiles.fetch_tile(engine, names, (z, x, y), where, cache, if_none_match)
    headers = {"Cache-Control": tiles.CACHE_CONTROL}
    if found is None:  # the client's copy is current; this worker has not built the tile
        matched = etag if etag in if_none_match else gzip_etag(etag)
        return Response(status_code=304, headers=headers | {"ETag": matched})
    body = found.body
    if found.gzipped is not None:  # a tile worth compressing: its two encodings
        headers["Vary"] = "Accept-Encoding"
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            # Other bytes, so another strong ETag (as Apache's mod_deflate does it).
            body, etag = found.gzipped, gzip_etag(etag)
            headers["Content-Encoding"] = "gzip"  # compressed once, when the tile was built
    headers["ETag"] = etag
    if etag in if_none_match:
        return Response(status_code=304, headers=headers)
    if not body:
        return Response(status_code=204, headers=headers)
    return Response(body, media_type=tiles.MVT, headers=headers)


def _tilejson(session: SessionDep, request: Request, names: list[str], name: str) -> TileJSON:
    """TileJSON whose ``tiles`` template carries the request's filters along."""
    template = own_url(request).removesuffix("/tilejson.json") + "/{z}/{y}/{x}"
    if request.url.query:
        template += f"?{request.url.query}"
    return tiles.tilejson(session, names, template, name)


@router.get(
    "/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
    response_class=Response,
    responses=TILE_RESPONSES,
    summary="A vector tile of one collection",
    description="One MVT layer named after the collection; empty tiles answer 204." + FILTERS_TEXT,
)
async def get_collection_tile(
    request: Request,
    engine: EngineDep,
    cache: CacheDep,
    collection: CollectionDep,
    z: MatrixPath,
    y: RowPath,
    x: ColumnPath,
    where: TileFilterDep,
) -> Response:
    """A vector tile of one collection."""
    names = tiles.layer_names(collection)
    return await _tile_response(request, engine, cache, names, (z, y, x), where)


@router.get(
    "/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
    response_class=Response,
    responses=TILE_RESPONSES,
    summary="A vector tile of every collection",
    description="One MVT layer per collection; empty tiles answer 204." + FILTERS_TEXT,
)
async def get_tile(
    request: Request,
    engine: EngineDep,
    cache: CacheDep,
    z: MatrixPath,
    y: RowPath,
    x: ColumnPath,
    where: TileFilterDep,
) -> Response:
    """A vector tile with every collection as a layer."""
    names = tiles.layer_names(None)
    return await _tile_response(request, engine, cache, names, (z, y, x), where)


@router.get(
    "/collections/{collectionId}/tiles/WebMercatorQuad/tilejson.json",
    response_model=TileJSON,
    summary="TileJSON of one collection's vector tiles",
)
@in_session
def get_collection_tilejson(
    session: SessionDep, request: Request, collection: CollectionDep, where: TileFilterDep
) -> TileJSON:
    """TileJSON 3.0.0 of one collection's vector tiles: URL template, bounds, fields."""
    return _tilejson(session, request, tiles.layer_names(collection), collection.id)


@router.get(
    "/tiles/WebMercatorQuad/tilejson.json",
    response_model=TileJSON,
    summary="TileJSON of the vector tiles of every collection",
)
@in_session
def get_tilejson(session: SessionDep, request: Request, where: TileFilterDep) -> TileJSON:
    """TileJSON 3.0.0 of the all-collections vector tiles (what the web map reads)."""
    return _tilejson(session, request, tiles.layer_names(None), "contamap")


@router.get("/collections/{collectionId}/tiles/WebMercatorQuad", response_model=TileSet)
def get_collection_tileset(request: Request, collection: CollectionDep) -> TileSet:
    """The tile set metadata of one collection's vector tiles (OGC API - Tiles)."""
    tiles_url = own_url(request).removesuffix("/WebMercatorQuad")
    return tiles.tileset(tiles.layer_names(collection), tiles_url, collection.id, base_url(request))


@router.get("/tiles/WebMercatorQuad", response_model=TileSet)
def get_tileset(request: Request) -> TileSet:
    """The tile set metadata of the all-collections vector tiles (OGC API - Tiles)."""
    tiles_url = own_url(request).removesuffix("/WebMercatorQuad")
    return tiles.tileset(tiles.layer_names(None), tiles_url, "Contamap", base_url(request))


@router.get("/collections/{collectionId}/tiles", response_model=TileSets)
def get_collection_tilesets(request: Request, collection: CollectionDep) -> TileSets:
    """The tile sets of one collection (OGC API - Tiles)."""
    names = tiles.layer_names(collection)
    return tiles.tilesets(names, own_url(request), collection.id, base_url(request))


@router.get("/tiles", response_model=TileSets)
def get_tilesets(request: Request) -> TileSets:
    """The tile sets with every collection as a layer (OGC API - Tiles)."""
    names = tiles.layer_names(None)
    return tiles.tilesets(names, own_url(request), "Contamap", base_url(request))


@router.get("/tileMatrixSets")
def get_tile_matrix_sets(request: Request) -> Response:
    """The tile matrix sets tiles are served in (OGC API - Tiles): WebMercatorQuad."""
    return JSONResponse(tiles.tile_matrix_sets(base_url(request)))


@router.get("/tileMatrixSets/{tileMatrixSetId}")
def get_tile_matrix_set(
    matrix_set_id: Annotated[str, Path(alias="tileMatrixSetId")],
) -> Response:
    """The definition of a tile matrix set (OGC Two Dimensional Tile Matrix Set 2.0)."""
    return JSONResponse(tiles.tile_matrix_set(matrix_set_id))
