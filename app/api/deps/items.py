"""What an items, item or tile request asks for, checked once into a query object."""

from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from app.api.deps.filters import ALL_PROPERTIES, ENUMERATED_PROPERTIES
from app.api.deps.params import (
    CollectionDep,
    CommaSeparated,
    IntervalDep,
    SortbyQuery,
    bbox,
    output_crs,
    parse_sortby,
)
from app.catalog import Collection
from app.crs import Crs
from app.errors import InvalidParameterValue
from app.schemas.query import BBox, ItemsQuery, TileFilter

LIMIT_DEFAULT = 10
LIMIT_MAX = 10_000  # a larger limit is served as this (the standard says: not an error)
OFFSET_MAX = 1_000_000_000
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
    equals: Annotated[tuple[tuple[str, Any], ...], Depends(ALL_PROPERTIES)],
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


async def tile_filter(
    interval: IntervalDep,
    equals: Annotated[tuple[tuple[str, Any], ...], Depends(ENUMERATED_PROPERTIES)],
) -> TileFilter:
    """``datetime`` and equality on the enumerated properties of the tile's layers.

    A layer ignores a filter on a property it does not have.
    """
    return TileFilter(interval=interval, equals=equals)


TileFilterDep = Annotated[TileFilter, Depends(tile_filter)]
