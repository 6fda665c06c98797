"""SQL for the feature collections: filters, ordering and GeoJSON built by PostGIS."""

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    UnaryExpression,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSON, aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators

from app.catalog import Collection, RecordState
from app.core.db import Compiled, snapshot
from app.models import District, Incident, Layer
from app.models.layers import SRID
from app.repositories.layers import model, versions_of

FETCH_SIZE = 500  # rows per round trip of a server-side cursor


def _district_name(table: type[Layer]) -> ColumnElement[Any]:
    """The name of the district a feature's computed ``district_id`` names."""
    district_id = table.district_id  # type: ignore[attr-defined]
    return select(District.name).where(District.id == district_id).scalar_subquery()


def _derived(table: type[Layer], name: str) -> ColumnElement[Any]:
    """A property computed at read time from other columns."""
    if name == "district":
        return _district_name(table)
    if name == "district_mismatch":
        reported = Incident.reported_district.is_distinct_from(_district_name(table))
        return func.coalesce(reported, False)
    return getattr(table, name)  # type: ignore[no-any-return]


def columns(collection: Collection) -> dict[str, ColumnElement[Any]]:
    """Each public property's SQL expression; the only names user input can reach."""
    table = model(collection)
    return {name: _derived(table, name) for name in collection.property_names}


def visible(collection: Collection, drafts_of: str | None) -> list[ColumnElement[bool]]:
    """Which progress reports a reader sees: the approved ones, and the drafts of one
    organisation (an operator's own) or of every one (``*``, the authority's readers)."""
    if not collection.approval or drafts_of == "*":
        return []
    table = model(collection)
    approved = table.state == RecordState.approved.value  # type: ignore[attr-defined]
    if drafts_of is None:
        return [approved]
    return [approved | (table.organisation == drafts_of)]  # type: ignore[attr-defined]


def geometry(collection: Collection) -> ColumnElement[Any]:
    """The stored geometry column."""
    return model(collection).geom.expression


def bbox_filter(
    collection: Collection, boxes: Sequence[Sequence[ColumnElement[float]]], srid: int
) -> ColumnElement[bool]:
    """Features intersecting any of the boxes, given in ``srid`` (x/y order)."""
    geom = geometry(collection)
    if srid != SRID:
        envelopes = [func.ST_Transform(func.ST_MakeEnvelope(*box, srid), SRID) for box in boxes]
        return or_(*(func.ST_Intersects(geom, envelope) for envelope in envelopes))
    return or_(*(_intersects_box(geom, box) for box in boxes))


# Degrees: more than the rounding of PostGIS's float boxes (1.5e-5 at 180 degrees, 11 m here).
INSIDE_MARGIN = 1e-4


def _intersects_box(geom: ColumnElement[Any], box: Sequence[ColumnElement[float]]) -> Any:
    """``ST_Intersects`` with a box in the storage CRS, without reading the geometries whose
    bounding box lies inside it: they intersect it.

    PostGIS tells that from the box stored with each geometry (``@``), where ST_Intersects
    reads the whole geometry: it halved the count of a view of all 916 zones (1.2 to 0.5 ms).
    Those stored boxes are floats rounded outward, so they are compared with the box shrunk
    by INSIDE_MARGIN on each side, and only a box wider and taller than twice the margin is
    shrunk: what the test lets through does intersect, and the rest is left to ST_Intersects.
    The test is a filter, not an index condition (``IS TRUE``): as one, PostgreSQL built a
    bitmap of every match in the index before a capped count could stop (13 ms for a view of
    83,000 zones, against 1.6 ms read in the index's order).
    """
    west, south, east, north = box
    margin = INSIDE_MARGIN
    envelope = func.ST_MakeEnvelope(west, south, east, north, SRID)
    inner = func.ST_MakeEnvelope(west + margin, south + margin, east - margin, north - margin, SRID)
    inside = and_(east - west > 2 * margin, north - south > 2 * margin, geom.op("@")(inner))
    return and_(geom.op("&&")(envelope), or_(inside.is_(True), func.ST_Intersects(geom, envelope)))


def interval_filter(
    collection: Collection, start: date | None, end: date | None
) -> ColumnElement[bool]:
    """Features whose own interval (start and end property) meets [start, end]."""
    assert collection.temporal is not None
    cols = columns(collection)
    first = cols[collection.temporal[0]]
    last = cols[collection.temporal[1]] if collection.temporal[1] else None
    conditions: list[ColumnElement[bool]] = []
    if end is not None:
        conditions.append(first <= end)
    if start is not None and last is not None:
        conditions.append(or_(last.is_(None), last >= start))
    elif start is not None:
        conditions.append(first >= start)
    return and_(true(), *conditions)


