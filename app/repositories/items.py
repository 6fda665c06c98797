"""An items request as SQL: a validated ``ItemsQuery`` in, its rows out.

Every condition (bbox, datetime, ``?property=value``, CQL2, the drafts a reader may see), the
order, the output geometry and the feature's GeoJSON are built here from the query; the
services never hold an SQL expression. The hot reads' statements are compiled once per shape
of query (what they depend on besides the bound values).
"""

from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, Float, bindparam, func
from sqlalchemy.orm import Session

from app.catalog import Collection
from app.core.db import Compiled
from app.crs import STORAGE
from app.errors import InvalidParameterValue
from app.repositories import cql2
from app.repositories import features as repo
from app.schemas.query import BBox, ItemsQuery

GeometryOutput = Literal["wkt", "wkb"]


def _bbox_values(bbox: BBox) -> dict[str, float]:
    """The corners of the box, or of its two halves across the antimeridian, by name: the
    values of the bound parameters of ``_bbox_condition``."""
    if bbox.minx > bbox.maxx:
        boxes = [
            (bbox.minx, bbox.miny, 180.0, bbox.maxy),
            (-180.0, bbox.miny, bbox.maxx, bbox.maxy),
        ]
    else:
        boxes = [(bbox.minx, bbox.miny, bbox.maxx, bbox.maxy)]
    corners = ("west", "south", "east", "north")
    return {
        f"bbox{index}_{corner}": value
        for index, box in enumerate(boxes)
        for corner, value in zip(corners, box, strict=True)
    }


def _bbox_condition(collection: Collection, bbox: BBox) -> ColumnElement[bool]:
    """Features intersecting the box; a box across the antimeridian is split in two.

    The corners are bound parameters named as in ``_bbox_values``: a statement compiled once
    for a box runs for any other box of the same CRS and split.
    """
    names = [bindparam(name, value, type_=Float) for name, value in _bbox_values(bbox).items()]
    boxes = [tuple(names[index : index + 4]) for index in range(0, len(names), 4)]
    return repo.bbox_filter(collection, boxes, bbox.crs.srid)


def _equality_conditions(
    collection: Collection, values: tuple[tuple[str, Any], ...]
) -> list[ColumnElement[bool]]:
    """``?property=value`` filters; an array property matches when it holds the value."""
    columns = repo.columns(collection)
    conditions = []
    for name, value in values:
        prop = collection.get_property(name)
        array = prop is not None and prop.type == "array"
        conditions.append(columns[name].any(value) if array else columns[name] == value)
    return conditions


def _cql2_condition(collection: Collection, text: str, language: str) -> ColumnElement[bool]:
    """A CQL2 filter (text or JSON) as a condition whose values are all bound parameters."""
    expression = cql2.parse(text, language)
    translator = cql2.Translator(repo.columns(collection), repo.geometry(collection))
    try:
        return translator.condition(expression)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, RecursionError) as exc:
        # An operator with missing or mistyped arguments (an array function on a text, say).
        raise InvalidParameterValue(f"filter has a malformed expression ({exc!r})") from None


def _conditions(collection: Collection, query: ItemsQuery) -> list[ColumnElement[bool]]:
    """The SQL conditions of an items request: what the reader sees, bbox, datetime,
    equality, CQL2; a 400 for a datetime on a layer without dates or a malformed filter."""
    where = repo.visible(collection, query.drafts_of)
    if query.bbox is not None:
        where.append(_bbox_condition(collection, query.bbox))
    if query.interval is not None:
        if collection.temporal is None:
            raise InvalidParameterValue(f"datetime: collection {collection.id} has no dates")
        where.append(repo.interval_filter(collection, query.interval.start, query.interval.end))
    where += _equality_conditions(collection, query.equals)
    if query.filter:
        where.append(_cql2_condition(collection, query.filter, query.filter_lang))
    return where


def _ordering(collection: Collection, query: ItemsQuery) -> list[ColumnElement[Any]]:
    """The ORDER BY of an items request (the id breaks ties)."""
    columns = repo.columns(collection)
    return [
        columns[key.name].asc() if key.ascending else columns[key.name].desc()
        for key in query.sortby
    ]


def _geometry(collection: Collection, query: ItemsQuery) -> ColumnElement[Any] | None:
    if query.skip_geometry:
        return None
    crs = query.crs or STORAGE
    return repo.output_geometry(collection, crs.srid, crs.lat_first, query.simplify_m)


def _precision(query: ItemsQuery) -> int:
    if query.precision is not None:
        return query.precision
    return 7 if (query.crs or STORAGE).geographic else 3


