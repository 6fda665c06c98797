"""Mapbox Vector Tiles and layer extents, built by PostGIS (ST_AsMVT, ST_TileEnvelope)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    ScalarSelect,
    Text,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import Base, ContaminatedZone, District, Incident, LineOfContact
from app.models import vocabulary as v

EXTENT = 4096  # tile coordinate units per tile side, the MVT default
BUFFER = 64  # units drawn beyond each edge, so strokes join across tiles
WEB_MERCATOR = 3857
WGS84 = 4326

Column = ColumnElement[Any] | InstrumentedAttribute[Any]
Properties = Callable[[], list[Column]]
Bounds = tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True)
class TileLayer:
    """How one collection becomes a layer of a tile: its properties, queryables and time."""

    model: type[Base]
    properties: Properties
    queryables: Mapping[str, tuple[str, ...]]
    interval: tuple[str, str] | None = None  # start and end date columns, the end may be null

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        """One column of the layer's table."""
        column: InstrumentedAttribute[Any] = getattr(self.model, name)
        return column


@dataclass(frozen=True)
class TileFilter:
    """Which features a tile keeps: a date interval and equality on queryables."""

    start: date | None = None
    end: date | None = None
    equals: Mapping[str, str] | None = None


def _iso(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """A date column as ISO text, since MVT has no date type."""
    return cast(column, Text).label(column.key)


def _districts() -> list[Column]:
    label_point = func.ST_PointOnSurface(District.geom)
    return [
        District.code,
        District.name,
        District.name_az,
        District.kind,
        District.region,
        District.hasc,
        District.source,
        # Where the page draws the name: one point per district, whichever tile holds it.
        func.ST_X(label_point).label("label_lon"),
        func.ST_Y(label_point).label("label_lat"),
    ]


def _zones() -> list[Column]:
    zone = ContaminatedZone
    return [
        zone.code,
        zone.name,
        zone.hazard_class,
        func.array_to_string(zone.contamination, ",").label("contamination"),
        zone.risk_level,
        zone.status,
        _iso(zone.recorded_on),
        _iso(zone.released_on),
        zone.estimated_devices,
        zone.source,
        zone.accuracy,
    ]


def _incidents() -> list[Column]:
    return [
        Incident.code,
        _iso(Incident.occurred_on),
        Incident.place,
        Incident.reported_district,
        Incident.district_id,
        Incident.device,
        Incident.activity,
        Incident.killed,
        Incident.injured,
        (Incident.killed + Incident.injured).label("casualties"),
        Incident.victim_category,
        Incident.location_accuracy,
        Incident.location_note,
        Incident.source,
    ]


def _line() -> list[Column]:
    line = LineOfContact
    return [
        line.code,
        line.name,
        _iso(line.valid_from),
        _iso(line.valid_to),
        line.source,
        line.accuracy,
    ]


TILE_LAYERS: dict[str, TileLayer] = {
    "districts": TileLayer(District, _districts, {"kind": v.DISTRICT_KINDS}),
    "contaminated_zones": TileLayer(
        ContaminatedZone,
        _zones,
        {"hazard_class": v.HAZARD_CLASSES, "risk_level": v.RISK_LEVELS, "status": v.ZONE_STATUSES},
        ("recorded_on", "released_on"),
    ),
    "incidents": TileLayer(
        Incident,
        _incidents,
        {
            "device": v.DEVICES,
            "activity": v.ACTIVITIES,
            "victim_category": v.VICTIM_CATEGORIES,
            "location_accuracy": v.LOCATION_ACCURACIES,
        },
        ("occurred_on", "occurred_on"),
    ),
    "line_of_contact": TileLayer(LineOfContact, _line, {}, ("valid_from", "valid_to")),
}


def field_types(layer: TileLayer) -> dict[str, str]:
    """The TileJSON ``fields`` of a layer: each property and whether it is a number or text."""
    fields = {"id": "Number"}
    for column in layer.properties():
        numeric = isinstance(column.type, Integer | Float)
        fields[str(column.key)] = "Number" if numeric else "String"
    return fields


def _conditions(layer: TileLayer, where: TileFilter) -> list[ColumnElement[bool]]:
    """The SQL conditions of a filter; a layer ignores what it cannot be filtered on."""
    conditions: list[ColumnElement[bool]] = []
    if layer.interval is not None:
        start, end = (layer.column(name) for name in layer.interval)
        if where.end is not None:
            conditions.append(start <= where.end)
        if where.start is not None:
            conditions.append(or_(end.is_(None), end >= where.start))
    for name, value in (where.equals or {}).items():
        if name in layer.queryables:
            conditions.append(layer.column(name) == value)
    return conditions


def _layer_tile(
    name: str, z: int, x: int, y: int, tolerance: float, where: TileFilter, search: Bounds
) -> ScalarSelect[bytes]:
    """One MVT layer: features simplified for the zoom, clipped and quantised to the tile."""
    layer = TILE_LAYERS[name]
    geom = layer.column("geom")
    envelope = func.ST_TileEnvelope(z, x, y)
    simplified = func.ST_SimplifyPreserveTopology(func.ST_Transform(geom, WEB_MERCATOR), tolerance)
    rows = (
        select(
            layer.column("id"),
            *layer.properties(),
            func.ST_AsMVTGeom(simplified, envelope, EXTENT, BUFFER, True).label("mvt_geom"),
        )
        .where(geom.op("&&")(func.ST_MakeEnvelope(*search, WGS84)), *_conditions(layer, where))
        .subquery()
    )
    kept = select(rows).where(rows.c.mvt_geom.is_not(None)).subquery()
    return (
        select(
            func.ST_AsMVT(
                kept.table_valued(), literal(name, Text), EXTENT, literal("mvt_geom", Text), "id"
            )
        )
        .select_from(kept)
        .scalar_subquery()
    )


def tile(
    session: Session,
    names: Sequence[str],
    z: int,
    x: int,
    y: int,
    tolerance: float,
    where: TileFilter,
    search: Bounds,
) -> bytes:
    """The MVT of the named layers, concatenated (an MVT is a sequence of layers).

    ``search`` is the WGS 84 box the index looks in: the tile and its drawn buffer.
    """
    parts = [_layer_tile(name, z, x, y, tolerance, where, search) for name in names]
    combined: ColumnElement[bytes] = parts[0]
    for part in parts[1:]:
        combined = combined.op("||")(part)
    return bytes(session.scalar(select(combined)) or b"")


def extent(session: Session, names: Sequence[str]) -> tuple[float, float, float, float] | None:
    """The WGS 84 bounds of the named layers together, or None when they are empty."""
    boxes = union_all(
        *[select(func.ST_Extent(TILE_LAYERS[name].column("geom")).label("box")) for name in names]
    ).subquery()
    box = func.ST_Extent(boxes.c.box)
    row = session.execute(
        select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))
    ).one()
    if row[0] is None:
        return None
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])
