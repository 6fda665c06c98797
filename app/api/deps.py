"""Shared dependencies: the request's session and every query parameter, each validated once.

Parameters are declared with ``Query``, so the OpenAPI document is generated from them.
Only the per-collection equality filters (``?risk_level=high``) are read from the raw query
string, since their names depend on the collection.
"""

import math
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.utils import get_flat_params
from fastapi.params import Query as QueryParameter
from fastapi.routing import APIRoute
from pydantic import BeforeValidator
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from app.api.security import key_attempt
from app.catalog import COLLECTIONS, Collection, ContaminationType, RiskLevel, ZoneStatus
from app.catalog import get_collection as find_collection
from app.crs import SUPPORTED, Crs, parse_crs
from app.errors import InvalidParameterValue, Unauthorized, UnknownParameter
from app.schemas.query import BBox, Interval, ItemsQuery, SortKey, TileFilter, parse_date
from app.schemas.stats import ZoneFilter
from app.services.auth import Caller, authenticate

LIMIT_DEFAULT = 10
LIMIT_MAX = 10_000  # a larger limit is served as this (the standard says: not an error)
OFFSET_MAX = 1_000_000_000
READS = ("GET", "HEAD")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: read-only for GET and HEAD; it commits on success.

    It is made on the event loop (a session connects only when first used); its commit or
    rollback goes to a thread, and only when the route did use the database.
    """
    state = request.app.state
    factory = state.read_sessionmaker if request.method in READS else state.sessionmaker
    session: Session = factory()
    try:
        yield session
    except BaseException:
        await _end(session, session.rollback)
        raise
    await _end(session, session.commit)


async def _end(session: Session, end: Callable[[], None]) -> None:
    """Commit or roll back, in a thread, when a transaction is open; then close the session."""
    try:
        if session.in_transaction():
            await run_in_threadpool(end)
    finally:
        session.close()


# The session ends with the route function, before the response is sent: a route reads all
# it needs first, so a client reading slowly (or not at all) never holds a connection.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def async_engine(request: Request) -> AsyncEngine:
    """This worker's asyncio engine of read-only connections, for the hot reads."""
    engine: AsyncEngine = request.app.state.async_engine
    return engine


EngineDep = Annotated[AsyncEngine, Depends(async_engine)]


def _comma_separated(value: Any) -> Any:
    """``a,b,c`` as a list (a parameter is one comma-separated value: style form, no explode).

    FastAPI gathers a list parameter's repetitions; ``reject_unknown`` refused those before.
    """
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        return [item.strip() for item in value.split(",")]
    return value


CommaSeparated = BeforeValidator(_comma_separated)


# Parameters shared by several endpoints ---------------------------------------------------


