"""Vector tiles (OGC API - Tiles, WebMercatorQuad) and their TileJSON."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.api.deps import CollectionDep, SessionDep, TileFilterDep
from app.api.render import own_url
from app.schemas.query import TileFilter
from app.schemas.tiles import TileJSON, TileSets
from app.services import tiles

router = APIRouter(tags=["Tiles"])

MVT = "application/vnd.mapbox-vector-tile"
TILE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {MVT: {}}, "description": "A Mapbox Vector Tile"},
    204: {"description": "The tile holds no feature"},
    304: {"description": "The tile has not changed (If-None-Match)"},
    400: {"description": "z, x or y outside the tile matrix set, or a bad filter"},
}
ZoomPath = Annotated[int, Path(description="zoom level (tile matrix), 0-24")]
ColumnPath = Annotated[int, Path(description="tile column, 0 to 2^z - 1, west to east")]
RowPath = Annotated[int, Path(description="tile row, 0 to 2^z - 1, north to south")]
FILTERS_TEXT = (
    " Filters: datetime (zones by recorded_on/released_on, incidents by occurred_on, the line"
    " by valid_from/valid_to; districts are always kept) and equality on the enumerated"
    " properties: kind (districts); hazard_class, risk_level, status (zones); device, activity,"
    " victim_category, location_accuracy (incidents). Other parameters answer 400."
)


def _tile_response(
    session: SessionDep, names: list[str], z: int, x: int, y: int, where: TileFilter
) -> Response:
    """The MVT response, 204 when empty; the ETag and 304 come from the caching middleware."""
    content = tiles.get_tile(session, names, z, x, y, where)
    headers = {"Cache-Control": tiles.CACHE_CONTROL}
    if not content:
        return Response(status_code=204, headers=headers)
    return Response(content, media_type=MVT, headers=headers)


def _tilejson(session: SessionDep, request: Request, names: list[str], name: str) -> TileJSON:
    """TileJSON whose ``tiles`` template carries the request's filters along."""
    template = own_url(request) + "/{z}/{x}/{y}"
    if request.url.query:
        template += f"?{request.url.query}"
    return tiles.tilejson(session, names, template, name)


@router.get(
    "/collections/{collectionId}/tiles/WebMercatorQuad/{z}/{x}/{y}",
    response_class=Response,
    responses=TILE_RESPONSES,
    summary="A vector tile of one collection",
    description="One MVT layer named after the collection; empty tiles answer 204." + FILTERS_TEXT,
)
def get_collection_tile(
    session: SessionDep,
    collection: CollectionDep,
    z: ZoomPath,
    x: ColumnPath,
    y: RowPath,
    where: TileFilterDep,
) -> Response:
    """A vector tile of one collection."""
    return _tile_response(session, tiles.layer_names(collection), z, x, y, where)


@router.get(
    "/collections/{collectionId}/tiles/WebMercatorQuad",
    response_model=TileJSON,
    summary="TileJSON of one collection's vector tiles",
)
def get_collection_tilejson(
    session: SessionDep, request: Request, collection: CollectionDep, where: TileFilterDep
) -> TileJSON:
    """TileJSON 3.0.0 of one collection's vector tiles: URL template, bounds, fields."""
    return _tilejson(session, request, tiles.layer_names(collection), collection.id)


@router.get(
    "/tiles/WebMercatorQuad/{z}/{x}/{y}",
    response_class=Response,
    responses=TILE_RESPONSES,
    summary="A vector tile of every collection",
    description="One MVT layer per collection; empty tiles answer 204." + FILTERS_TEXT,
)
def get_tile(
    session: SessionDep, z: ZoomPath, x: ColumnPath, y: RowPath, where: TileFilterDep
) -> Response:
    """A vector tile with every collection as a layer."""
    return _tile_response(session, tiles.layer_names(None), z, x, y, where)


@router.get(
    "/tiles/WebMercatorQuad",
    response_model=TileJSON,
    summary="TileJSON of the vector tiles of every collection",
)
def get_tilejson(session: SessionDep, request: Request, where: TileFilterDep) -> TileJSON:
    """TileJSON 3.0.0 of the all-collections vector tiles."""
    return _tilejson(session, request, tiles.layer_names(None), "contamap")


@router.get("/collections/{collectionId}/tiles", response_model=TileSets)
def get_collection_tilesets(request: Request, collection: CollectionDep) -> TileSets:
    """The tile sets of one collection (OGC API - Tiles)."""
    return tiles.tilesets(tiles.layer_names(collection), own_url(request), collection.id)


@router.get("/tiles", response_model=TileSets)
def get_tilesets(request: Request) -> TileSets:
    """The tile sets with every collection as a layer (OGC API - Tiles)."""
    return tiles.tilesets(tiles.layer_names(None), own_url(request), "Contamap")
