"""Counting and bulk upserts of the layers."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    Select,
    Text,
    bindparam,
    cast,
    column,
    delete,
    func,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, insert
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS, Collection
from app.models import Base, Incident, IncidentVictim, Layer, LayerVersion

# Each layer's model, found by the table name its collection gives.
_MODELS: dict[str, type[Layer]] = {
    mapper.class_.__tablename__: mapper.class_
    for mapper in Base.registry.mappers
    if issubclass(mapper.class_, Layer)
}


def model(collection: Collection) -> type[Layer]:
    """The model (table) of a collection."""
    return _MODELS[collection.id]


def versions_of(sources: Sequence[str]) -> Select[Any]:
    """The versions of these tables (``layer_versions``, bumped by every write), in the
    tables' order; '{}' for tables no write has reached yet, not NULL."""
    versions = func.array_agg(aggregate_order_by(LayerVersion.version, LayerVersion.layer))
    return select(
        func.coalesce(versions, cast(literal("{}"), ARRAY(BigInteger))).label("versions")
    ).where(LayerVersion.layer == func.any(bindparam("sources", list(sources), ARRAY(Text))))


def count_rows(conn: Connection | Session) -> dict[str, int]:
    """The number of features in each collection, in catalogue order."""
    return {
        collection.id: conn.scalar(select(func.count()).select_from(model(collection))) or 0
        for collection in COLLECTIONS.values()
    }


def schema_revision(conn: Connection) -> str | None:
    """The migration the database is at (Alembic's version table), or None without one."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return None if revision is None else str(revision)


def upsert_by_code(
    session: Session, collection: Collection, rows: Iterable[Mapping[str, Any]]
) -> int:
    """Insert or update rows keyed by ``code`` in one statement; ``geom`` is GeoJSON text.

    One statement, not one per row: the layer's statement triggers (statistics, versions)
    then run once per batch rather than once per feature.
    """
    rows = list(rows)
    if not rows:
        return 0
    table = Base.metadata.tables[collection.id]  # the Core table: no ORM bulk insert
    names = [name for name in rows[0] if name != "geom"]
    record = (
        func.json_to_recordset(cast(bindparam("rows", type_=Text), JSON))
        .table_valued(*(column(name, table.c[name].type) for name in names), column("geom", Text))
        .render_derived(name="item", with_types=True)
    )
    geometry = _geometry_from_geojson(collection, record.c.geom)
    statement = insert(table).from_select(
        [*names, "geom"], select(*(record.c[name] for name in names), geometry)
    )
    statement = statement.on_conflict_do_update(
        index_elements=["code"],
        set_={name: statement.excluded[name] for name in [*names, "geom"] if name != "code"},
    )
    session.execute(statement, {"rows": orjson.dumps(rows).decode()})
    return len(rows)


def _geometry_from_geojson(collection: Collection, geojson: Any) -> Any:
    geometry = func.ST_SetSRID(func.ST_GeomFromGeoJSON(geojson), 4326)
    return func.ST_Multi(geometry) if collection.geometry_type.startswith("Multi") else geometry


def recompute_districts(session: Session) -> None:
    """Rerun the district triggers (incidents, settlements) after districts have changed."""
    for collection in COLLECTIONS.values():
        if collection.get_property("district_id") is not None:
            table = model(collection)
            session.execute(update(table).values(geom=table.geom))


def incident_ids(session: Session, codes: list[str]) -> dict[str, int]:
    """The ids of the incidents with these codes."""
    found = session.execute(select(Incident.code, Incident.id).where(Incident.code.in_(codes)))
    return {row.code: row.id for row in found}


def replace_victims(session: Session, victims: list[dict[str, Any]], ids: dict[str, int]) -> int:
    """Replace the private victim details of the incidents named in ``victims``."""
    session.execute(delete(IncidentVictim).where(IncidentVictim.incident_id.in_(ids.values())))
    rows = [
        {key: value for key, value in victim.items() if key != "incident_code"}
        | {"incident_id": ids[victim["incident_code"]]}
        for victim in victims
    ]
    if rows:
        session.execute(insert(IncidentVictim), rows)
    return len(rows)