MEDIA_FORMATS = {
    "application/geo+json": "json",
    "application/json": "json",
    "text/html": "html",
    "text/csv": "csv",
    "application/geo+json-seq": "geojsonseq",
}


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """(quality, -position, media type) for each media range of an Accept header."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((quality, -position, media.lower()))
    return ranges


def negotiate(request: Request, requested: str | None, allowed: tuple[str, ...]) -> str:
    """The output format: ``f`` when given, else the best of the Accept header, else JSON."""
    if requested is not None:
        if requested not in allowed:
            raise InvalidParameterValue(f"f={requested!r}: use one of {', '.join(allowed)}")
        return requested
    for quality, _, media in sorted(_accepted(request.headers.get("accept", "")), reverse=True):
        fmt = "json" if media in ("*/*", "application/*") else MEDIA_FORMATS.get(media)
        if quality > 0 and fmt in allowed:
            return fmt
    return "json"


def formats(*allowed: str) -> Any:
    """A dependency: the negotiated format among ``allowed``."""

    async def negotiated(
        request: Request,
        f: Annotated[
            Literal[allowed] | None,  # type: ignore[valid-type]
            Query(description="output format; without it, the Accept header decides, else JSON"),
        ] = None,
    ) -> str:
        return negotiate(request, f, allowed)

    return Depends(negotiated)


FEATURE_FORMATS = ("json", "html", "csv", "geojsonseq", "gpkg", "fgb")
JsonOrHtml = Annotated[str, formats("json", "html")]
JsonOnly = Annotated[str, formats("json")]


async def get_collection(
    collection_id: Annotated[
        str, Path(alias="collectionId", description="the collection's id: districts, ...")
    ],
) -> Collection:
    """The collection named in the path, or a 404 listing the known ones."""
    return find_collection(collection_id)


CollectionDep = Annotated[Collection, Depends(get_collection)]
# The standard's parameter name: GDAL reads the items path of the OpenAPI document by it.
FeatureIdPath = Annotated[str, Path(alias="featureId", description="the feature's id")]


def presented_key(request: Request) -> str | None:
    """The API key sent as ``Authorization: Bearer`` or as ``X-API-Key`` (QGIS's header)."""
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("x-api-key") or None


def caller_of(request: Request, session: Session) -> Caller | None:
    """Who the request's key names (None without one); a 401 for a wrong or revoked key."""
    return authenticate(session, presented_key(request), key_attempt(request))


OPEN_WHEN_KEYED = ("/health",)  # load balancers' probes carry no key


def read_key(request: Request, session: SessionDep) -> None:
    """With CONTAMAP_READ_REQUIRES_KEY, every read needs a valid key too (any role).

    Only an app with that setting depends on it: without it, reads cost no session.
    """
    if request.method not in READS or request.url.path in OPEN_WHEN_KEYED:
        return
    if caller_of(request, session) is None:
        raise Unauthorized("reading needs an API key here: Authorization: Bearer <key>")


def parse_content_crs(header: str | None) -> Crs:
    """The CRS of a written body, from ``Content-Crs: <uri>``; CRS84 when absent."""
    return parse_crs(header.strip().strip("<>") if header else None, "Content-Crs")


def parse_sortby(keys: list[str] | None, allowed: tuple[str, ...]) -> tuple[SortKey, ...]:
    """``-a,+b,c``: each key a field, ``-`` first for descending; ``+`` (or a space) ascending.

    A ``+`` that reached us as a space (unencoded in the URL) still means ascending.
    """
    if keys in (None, [""]):  # sortby= says nothing
        return ()
    parsed = []
    for key in keys or ():
        name = key.lstrip("+-").strip()
        if not name:
            raise InvalidParameterValue("sortby: an empty sort key")
        if name not in allowed:
            raise InvalidParameterValue(
                f"sortby: unknown field {name!r}; use one of {', '.join(allowed)}, "
                "with a leading '-' for descending order"
            )
        parsed.append(SortKey(name, ascending=not key.startswith("-")))
    return tuple(parsed)


SortbyQuery = Annotated[
    list[str] | None,
    CommaSeparated,
    Query(description="fields, each with '-' for descending or '+' for ascending: -a,+b"),
]


# The items parameters (OGC API - Features Parts 1-3) ---------------------------------------


async def bbox(
    values: Annotated[
        list[float] | None,
        CommaSeparated,
        Query(
            alias="bbox",
            json_schema_extra={"minItems": 4, "maxItems": 6},
            description=(
                "minx,miny,maxx,maxy (or minx,miny,minz,maxx,maxy,maxz) in bbox-crs, CRS84 by "
                "default; a box whose minx is greater than its maxx crosses the antimeridian"
            ),
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs",
            description="CRS of bbox",
            json_schema_extra={"format": "uri", "enum": list(SUPPORTED)},
        ),
    ] = None,
) -> BBox | None:
    """``bbox`` as 4 or 6 numbers in ``bbox-crs``, checked."""
    if values is None:
        if bbox_crs is not None:
            raise InvalidParameterValue("bbox-crs is given without bbox")
        return None
    crs = parse_crs(bbox_crs, "bbox-crs")
    if len(values) not in (4, 6):
        raise InvalidParameterValue(f"bbox needs 4 or 6 numbers, got {len(values)}")
    if not all(math.isfinite(number) for number in values):
        raise InvalidParameterValue("bbox values must be finite numbers")
    half = len(values) // 2
    if half == 3 and values[2] > values[5]:
        raise InvalidParameterValue("bbox minimum z is greater than maximum z")
    a, b, c, d = values[0], values[1], values[half], values[half + 1]
    minx, miny, maxx, maxy = (b, a, d, c) if crs.lat_first else (a, b, c, d)
    if crs.geographic:
        if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
            raise InvalidParameterValue("bbox latitude must be between -90 and 90")
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
            raise InvalidParameterValue("bbox longitude must be between -180 and 180")
    elif minx > maxx:
        raise InvalidParameterValue("bbox minimum x is greater than maximum x")
    if miny > maxy:
        raise InvalidParameterValue("bbox minimum latitude (y) is greater than the maximum")
    return BBox(minx, miny, maxx, maxy, crs)


def _instant(text: str) -> date | None:
    return None if text in ("", "..") else parse_date(text, "datetime", time_allowed=True)


async def datetime_interval(
    datetime: Annotated[
        str | None,
        Query(
            description=(
                "an instant or an interval (RFC 3339): 2024-05-01, 2021-01-01/2022-12-31, "
                "../2022-12-31 or 2021-01-01/..; matched against each layer's dates"
            )
        ),
    ] = None,
) -> Interval | None:
    """``datetime`` as an instant, a closed interval or a half-open one with ``..``."""
    if datetime is None:
        return None
    if not datetime.strip():
        raise InvalidParameterValue("datetime is empty: give an instant or an interval")
    parts = datetime.split("/")
    if len(parts) == 1:
        instant = _instant(parts[0])
        if instant is None:
            raise InvalidParameterValue("datetime: an instant cannot be open ('..')")
        return Interval(instant, instant)
    if len(parts) != 2:
        raise InvalidParameterValue("datetime: use an instant, start/end, ../end or start/..")
    start, end = (_instant(part) for part in parts)
    if start is None and end is None:
        raise InvalidParameterValue("datetime: both ends of the interval cannot be open")
    if start is not None and end is not None and start > end:
        raise InvalidParameterValue("datetime: the start is after the end")
    return Interval(start, end)


IntervalDep = Annotated[Interval | None, Depends(datetime_interval)]


async def output_crs(
    crs: Annotated[
        str | None,
        Query(
            description="the CRS of the output geometries",
            json_schema_extra={"format": "uri", "enum": list(SUPPORTED)},
        ),
    ] = None,
) -> Crs | None:
    """The ``crs`` parameter, one of the supported CRSs."""
    return parse_crs(crs, "crs") if crs is not None else None


# cql-text is the draft name that GDAL 3.6 sends; its simple filters are valid CQL2 text.
FILTER_LANGUAGES = {"cql2-text": "cql2-text", "cql-text": "cql2-text", "cql2-json": "cql2-json"}


def _names(keys: list[str] | None, collection: Collection, parameter: str) -> tuple[str, ...]:
    """Known property names, each once, in the order given."""
    names = tuple(dict.fromkeys(name for name in keys or () if name))
    for name in names:
        if collection.get_property(name) is None:
            raise InvalidParameterValue(
                f"{parameter}: {name!r} is not a property of {collection.id}; "
                f"use {', '.join(collection.property_names)}"
            )
    return names


def _typed(collection: Collection, name: str, raw: str) -> Any:
    """An equality filter's value converted to the property's type, or a 400 naming both."""
    prop = collection.get_property(name)
    assert prop is not None
    if prop.type == "date":
        return parse_date(raw, name)
    try:
        if prop.type == "integer":
            return int(raw)
        if prop.type == "boolean":
            return {"true": True, "false": False}[raw.lower()]
    except (ValueError, KeyError):
        raise InvalidParameterValue(f"{name}={raw!r} is not a valid {prop.type}") from None
    if prop.values and raw not in prop.values:
        raise InvalidParameterValue(f"{name}={raw!r}: use one of {', '.join(prop.values)}")
    return raw


async def property_filters(
    request: Request, collection: CollectionDep
) -> tuple[tuple[str, Any], ...]:
    """``?property=value`` on any property; an array property matches a value it holds."""
    params = request.query_params
    return tuple(
        (name, _typed(collection, name, params[name]))
        for name in collection.property_names
        if name in params
    )


property_filters.takes_properties = "all"  # type: ignore[attr-defined]


PropertiesQuery = Annotated[
    list[str] | None,
    CommaSeparated,
    Query(description="the properties to return, comma-separated"),
]
SkipGeometryQuery = Annotated[
    bool, Query(alias="skipGeometry", description="leave out the geometry")
]
PrecisionQuery = Annotated[
    int | None, Query(ge=0, le=15, description="decimal places of coordinates")
]


async def items_query(
    collection: CollectionDep,
    box: Annotated[BBox | None, Depends(bbox)],
    interval: IntervalDep,
    crs: Annotated[Crs | None, Depends(output_crs)],
    equals: Annotated[tuple[tuple[str, Any], ...], Depends(property_filters)],
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"features per page; a value above {LIMIT_MAX} is served as {LIMIT_MAX}",
            json_schema_extra={"maximum": LIMIT_MAX},
        ),
    ] = LIMIT_DEFAULT,
    offset: Annotated[
        int, Query(ge=0, le=OFFSET_MAX, description="features to skip (paging: the next link)")
    ] = 0,
    filter_text: Annotated[
        str | None, Query(alias="filter", description="a CQL2 filter on the queryables")
    ] = None,
    filter_lang: Annotated[
        Literal["cql2-text", "cql2-json", "cql-text"],
        Query(alias="filter-lang", description="cql2-text (cql-text is read as cql2-text)"),
    ] = "cql2-text",
    filter_crs: Annotated[
        Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        Query(alias="filter-crs", description="the CRS of the filter's geometries"),
    ] = "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    sortby: SortbyQuery = None,
    properties: PropertiesQuery = None,
    skip_geometry: SkipGeometryQuery = False,
    precision: PrecisionQuery = None,
    simplify: Annotated[
        float | None,
        Query(ge=0, le=100_000, description="simplification tolerance in metres"),
    ] = None,
) -> ItemsQuery:
    """Everything an items request asks for, checked."""
    return ItemsQuery(
        bbox=box,
        interval=interval,
        equals=equals,
        filter=filter_text or None,
        filter_lang=FILTER_LANGUAGES[filter_lang],
        sortby=parse_sortby(sortby, collection.property_names),
        properties=_names(properties, collection, "properties") if properties else None,
        skip_geometry=skip_geometry,
        crs=crs,
        precision=precision,
        simplify_m=simplify or None,
        limit=min(limit, LIMIT_MAX),
        offset=offset,
        clamped_from=limit if limit > LIMIT_MAX else None,
    )