def output_geometry(
    collection: Collection, srid: int, lat_first: bool, simplify_m: float | None
) -> ColumnElement[Any]:
    """The geometry as served: simplified in metres, transformed, axes in the CRS's order."""
    geom: ColumnElement[Any] = geometry(collection)
    if simplify_m:
        # Web Mercator stretches lengths by 1/cos(latitude): scale the tolerance to match.
        scale = func.cos(func.radians(func.ST_Y(func.ST_Centroid(geom))))
        geom = func.ST_Transform(
            func.ST_SimplifyPreserveTopology(func.ST_Transform(geom, 3857), simplify_m / scale),
            srid,
        )
    elif srid != SRID:
        geom = func.ST_Transform(geom, srid)
    return func.ST_FlipCoordinates(geom) if lat_first else geom


def feature_json(
    collection: Collection,
    properties: Sequence[str],
    geom: ColumnElement[Any] | None,
    precision: int,
) -> ColumnElement[str]:
    """One GeoJSON Feature as text, built by PostgreSQL."""
    cols = columns(collection)
    pairs: list[Any] = []
    for name in properties:
        pairs += [literal(name, Text), cols[name]]
    geometry_json = (
        cast(func.ST_AsGeoJSON(geom, precision, 0), JSON) if geom is not None else null()
    )
    return cast(
        func.json_build_object(
            literal("type", Text),
            literal("Feature", Text),
            literal("id", Text),
            model(collection).id,
            literal("geometry", Text),
            geometry_json,
            literal("properties", Text),
            func.json_build_object(*pairs),
        ),
        Text,
    )


def features(
    session: Session,
    collection: Collection,
    feature: ColumnElement[str],
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[Any]],
    limit: int,
    offset: int,
) -> Iterator[str]:
    """The features' GeoJSON texts, streamed from a server-side cursor, a FETCH per
    ``FETCH_SIZE`` rows, so memory stays flat; the query runs at once."""
    statement = _page(collection, select(feature), where, order_by, limit, offset)
    snapshot(session)  # a server-side cursor lives in a transaction
    return iter(session.execute(statement, execution_options={"yield_per": FETCH_SIZE}).scalars())


def _one(
    collection: Collection, feature: ColumnElement[str], feature_id: Any, drafts_of: str | None
) -> Select[Any]:
    """One feature's GeoJSON text and its version (a hash of its row), if the reader sees it."""
    table = model(collection)
    version = func.md5(cast(func.to_jsonb(literal_column(collection.id)), Text))
    return select(feature.label("text"), version.label("version")).where(
        table.id == feature_id, *visible(collection, drafts_of)
    )


def one_statement(
    collection: Collection, feature: ColumnElement[str], drafts_of: str | None
) -> Compiled:
    """One feature's GeoJSON text and its version, its id bound at each request."""
    feature_id = bindparam("feature_id", type_=Integer)
    return Compiled.of(_one(collection, feature, feature_id, drafts_of))


def one(session: Session, statement: Compiled, feature_id: int) -> tuple[str, str] | None:
    """One feature's GeoJSON text and its version (``one_statement``)."""
    row = statement.run(session, feature_id=feature_id)
    return None if row is None else (row.text, row.version)


def _count(collection: Collection, where: Sequence[ColumnElement[bool]], cap: int) -> Select[Any]:
    """How many features match, counting at most ``cap + 1`` so a count is never slow."""
    capped = select(model(collection).id).where(*where).limit(cap + 1).subquery()
    return select(func.count()).select_from(capped)


def count(
    session: Session, collection: Collection, where: Sequence[ColumnElement[bool]], cap: int
) -> int:
    """How many features match, counted up to ``cap + 1``."""
    return session.scalar(_count(collection, where, cap)) or 0


# A page's size and place, bound at each request (``page``).
LIMIT, OFFSET = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)


