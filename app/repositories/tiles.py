"""Mapbox Vector Tiles and layer extents, built by PostGIS (ST_AsMVT, ST_TileEnvelope)."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    ScalarSelect,
    Text,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS, Collection
from app.core.db import Compiled
from app.models import District, Incident, StatsContaminatedArea
from app.repositories import features
from app.repositories.layers import model, versions_of
from app.schemas.query import TileFilter

EXTENT = 4096  # tile coordinate units per tile side, the MVT default
BUFFER = 64  # units drawn beyond each edge, so strokes join across tiles
WEB_MERCATOR = 3857
WGS84 = 4326

Bounds = tuple[float, float, float, float]  # west, south, east, north
FIELD_TYPES = {"integer": "Number", "boolean": "Boolean"}  # anything else is text in a tile

# The generalised layers, which stand for a layer at the zooms where its features would be
# too many to draw: each district's contaminated area today (the statistics' refresh keeps
# it, with the atoms, in the transaction that changed a zone or a district), and the
# incidents, tasks and land-release records gathered on a grid of a few screen pixels (built
# from the features the filters keep).
AREAS = "contaminated_areas"
CLUSTERS = {
    "incidents": "incident_clusters",
    "tasks": "task_clusters",
    "land_release": "land_release_clusters",
}
GENERALISED_SOURCES = {
    AREAS: ("contaminated_zones", "districts"),
    **{layer: COLLECTIONS[name].sources for name, layer in CLUSTERS.items()},
}
GATHERED = {layer: name for name, layer in CLUSTERS.items()}  # the collection a layer gathers
CLUSTER_CELL = 16  # the grid's cell in simplification tolerances (half pixels): 8 pixels


def _extras(collection: Collection) -> list[ColumnElement[Any]]:
    """Properties only a map needs: where to write a district's name, an incident's toll."""
    if collection.id == "districts":
        # One point per district, whichever tile holds it.
        label_point = func.ST_PointOnSurface(District.geom)
        return [
            func.ST_X(label_point).label("label_lon"),
            func.ST_Y(label_point).label("label_lat"),
        ]
    if collection.id == "incidents":
        return [(Incident.killed + Incident.injured).label("casualties")]
    return []


def properties(collection: Collection) -> list[ColumnElement[Any]]:
    """The collection's public properties as MVT values: dates as ISO text, arrays joined."""
    columns = features.columns(collection)
    values: list[ColumnElement[Any]] = []
    for prop in collection.properties:
        column = columns[prop.name]
        if prop.type == "date":
            column = cast(column, Text)
        elif prop.type == "array":
            column = func.array_to_string(column, ",")
        values.append(column.label(prop.name))
    return values + _extras(collection)


def field_types(collection: Collection) -> dict[str, str]:
    """The TileJSON ``fields`` of a layer: each property and whether it is a number or text."""
    fields = {"id": "Number"}
    fields |= {prop.name: FIELD_TYPES.get(prop.type, "String") for prop in collection.properties}
    return fields | {str(extra.key): "Number" for extra in _extras(collection)}


def _conditions(collection: Collection, where: TileFilter) -> list[ColumnElement[bool]]:
    """The SQL conditions of a filter; a layer ignores what it cannot be filtered on."""
    conditions = features.visible(collection, None)  # tiles are public: approved reports only
    if collection.temporal is not None and where.interval is not None:
        interval = where.interval
        conditions.append(features.interval_filter(collection, interval.start, interval.end))
    columns = features.columns(collection)
    conditions += [columns[name] == value for name, value in where.equals if name in columns]
    return conditions


# The tile's place, bound at each request: the statement for a set of layers and a filter is
# built once (building it took a tenth of a cold tile's time) and SQLAlchemy caches its SQL.
Z, X, Y = (bindparam(name, type_=Integer) for name in ("z", "x", "y"))
TOLERANCE = bindparam("tolerance", type_=Float)
SEARCH = [bindparam(name, type_=Float) for name in ("west", "south", "east", "north")]


def _mvt(rows: Any, name: str) -> ScalarSelect[bytes]:
    """The rows' MVT layer called ``name``.

    ST_AsMVT skips the rows whose geometry fell outside the tile (NULL): filtering them
    first would compute ST_AsMVTGeom twice (it took 40 % of a zone tile's time).
    """
    return (
        select(
            func.ST_AsMVT(
                rows.table_valued(), literal(name, Text), EXTENT, literal("mvt_geom", Text), "id"
            )
        )
        .select_from(rows)
        .scalar_subquery()
    )


def _mvt_geom(geom: Any) -> ColumnElement[Any]:
    """A WGS 84 geometry simplified for the zoom, clipped and quantised to the tile.

    Douglas-Peucker keeping what would collapse (a small zone stays drawn), not GEOS's
    topology-preserving simplifier: at half a pixel's tolerance they draw alike, but the latter
    took 0.4 ms of a district tile's 0.8 in PostgreSQL. ST_AsMVTGeom makes the polygons it
    returns valid.
    """
    envelope = func.ST_TileEnvelope(Z, X, Y)
    simplified = func.ST_Simplify(func.ST_Transform(geom, WEB_MERCATOR), TOLERANCE, True)
    return func.ST_AsMVTGeom(simplified, envelope, EXTENT, BUFFER, True).label("mvt_geom")


def _areas_tile() -> ScalarSelect[bytes]:
    """The generalised layer: each district's contaminated area, whole zones merged."""
    area = StatsContaminatedArea
    rows = (
        select(
            area.district_id.label("id"),
            area.district_id,
            area.area_km2,
            _mvt_geom(area.geom),
        )
        .where(area.geom.op("&&")(func.ST_MakeEnvelope(*SEARCH, WGS84)))
        .subquery()
    )
    return _mvt(rows, AREAS)


