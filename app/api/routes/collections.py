"""Collections, their items and queryables (OGC API - Features Parts 1-3)."""

from dataclasses import replace
from typing import Annotated

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from app import formats
from app.api.deps import (
    CollectionDep,
    DocumentFormat,
    DraftsOf,
    FeatureFormat,
    FeatureIdPath,
    FeaturesFormat,
    ItemQueryDep,
    ItemsQueryDep,
    SchemaFormat,
    SessionDep,
    in_session,
    one_statement,
)
from app.api.deps import formats as formats_of
from app.api.render import base_url, own_url, respond, templates
from app.catalog import Collection
from app.core.db import on_loop
from app.core.responses import JSONResponse
from app.crs import STORAGE
from app.formats import Format
from app.schemas.ogc import CollectionInfo, Collections, Queryables
from app.services import collections as service
from app.services import editing, exports, features

router = APIRouter(prefix="/collections", tags=["OGC API - Features"])
# An answer that shows a key's drafts is for that key's holder alone.
PRIVATE = {"Cache-Control": "private, no-cache", "Vary": "Accept, Authorization, X-API-Key"}


@router.get("", response_model=Collections)
@in_session
def list_collections(request: Request, session: SessionDep, fmt: DocumentFormat) -> Response:
    """Every collection with its extent and links."""
    data = service.list_collections(session, base_url(request))
    return respond(request, data, fmt, "ogc/collections.html")


@router.get("/{collectionId}", response_model=CollectionInfo)
@in_session
def describe_collection(
    collection: CollectionDep, request: Request, session: SessionDep, fmt: DocumentFormat
) -> Response:
    """One collection: extent, supported CRSs and links."""
    data = service.describe(session, collection, base_url(request))
    return respond(request, data, fmt, "ogc/collection.html")


@router.get(
    "/{collectionId}/queryables",
    response_model=Queryables,
    responses=formats.responses(formats.SCHEMA_DOCUMENT),
)
def queryables(collection: CollectionDep, request: Request, fmt: SchemaFormat) -> Response:
    """A JSON Schema of the properties usable in filters, sortby and equality parameters."""
    return respond(
        request,
        service.queryables(collection, base_url(request)),
        fmt,
        "ogc/queryables.html",
    )


SchemaOnly = Annotated[Format, formats_of((formats.SCHEMA,))]


@router.get("/{collectionId}/schema", responses=formats.responses((formats.SCHEMA,)))
def feature_schema(collection: CollectionDep, request: Request, fmt: SchemaOnly) -> Response:
    """A JSON Schema of one feature of the collection, with each property's type."""
    schema = service.feature_schema(collection, base_url(request))
    return JSONResponse(schema, media_type=fmt.media_type)


@router.get(
    "/{collectionId}/items", response_class=Response, responses=formats.responses(formats.FEATURES)
)
@one_statement
async def items(
    collection: CollectionDep,
    query: ItemsQueryDep,
    fmt: FeaturesFormat,
    request: Request,
    session: SessionDep,
    drafts_of: DraftsOf,
) -> Response:
    """Features, filtered by bbox, datetime, property equality or CQL2, sorted and paged.

    The GeoJSON is built by PostGIS; ``numberMatched`` is exact up to 1,000. A small page
    is read in one statement; a large one and CSV are spooled; a file is written in a thread.
    Reports not yet approved are shown to the keys that may see them only.
    """
    if collection.approval and drafts_of is not None:
        query = replace(query, drafts_of=drafts_of)
    if fmt.kind == "file":
        if "limit" not in request.query_params:  # a file for offline work: every feature
            query = replace(query, limit=exports.EVERY_FEATURE)
        timeout = request.app.state.settings.export_timeout_s
        written = await on_loop(exports.items_file, session, collection, query, fmt, timeout)
        return FileResponse(
            written.path,
            media_type=written.media_type,
            filename=written.filename,
            background=BackgroundTask(written.folder.cleanup),
        )
    params = {key: value for key, value in request.query_params.items() if key != "offset"}
    if query.offset:
        params["offset"] = str(query.offset)
    url = own_url(request)
    page = await on_loop(features.items, session, collection, query, fmt, url, params)
    if query.drafts_of is not None:
        page.headers |= PRIVATE
    if query.clamped_from is not None:
        page.headers["X-Limit-Clamped"] = f"{query.clamped_from} requested, {query.limit} served"
    if fmt.kind == "html":  # rendered in a thread: a page of 10,000 features takes a while
        return await run_in_threadpool(_items_html, request, collection, page)
    if not page.spool:  # small, in memory: one send, no thread
        return Response(b"".join(page.body), media_type=page.media_type, headers=page.headers)
    return StreamingResponse(page.body, media_type=page.media_type, headers=page.headers)


def _items_html(request: Request, collection: Collection, page: features.Page) -> Response:
    """The page of features as HTML: a table and a map."""
    return templates.TemplateResponse(
        request,
        "ogc/items.html",
        {
            "data": orjson.loads(b"".join(page.body)),
            "collection": collection,
            "base": base_url(request),
        },
        headers=page.headers,
    )


@router.get(
    "/{collectionId}/items/{featureId}",
    response_class=Response,
    responses=formats.responses(formats.FEATURE),
)
@one_statement
async def item(
    collection: CollectionDep,
    feature_id: FeatureIdPath,
    query: ItemQueryDep,
    fmt: FeatureFormat,
    request: Request,
    session: SessionDep,
    drafts_of: DraftsOf,
) -> Response:
    """One feature, with a strong ETag of its version: send it back in If-Match to change it.

    One statement, its own snapshot, as a tile's.
    """
    if collection.approval and drafts_of is not None:
        query = replace(query, drafts_of=drafts_of)
    url = own_url(request)
    body, version = await on_loop(features.item, session, collection, feature_id, query, url)
    headers = {
        "Content-Crs": f"<{(query.crs or STORAGE).uri}>",
        "ETag": editing.representation_tag(version, fmt.name, request.url.query),
        "Vary": "Accept",  # HTML for a browser, GeoJSON otherwise
    } | (PRIVATE if query.drafts_of is not None else {})
    if fmt.kind == "html":
        return templates.TemplateResponse(
            request,
            "ogc/item.html",
            {"data": orjson.loads(body), "collection": collection, "base": base_url(request)},
            headers=headers,
        )
    return Response(body, media_type=fmt.media_type, headers=headers)