ItemsQueryDep = Annotated[ItemsQuery, Depends(items_query)]


async def item_query(
    collection: CollectionDep,
    crs: Annotated[Crs | None, Depends(output_crs)],
    properties: PropertiesQuery = None,
    skip_geometry: SkipGeometryQuery = False,
    precision: PrecisionQuery = None,
) -> ItemsQuery:
    """What a single-feature request asks for, checked."""
    return ItemsQuery(
        properties=_names(properties, collection, "properties") if properties else None,
        skip_geometry=skip_geometry,
        crs=crs,
        precision=precision,
        limit=1,
    )


ItemQueryDep = Annotated[ItemsQuery, Depends(item_query)]


async def tile_filter(request: Request, interval: IntervalDep) -> TileFilter:
    """``datetime`` and equality on the enumerated properties of the tile's layers.

    A layer ignores a filter on a property it does not have.
    """
    collection_id = request.path_params.get("collectionId")
    names = [find_collection(collection_id)] if collection_id else COLLECTIONS.values()
    params = request.query_params
    equals = {
        prop.name: _typed(collection, prop.name, params[prop.name])
        for collection in names
        for prop in collection.properties
        if prop.enum and prop.type == "string" and prop.name in params
    }
    return TileFilter(interval=interval, equals=tuple(sorted(equals.items())))