def page_statement(
    collection: Collection,
    feature: ColumnElement[str],
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[Any]],
    offset: bool,
    separator: str,
    cap: int | None,
    prepare: bool | None = None,
) -> Compiled:
    """A page's features as one text, joined by ``separator``, unless it is longer than
    ``most_bytes`` (then NULL); how many rows the page query found, up to ``limit + 1`` (one
    more: there is a next page); how many match, counted up to ``cap + 1`` (None when ``cap``
    is None: not counted); the versions of the tables it is read from.

    One statement and one row: one round trip and one snapshot, and no row to decode per
    feature. The page's sort keys come out of the page with its texts, and the aggregate
    orders by them again: SQL does not promise that an aggregate reads a sorted subquery in
    its order. It is compiled once; ``limit``, ``offset`` (when ``offset`` is true),
    ``most_bytes`` and the bbox's corners are bound at each request.
    """
    keys = [*order_by, model(collection).id.asc()]
    sort_columns = [_sorted_on(key).label(f"sort{index}") for index, key in enumerate(keys)]
    rows = _page(
        collection,
        select(feature.label("text"), *sort_columns),
        where,
        order_by,
        LIMIT + 1,
        OFFSET if offset else 0,
    ).subquery()
    in_order = [
        rows.c[f"sort{index}"].desc() if _descending(key) else rows.c[f"sort{index}"].asc()
        for index, key in enumerate(keys)
    ]
    texts = func.array_agg(aggregate_order_by(rows.c.text, *in_order), type_=ARRAY(Text))
    joined = func.array_to_string(texts[1:LIMIT], separator)
    small = func.sum(func.octet_length(rows.c.text)) <= bindparam("most_bytes", type_=Integer)
    text = case((small, func.coalesce(joined, "")), else_=null())
    matched = null() if cap is None else _count(collection, where, cap).scalar_subquery()
    versions = versions_of(collection.sources).scalar_subquery()
    return Compiled.of(
        select(
            text.label("text"),
            func.count().label("found"),
            matched.label("matched"),
            versions.label("versions"),
        ).select_from(rows),
        prepare,
    )


def _sorted_on(key: ColumnElement[Any]) -> ColumnElement[Any]:
    """What an ORDER BY key sorts on: the column under its ASC or DESC."""
    return key.element if isinstance(key, UnaryExpression) else key


def _descending(key: ColumnElement[Any]) -> bool:
    return isinstance(key, UnaryExpression) and key.modifier is operators.desc_op


def page(
    session: Session,
    statement: Compiled,
    limit: int,
    offset: int,
    most_bytes: int,
    **values: Any,
) -> tuple[str | None, int, int | None, tuple[int, ...]]:
    """The page's text (None when longer than ``most_bytes``), its row count, its match count
    and the versions of its tables (``page_statement``)."""
    row = statement.run(session, limit=limit, offset=offset, most_bytes=most_bytes, **values)
    return row.text, row.found, row.matched, tuple(row.versions)


def extent(session: Session, collection: Collection) -> tuple[list[float] | None, list[Any] | None]:
    """The layer's bounding box in CRS84 and its temporal interval."""
    geom = geometry(collection)
    box = session.execute(
        select(
            func.ST_XMin(func.ST_Extent(geom)),
            func.ST_YMin(func.ST_Extent(geom)),
            func.ST_XMax(func.ST_Extent(geom)),
            func.ST_YMax(func.ST_Extent(geom)),
        )
    ).one()
    bbox = None if box[0] is None else [float(value) for value in box]
    interval = None
    if collection.temporal is not None:
        cols = columns(collection)
        first, last = collection.temporal
        end = cols[last] if last else cols[first]
        row = session.execute(select(func.min(cols[first]), func.max(end))).one()
        if row[0] is not None:
            interval = [row[0], row[1]]
    return bbox, interval


def wkt(geom: ColumnElement[Any], precision: int) -> ColumnElement[str]:
    """A geometry as WKT."""
    return func.ST_AsText(geom, precision)


def rows(
    session: Session,
    collection: Collection,
    properties: Sequence[str],
    geometry: ColumnElement[Any] | None,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[Any]],
    limit: int,
    offset: int,
) -> Iterator[Any]:
    """Plain rows (id, properties, geometry) over the same filters and order; run at once."""
    cols = columns(collection)
    values = [model(collection).id, *(cols[name] for name in properties)]
    if geometry is not None:
        values.append(geometry)
    statement = _page(collection, select(*values), where, order_by, limit, offset)
    snapshot(session)  # a server-side cursor lives in a transaction
    return iter(session.execute(statement, execution_options={"yield_per": FETCH_SIZE}))


def _page(
    collection: Collection,
    statement: Select[Any],
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[Any]],
    limit: int | ColumnElement[int],
    offset: int | ColumnElement[int],
) -> Select[Any]:
    """One page of the filtered rows, the id breaking ties so pages never overlap.

    The page's ids are chosen first, then only their rows are built: PostgreSQL would
    otherwise build the GeoJSON of every row it skips for the offset (deep pages took 10 s).
    """
    model_id = model(collection).id
    if isinstance(offset, int) and not offset:
        return statement.where(*where).order_by(*order_by, model_id).limit(limit)
    page = select(model_id).where(*where).order_by(*order_by, model_id).limit(limit).offset(offset)
    return statement.where(model_id.in_(page.scalar_subquery())).order_by(*order_by, model_id)
