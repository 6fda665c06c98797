"""SQL of the writes: a feature's current version (locked), insert, update, delete, history."""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.catalog import Collection
from app.models import FeatureHistory
from app.models.layers import SRID
from app.repositories.layers import model
from app.repositories.stats import AnyRow

Geometry = ColumnElement[Any]  # a geometry to store, as SQL (``geometry``, ``repaired``)


def set_actor(session: Session, actor: str, action: str | None = None) -> None:
    """Who writes, and how, for the history trigger; until the transaction ends."""
    session.execute(
        select(
            func.set_config("contamap.actor", actor, True),
            func.set_config("contamap.action", action or "", True),
        )
    )


def _version(collection: Collection) -> ColumnElement[str]:
    """A hash of the whole row: it changes with any property or the geometry."""
    row: ColumnElement[Any] = literal_column(collection.id)  # the whole row (a trusted name)
    return func.md5(cast(func.to_jsonb(row), Text))


def version(session: Session, collection: Collection, feature_id: int, *, lock: bool) -> str | None:
    """The feature's current version, or None when it does not exist; ``lock`` holds the row."""
    table = model(collection)
    statement = select(_version(collection)).where(table.id == feature_id)
    if lock:
        statement = statement.with_for_update()
    return session.scalar(statement)


def stored(session: Session, collection: Collection, feature_id: int) -> AnyRow | None:
    """The feature's stored properties and its geometry as GeoJSON text."""
    table = model(collection)
    columns = [getattr(table, prop.name) for prop in collection.stored_properties]
    statement = select(*columns, func.ST_AsGeoJSON(table.geom).label("geometry")).where(
        table.id == feature_id
    )
    return session.execute(statement).one_or_none()


NO_GEOMETRY: ColumnElement[Any] = null()  # a feature of a layer whose geometry is optional


def geometry(geojson: str, srid: int, lat_first: bool) -> ColumnElement[Any]:
    """A client's GeoJSON geometry, in its CRS, as WGS 84 longitude/latitude."""
    geom: ColumnElement[Any] = func.ST_SetSRID(func.ST_GeomFromGeoJSON(geojson), srid)
    if lat_first:
        geom = func.ST_FlipCoordinates(geom)
    return func.ST_Transform(geom, SRID) if srid != SRID else geom


def inspect_geometry(session: Session, geom: ColumnElement[Any]) -> AnyRow:
    """Why PostGIS finds the geometry invalid (or 'Valid Geometry'), and its bounds."""
    return session.execute(
        select(
            func.ST_IsValidReason(geom).label("reason"),
            func.ST_XMin(geom).label("xmin"),
            func.ST_YMin(geom).label("ymin"),
            func.ST_XMax(geom).label("xmax"),
            func.ST_YMax(geom).label("ymax"),
        )
    ).one()


def repaired(geom: ColumnElement[Any], dimension: int) -> ColumnElement[Any]:
    """ST_MakeValid, keeping the parts of the layer's dimension (polygons stay polygons)."""
    extract = {0: 1, 1: 2, 2: 3}[dimension]
    return func.ST_CollectionExtract(func.ST_MakeValid(geom), extract)


def stored_geometry(collection: Collection, geom: ColumnElement[Any]) -> ColumnElement[Any]:
    """The geometry as the layer stores it: multi when its type is."""
    return func.ST_Multi(geom) if collection.geometry_type.startswith("Multi") else geom


def insert_feature(
    session: Session,
    collection: Collection,
    values: dict[str, Any],
    geom: ColumnElement[Any],
    feature_id: int | None = None,
) -> int:
    """Insert a feature (with a given id when restoring); its new id."""
    table = model(collection)
    row = {**values, "geom": stored_geometry(collection, geom)}
    if feature_id is not None:
        row["id"] = feature_id
    return int(session.scalar(insert(table).values(row).returning(table.id)) or 0)


def update_feature(
    session: Session,
    collection: Collection,
    feature_id: int,
    values: dict[str, Any],
    geom: ColumnElement[Any],
) -> None:
    """Replace a feature's stored properties and geometry."""
    table = model(collection)
    row = {**values, "geom": stored_geometry(collection, geom)}
    session.execute(update(table).where(table.id == feature_id).values(row))


def delete_feature(session: Session, collection: Collection, feature_id: int) -> None:
    """Delete a feature; the history keeps it whole."""
    table = model(collection)
    session.execute(delete(table).where(table.id == feature_id))


def history(session: Session, collection: Collection, feature_id: int) -> list[FeatureHistory]:
    """The feature's changes, newest first."""
    statement = (
        select(FeatureHistory)
        .where(FeatureHistory.collection == collection.id, FeatureHistory.feature_id == feature_id)
        .order_by(FeatureHistory.id.desc())
    )
    return list(session.scalars(statement))