tile_filter.takes_properties = "enumerated"  # type: ignore[attr-defined]
TileFilterDep = Annotated[TileFilter, Depends(tile_filter)]


# Statistics --------------------------------------------------------------------------------


async def as_of_date(
    as_of: Annotated[
        str | None,
        Query(
            description="the date of the figures, YYYY-MM-DD; today by default",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
) -> date:
    """The date the figures are computed for."""
    return parse_date(as_of, "as_of") if as_of is not None else date.today()


async def zone_filter(
    risk_level: Annotated[RiskLevel | None, Query(description="only zones of this risk")] = None,
    contamination: Annotated[
        ContaminationType | None, Query(description="only zones with this contamination type")
    ] = None,
    status: Annotated[ZoneStatus | None, Query(description="only zones with this status")] = None,
) -> ZoneFilter:
    """The zone filter shared by every statistics endpoint."""
    return ZoneFilter(risk_level=risk_level, contamination=contamination, status=status)


AsOfDep = Annotated[date, Depends(as_of_date)]
ZoneFilterDep = Annotated[ZoneFilter, Depends(zone_filter)]


# Unknown parameters ------------------------------------------------------------------------

_DECLARED: dict[int, tuple[frozenset[str], str | None]] = {}


def _declared(route: APIRoute) -> tuple[frozenset[str], str | None]:
    """The query parameters a route declares, and which properties it takes by name."""
    if id(route) not in _DECLARED:
        names = frozenset(
            field.alias
            for field in get_flat_params(route.dependant)
            if isinstance(field.field_info, QueryParameter)
        )
        takes = None
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            takes = getattr(dependant.call, "takes_properties", None) or takes
            stack.extend(dependant.dependencies)
        _DECLARED[id(route)] = (names, takes)
    return _DECLARED[id(route)]


async def any_parameter() -> None:
    """Marks a page for people (the map): a link may carry anything (utm_source...)."""


any_parameter.takes_properties = "any"  # type: ignore[attr-defined]


async def reject_unknown(request: Request) -> None:
    """Refuse query parameters the route does not declare, naming them.

    A route that takes property filters also accepts its collection's property names (every
    collection's, where no collection is in the path).
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed, takes = _declared(route)
    if takes not in (None, "any"):
        collection_id = request.path_params.get("collectionId")
        collections = (
            [find_collection(collection_id)] if collection_id else list(COLLECTIONS.values())
        )
        allowed = allowed | {
            prop.name
            for collection in collections
            for prop in collection.properties
            if takes == "all" or (prop.enum and prop.type == "string")
        }
    if takes == "any":
        return
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise UnknownParameter(
            f"unknown query parameter(s): {', '.join(map(repr, unknown))}; "
            f"this endpoint takes {', '.join(sorted(allowed)) or 'none'}"
        )
    repeated = sorted(
        name
        for name in set(request.query_params)
        if len(request.query_params.getlist(name)) > 1 and name in allowed
    )
    if repeated:
        raise InvalidParameterValue(
            f"{', '.join(repeated)} given more than once; give each parameter once "
            "(a list is one value separated by commas)"
        )