def _gathered(name: str) -> list[ColumnElement[Any]]:
    """What a cell of the grid tells of the features of ``name`` gathered in it."""
    if name == "incidents":
        return [
            func.count().label("incidents"),
            func.sum(Incident.killed + Incident.injured).label("casualties"),
            cast(func.min(Incident.occurred_on), Text).label("first_on"),
        ]
    if name == "tasks":
        return [func.count().label("tasks")]
    area_m2 = features.columns(COLLECTIONS[name])["area_m2"]
    return [func.count().label("records"), (func.sum(area_m2) / 1e6).label("area_km2")]


def _fields(values: list[ColumnElement[Any]]) -> dict[str, str]:
    """The TileJSON ``fields`` of a generalised layer: its id, then each value by its label."""
    types = {
        str(value.key): "String" if isinstance(value.type, Text) else "Number" for value in values
    }
    return {"id": "Number", **types}


GENERALISED_FIELDS = {
    AREAS: {"id": "Number", "district_id": "Number", "area_km2": "Number"},
    **{layer: _fields(_gathered(name)) for name, layer in CLUSTERS.items()},
}


def _clusters_tile(name: str, where: TileFilter) -> ScalarSelect[bytes]:
    """The features of ``name`` the filter keeps, gathered on the zoom's grid by their
    centroid: a point per cell at the centroid of theirs, with what ``_gathered`` tells."""
    collection = COLLECTIONS[name]
    geom = features.geometry(collection)
    centroid = geom if collection.geometry_type == "Point" else func.ST_Centroid(geom)
    mercator = func.ST_Transform(centroid, WEB_MERCATOR)
    cell = TOLERANCE * CLUSTER_CELL
    envelope = func.ST_TileEnvelope(Z, X, Y)
    point = func.ST_Centroid(func.ST_Collect(mercator))
    rows = (
        select(
            func.min(model(collection).id).label("id"),
            *_gathered(name),
            func.ST_AsMVTGeom(point, envelope, EXTENT, BUFFER, True).label("mvt_geom"),
        )
        .where(geom.op("&&")(func.ST_MakeEnvelope(*SEARCH, WGS84)), *_conditions(collection, where))
        .group_by(func.floor(func.ST_X(mercator) / cell), func.floor(func.ST_Y(mercator) / cell))
        .subquery()
    )
    return _mvt(rows, CLUSTERS[name])


def _layer_tile(name: str, where: TileFilter) -> ScalarSelect[bytes]:
    """One MVT layer: features simplified for the zoom, clipped and quantised to the tile."""
    if name == AREAS:
        return _areas_tile()
    if name in GATHERED:
        return _clusters_tile(GATHERED[name], where)
    collection = COLLECTIONS[name]
    geom = features.geometry(collection)
    rows = (
        select(model(collection).id.label("id"), *properties(collection), _mvt_geom(geom))
        .where(geom.op("&&")(func.ST_MakeEnvelope(*SEARCH, WGS84)), *_conditions(collection, where))
        .subquery()
    )
    return _mvt(rows, name)


def _sources(names: tuple[str, ...]) -> list[str]:
    """The tables the named layers are read from, whose versions a tile depends on."""
    sources = {name: GENERALISED_SOURCES.get(name) or COLLECTIONS[name].sources for name in names}
    return sorted({source for name in names for source in sources[name]})


@lru_cache(maxsize=256)
def _tile_sql(names: tuple[str, ...], where: TileFilter) -> Compiled:
    """The current versions of the tiles' tables, and the tile unless they are ``known``.

    One statement, so a cached tile costs one round trip and a new one no more; the tile
    and the versions it is cached under come from one snapshot.
    """
    parts = [_layer_tile(name, where) for name in names]
    combined: ColumnElement[bytes] = parts[0]
    for part in parts[1:]:
        combined = combined.op("||")(part)  # an MVT is a sequence of layers
    current = versions_of(_sources(names)).subquery()
    known = bindparam("known", type_=ARRAY(BigInteger))
    tile = case(
        (current.c.versions.is_distinct_from(known), func.coalesce(combined, b"")), else_=null()
    )
    return Compiled.of(select(current.c.versions, tile.label("tile")).select_from(current))


async def tile(
    conn: AsyncConnection,
    names: Sequence[str],
    z: int,
    x: int,
    y: int,
    tolerance: float,
    where: TileFilter,
    search: Bounds,
    known: Sequence[int] | None,
) -> tuple[tuple[int, ...], bytes | None]:
    """The versions of the tile's tables, and its MVT unless they are the ``known`` ones.

    ``search`` is the WGS 84 box the index looks in: the tile and its drawn buffer.
    """
    place = dict(zip(("west", "south", "east", "north"), search, strict=True))
    row = await _tile_sql(tuple(names), where).one(
        conn,
        z=z,
        x=x,
        y=y,
        tolerance=tolerance,
        known=None if known is None else list(known),
        **place,
    )
    return tuple(row.versions), (None if row.tile is None else bytes(row.tile))


def extent(session: Session, names: Sequence[str]) -> tuple[float, float, float, float] | None:
    """The WGS 84 bounds of the named layers together, or None when they are empty."""
    boxes = union_all(
        *[
            select(func.ST_Extent(features.geometry(COLLECTIONS[name])).label("box"))
            for name in names
        ]
    ).subquery()
    box = func.ST_Extent(boxes.c.box)
    row = session.execute(
        select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))
    ).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
