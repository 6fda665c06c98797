"""Collections, their items and queryables (OGC API - Features Parts 1-3)."""

from dataclasses import replace
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from app.api.deps import (
    FEATURE_FORMATS,
    CollectionDep,
    EngineDep,
    FeatureIdPath,
    ItemQueryDep,
    ItemsQueryDep,
    JsonOnly,
    JsonOrHtml,
    SessionDep,
    formats,
)
from app.api.render import base_url, own_url, respond, templates
from app.catalog import Collection
from app.core.db import read
from app.core.responses import JSONResponse
from app.crs import STORAGE
from app.schemas.ogc import CollectionInfo, Collections, Queryables
from app.services import collections as service
from app.services import editing, exports, features

router = APIRouter(prefix="/collections", tags=["OGC API - Features"])
FeatureFormat = Annotated[str, formats(*FEATURE_FORMATS)]
FEATURES_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/geo+json": {},
            "text/csv": {},
            "text/html": {},
            "application/geo+json-seq": {},
            "application/geopackage+sqlite3": {},
            "application/octet-stream": {"description": "FlatGeobuf (f=fgb)"},
        }
    },
}


@router.get("", response_model=Collections)
def list_collections(request: Request, session: SessionDep, fmt: JsonOrHtml) -> Response:
    """Every collection with its extent and links."""
    data = service.list_collections(session, base_url(request))
    return respond(request, data, fmt, "ogc/collections.html")


@router.get("/{collectionId}", response_model=CollectionInfo)
def describe_collection(
    collection: CollectionDep, request: Request, session: SessionDep, fmt: JsonOrHtml
) -> Response:
    """One collection: extent, supported CRSs and links."""
    data = service.describe(session, collection, base_url(request))
    return respond(request, data, fmt, "ogc/collection.html")


SCHEMA_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/schema+json": {}, "text/html": {}}}
}


@router.get("/{collectionId}/queryables", response_model=Queryables, responses=SCHEMA_RESPONSE)
def queryables(collection: CollectionDep, request: Request, fmt: JsonOrHtml) -> Response:
    """A JSON Schema of the properties usable in filters, sortby and equality parameters."""
    return respond(
        request,
        service.queryables(collection, base_url(request)),
        fmt,
        "ogc/queryables.html",
        media_type="application/schema+json",
    )


@router.get("/{collectionId}/schema", responses=SCHEMA_RESPONSE)
def feature_schema(collection: CollectionDep, request: Request, fmt: JsonOnly) -> Response:
    """A JSON Schema of one feature of the collection, with each property's type."""
    schema = service.feature_schema(collection, base_url(request))
    return JSONResponse(schema, media_type="application/schema+json")


@router.get("/{collectionId}/items", responses=FEATURES_RESPONSE)
async def items(
    collection: CollectionDep,
    query: ItemsQueryDep,
    fmt: FeatureFormat,
    request: Request,
    session: SessionDep,
    engine: EngineDep,
) -> Response:
    """Features, filtered by bbox, datetime, property equality or CQL2, sorted and paged.

    The GeoJSON is built by PostGIS; ``numberMatched`` is exact up to 100,000. A small page
    is read on the event loop in one statement; a large one, CSV and files in a thread.
    """
    if fmt in exports.DRIVERS:
        if "limit" not in request.query_params:  # a file for offline work: every feature
            query = replace(query, limit=exports.EVERY_FEATURE)
        timeout = request.app.state.settings.export_timeout_s
        written = await run_in_threadpool(
            exports.items_file, session, collection, query, fmt, timeout
        )
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
    page = None
    if features.on_event_loop(fmt, query):
        page = await read(
            engine, lambda conn: features.items_async(conn, collection, query, fmt, url, params)
        )
    if page is None:  # large, CSV, or too many bytes to hold: spooled in a thread
        page = await run_in_threadpool(features.items, session, collection, query, fmt, url, params)
    if query.clamped_from is not None:
        page.headers["X-Limit-Clamped"] = f"{query.clamped_from} requested, {query.limit} served"
    if fmt == "html":  # rendered in a thread: a page of 10,000 features takes a while
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


@router.get("/{collectionId}/items/{featureId}", responses=FEATURES_RESPONSE)
async def item(
    collection: CollectionDep,
    feature_id: FeatureIdPath,
    query: ItemQueryDep,
    fmt: JsonOrHtml,
    request: Request,
    engine: EngineDep,
) -> Response:
    """One feature, with a strong ETag of its version: send it back in If-Match to change it.

    One query on the event loop, as a tile's.
    """
    url = own_url(request)
    body, version = await read(
        engine, lambda conn: features.item_async(conn, collection, feature_id, query, url)
    )
    headers = {
        "Content-Crs": f"<{(query.crs or STORAGE).uri}>",
        "ETag": editing.representation_tag(version, fmt, request.url.query),
        "Vary": "Accept",  # HTML for a browser, GeoJSON otherwise
    }
    if fmt == "html":
        return templates.TemplateResponse(
            request,
            "ogc/item.html",
            {"data": orjson.loads(body), "collection": collection, "base": base_url(request)},
            headers=headers,
        )
    return Response(body, media_type="application/geo+json", headers=headers)
