"""Collections, their items and queryables (OGC API - Features Parts 1-3)."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import StreamingResponse

from app.api.deps import SessionDep
from app.api.openapi_params import ITEMS_PARAMETERS
from app.api.params import negotiate_format, parse_items_query, reject_unknown
from app.api.render import base_url, own_url, respond, templates
from app.core.responses import JSONResponse
from app.models.catalog import get_collection
from app.schemas.ogc import CollectionInfo, Collections, Queryables
from app.services import collections as service
from app.services import features
from app.services.crs import STORAGE

router = APIRouter(prefix="/collections", tags=["OGC API - Features"])
JSON_OR_HTML = ("json", "html")
# The standard's parameter names: GDAL reads the items path of the OpenAPI document by them.
CollectionId = Annotated[str, Path(alias="collectionId")]
FeatureId = Annotated[str, Path(alias="featureId")]
FEATURES_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/geo+json": {},
            "text/csv": {},
            "text/html": {},
            "application/geo+json-seq": {},
        }
    },
}


@router.get("", response_model=Collections)
def list_collections(request: Request, session: SessionDep) -> Response:
    """Every collection with its extent and links."""
    reject_unknown(request, {"f"})
    fmt = negotiate_format(request, JSON_OR_HTML)
    data = service.list_collections(session, base_url(request))
    return respond(request, data, fmt, "ogc/collections.html")


@router.get("/{collectionId}", response_model=CollectionInfo)
def describe_collection(
    collection_id: CollectionId, request: Request, session: SessionDep
) -> Response:
    """One collection: extent, supported CRSs and links."""
    collection = get_collection(collection_id)
    reject_unknown(request, {"f"})
    fmt = negotiate_format(request, JSON_OR_HTML)
    data = service.describe(session, collection, base_url(request))
    return respond(request, data, fmt, "ogc/collection.html")


@router.get("/{collectionId}/queryables", response_model=Queryables)
def queryables(collection_id: CollectionId, request: Request) -> Response:
    """A JSON Schema of the properties usable in filters, sortby and equality parameters."""
    collection = get_collection(collection_id)
    reject_unknown(request, {"f"})
    fmt = negotiate_format(request, JSON_OR_HTML)
    return respond(
        request,
        service.queryables(collection, base_url(request)),
        fmt,
        "ogc/queryables.html",
        media_type="application/schema+json",
    )


@router.get("/{collectionId}/schema")
def feature_schema(collection_id: CollectionId, request: Request) -> Response:
    """A JSON Schema of one feature of the collection, with each property's type."""
    collection = get_collection(collection_id)
    reject_unknown(request, {"f"})
    negotiate_format(request, ("json",))
    schema = service.feature_schema(collection, base_url(request))
    return JSONResponse(schema, media_type="application/schema+json")


@router.get(
    "/{collectionId}/items",
    responses=FEATURES_RESPONSE,
    openapi_extra={"parameters": ITEMS_PARAMETERS},
)
def items(collection_id: CollectionId, request: Request, session: SessionDep) -> Response:
    """Features, filtered by bbox, datetime, property equality or CQL2, sorted and paged.

    The GeoJSON is built by PostGIS and streamed; ``numberMatched`` is exact up to 100,000.
    """
    collection = get_collection(collection_id)
    settings = request.app.state.settings
    query, clamped = parse_items_query(
        request, collection, settings.max_limit, settings.default_limit
    )
    fmt = negotiate_format(request)
    params = {key: value for key, value in request.query_params.items() if key != "offset"}
    if query.offset:
        params["offset"] = str(query.offset)
    page = features.items(session, collection, query, fmt, own_url(request), params)
    if clamped is not None:
        page.headers["X-Limit-Clamped"] = f"{clamped} requested, {query.limit} served"
    if fmt == "html":
        data = orjson.loads(b"".join(page.body))
        return templates.TemplateResponse(
            request,
            "ogc/items.html",
            {"data": data, "collection": collection, "base": base_url(request)},
            headers=page.headers,
        )
    return StreamingResponse(page.body, media_type=page.media_type, headers=page.headers)


@router.get("/{collectionId}/items/{featureId}", responses=FEATURES_RESPONSE)
def item(
    collection_id: CollectionId, feature_id: FeatureId, request: Request, session: SessionDep
) -> Response:
    """One feature."""
    collection = get_collection(collection_id)
    reject_unknown(request, {"f", "crs", "properties", "precision", "skipGeometry"})
    query, _ = parse_items_query(request, collection, 1, 1)
    fmt = negotiate_format(request, JSON_OR_HTML)
    body = features.item(session, collection, feature_id, query, own_url(request))
    headers = {"Content-Crs": f"<{(query.crs or STORAGE).uri}>"}
    if fmt == "html":
        return templates.TemplateResponse(
            request,
            "ogc/item.html",
            {"data": orjson.loads(body), "collection": collection, "base": base_url(request)},
            headers=headers,
        )
    return Response(body, media_type="application/geo+json", headers=headers)