def _feature_json(collection: Collection, query: ItemsQuery) -> ColumnElement[str]:
    """A feature's GeoJSON expression: what is output and how, whatever the filters."""
    shape = ItemsQuery(
        properties=query.properties,
        skip_geometry=query.skip_geometry,
        crs=query.crs,
        simplify_m=query.simplify_m,
        precision=query.precision,
    )
    return _feature_json_of(collection, shape)


@lru_cache(maxsize=512)
def _feature_json_of(collection: Collection, shape: ItemsQuery) -> ColumnElement[str]:
    """Built once per shape: building it took 0.3 ms, a tenth of a small page's time."""
    return repo.feature_json(
        collection,
        shape.properties if shape.properties is not None else collection.property_names,
        _geometry(collection, shape),
        _precision(shape),
    )


def features(
    session: Session, collection: Collection, query: ItemsQuery, limit: int
) -> Iterator[str]:
    """Up to ``limit`` features' GeoJSON texts from the query's offset, streamed from a
    server-side cursor; the query runs at once."""
    return repo.features(
        session,
        collection,
        _feature_json(collection, query),
        _conditions(collection, query),
        _ordering(collection, query),
        limit,
        query.offset,
    )


def count(session: Session, collection: Collection, query: ItemsQuery, cap: int) -> int:
    """How many features the query matches, counted up to ``cap + 1``."""
    return repo.count(session, collection, _conditions(collection, query), cap)


def rows(
    session: Session,
    collection: Collection,
    query: ItemsQuery,
    properties: Sequence[str],
    geometry: GeometryOutput | None,
) -> Iterator[Any]:
    """The query's page as plain rows (id, properties, geometry as WKT at the query's
    precision in its CRS, or as WKB in storage), run at once."""
    output: ColumnElement[Any] | None = None
    if geometry == "wkb":
        output = func.ST_AsBinary(repo.geometry(collection))
    elif geometry == "wkt":
        shown = _geometry(collection, query)
        output = None if shown is None else repo.wkt(shown, _precision(query))
    return repo.rows(
        session,
        collection,
        properties,
        output,
        _conditions(collection, query),
        _ordering(collection, query),
        query.limit,
        query.offset,
    )


def _shape(query: ItemsQuery) -> ItemsQuery:
    """What a page's statement depends on: the query without its size, its offset (only
    whether there is one) and the bbox's corners (only its CRS and whether it is split)."""
    box = query.bbox
    if box is not None:  # corners as bound parameters, named by _bbox_values
        split = box.minx > box.maxx
        box = BBox(1.0 if split else 0.0, 0.0, 0.0, 0.0, box.crs)
    return replace(query, bbox=box, limit=0, offset=min(query.offset, 1), clamped_from=None)


@lru_cache(maxsize=512)
def _page_statement(
    collection: Collection, shape: ItemsQuery, separator: str, cap: int | None
) -> Compiled:
    """Built and compiled once per shape (building it and running it through SQLAlchemy's
    statement cache took about 1 ms of a page's time).

    A page in a bbox is planned for its box each time, never prepared: the plan PostgreSQL
    keeps for a prepared statement assumes a box of a few matches, and read a view of 83,000
    zones in id order through all of them (128 ms, against 2 ms planned for the box).
    """
    return repo.page_statement(
        collection,
        _feature_json(collection, shape),
        _conditions(collection, shape),
        _ordering(collection, shape),
        bool(shape.offset),
        separator,
        cap,
        False if shape.bbox is not None else None,
    )


def page(
    session: Session,
    collection: Collection,
    query: ItemsQuery,
    separator: str,
    cap: int | None,
    most_bytes: int,
) -> tuple[str | None, int, int | None, tuple[int, ...]]:
    """The page's features as one text joined by ``separator`` (None when longer than
    ``most_bytes``), how many rows it found (up to limit + 1), how many match (counted up to
    ``cap + 1``; None when ``cap`` is None) and the versions of its tables: one statement."""
    statement = _page_statement(collection, _shape(query), separator, cap)
    corners = _bbox_values(query.bbox) if query.bbox else {}
    return repo.page(session, statement, query.limit, query.offset, most_bytes, **corners)


@lru_cache(maxsize=512)
def _item_statement(collection: Collection, query: ItemsQuery) -> Compiled:
    return repo.one_statement(collection, _feature_json(collection, query), query.drafts_of)


def one(
    session: Session, collection: Collection, query: ItemsQuery, feature_id: int
) -> tuple[str, str] | None:
    """One feature's GeoJSON text and its version, if the reader sees it."""
    return repo.one(session, _item_statement(collection, query), feature_id)
