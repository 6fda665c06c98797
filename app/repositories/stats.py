"""Reads of the precomputed statistics tables, incidents and sources; and their refresh."""

from collections.abc import Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import (
    Row,
    Select,
    Text,
    column,
    extract,
    func,
    literal,
    select,
    text,
    true,
    union_all,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from app.catalog import COLLECTIONS
from app.core.db import Compiled
from app.models import (
    District,
    Incident,
    LayerVersion,
    StatsDelta,
    StatsDirtyDistrict,
    StatsDistrictArea,
    StatsState,
)
from app.repositories.features import visible
from app.repositories.layers import model

AnyRow = Row[*tuple[Any, ...]]
Key = tuple[str, str, str]  # (risk_level, status, contamination), "*" for any


class Versions(NamedTuple):
    """The data version of the layers, whether the statistics lag behind it, the territory,
    and each layer's own version (``layer_versions``, by layer name)."""

    data: int
    stale: bool
    territory_km2: float
    layers: tuple[int, ...]


def _versions_statement() -> Select[Any]:
    pending = select(StatsDirtyDistrict.district_id).exists()
    layers = select(
        func.array_agg(aggregate_order_by(LayerVersion.version, LayerVersion.layer))
    ).scalar_subquery()
    return select(
        StatsState.data_version,
        (StatsState.built_version < StatsState.data_version) | StatsState.rebuild_all | pending,
        StatsState.territory_km2,
        layers,
    )


VERSIONS = Compiled.of(_versions_statement())


def versions(session: Session) -> Versions:
    """The state row, read without a lock.

    The statistics are stale only inside a transaction that wrote and has not yet committed
    (its refresh runs at COMMIT), or after a write made with the triggers disabled.
    """
    data, stale, territory_km2, layers = VERSIONS.run(session)
    return Versions(data, stale, territory_km2, tuple(layers or ()))


def refresh(session: Session, *, everything: bool = False) -> int:
    """Rebuild the atoms and deltas of the districts writes touched (or all); return the version.

    For writers only: the deferred triggers would do it at COMMIT, under the statement
    timeout of the COMMIT. A bulk write calls this first, without a timeout, since a
    cut-short rebuild would roll the whole write back.
    """
    session.execute(text("SET LOCAL statement_timeout = 0"))
    if everything:
        # A full rebuild follows writes no trigger saw: the figures may change, so the
        # version that names them does too.
        session.execute(update(StatsState).values(data_version=StatsState.data_version + 1))
    rebuild = func.stats_refresh_all() if everything else func.stats_refresh()
    return int(session.scalar(select(rebuild)) or 0)


def delta_totals(
    session: Session,
    keys: Sequence[Key],
    until: date,
    *,
    district_id: int | None = None,
    by_district: bool = False,
) -> list[AnyRow]:
    """Contaminated and released km² on ``until``, per key (and per district if asked).

    Each figure is the level after the latest change on or before ``until``: one index probe
    per district, measure and key, however many zones and dates there are.
    """
    measures = values(column("measure", Text), name="measures").data(
        [("contaminated",), ("released",)]
    )
    wanted = values(
        column("risk_level", Text),
        column("status", Text),
        column("contamination", Text),
        name="wanted",
    ).data(list(dict.fromkeys(keys)))  # a repeated key would count twice
    level = (
        select(StatsDelta.level_km2)
        .where(
            StatsDelta.measure == measures.c.measure,
            StatsDelta.risk_level == wanted.c.risk_level,
            StatsDelta.status == wanted.c.status,
            StatsDelta.contamination == wanted.c.contamination,
            StatsDelta.district_id == StatsDistrictArea.district_id,
            StatsDelta.on_date <= until,
        )
        .order_by(StatsDelta.on_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    groups: list[Any] = [measures.c.measure, *wanted.c]
    if by_district:
        groups.append(StatsDistrictArea.district_id)
    statement = (
        select(*groups, func.sum(func.coalesce(level, 0.0)).label("km2"))
        .select_from(StatsDistrictArea)
        .join(measures, true())
        .join(wanted, true())
        .group_by(*groups)
    )
    if district_id is not None:
        statement = statement.where(StatsDistrictArea.district_id == district_id)
    return list(session.execute(statement).all())


def delta_years(session: Session, key: Key, until: date, district_id: int | None) -> list[AnyRow]:
    """Per measure, release kind and year: the sum of the changes dated in that year."""
    risk_level, _, contamination = key
    year = extract("year", StatsDelta.on_date).label("year")
    statement = (
        select(StatsDelta.measure, StatsDelta.status, year, func.sum(StatsDelta.delta_km2))
        .where(StatsDelta.on_date <= until)
        .where(StatsDelta.risk_level == risk_level, StatsDelta.contamination == contamination)
        .group_by(StatsDelta.measure, StatsDelta.status, year)
        .order_by(year)
    )
    if district_id is not None:
        statement = statement.where(StatsDelta.district_id == district_id)
    return list(session.execute(statement).all())


def districts(session: Session, district_id: int | None = None) -> list[AnyRow]:
    """Each district's id, code, name, kind and geodesic area, by id."""
    statement = (
        select(District.id, District.code, District.name, District.kind, StatsDistrictArea.area_km2)
        .join(StatsDistrictArea, StatsDistrictArea.district_id == District.id)
        .order_by(District.id)
    )
    if district_id is not None:
        statement = statement.where(District.id == district_id)
    return list(session.execute(statement).all())


def _casualty_columns() -> list[Any]:
    return [
        func.count().label("incidents"),
        func.coalesce(func.sum(Incident.killed), 0).label("killed"),
        func.coalesce(func.sum(Incident.injured), 0).label("injured"),
    ]


def incident_totals(
    session: Session, until: date, *, district_id: int | None = None, by_district: bool = False
) -> list[AnyRow]:
    """Incidents, killed and injured up to ``until``: one row, or one per district."""
    statement: Select[Any] = select(*_casualty_columns()).where(Incident.occurred_on <= until)
    if by_district:
        statement = statement.add_columns(Incident.district_id).group_by(Incident.district_id)
    if district_id is not None:
        statement = statement.where(Incident.district_id == district_id)
    return list(session.execute(statement).all())


def incident_years(
    session: Session, first: date, until: date, district_id: int | None
) -> list[AnyRow]:
    """Incidents, killed and injured per year between two dates."""
    year = extract("year", Incident.occurred_on).label("year")
    statement = (
        select(year, *_casualty_columns())
        .where(Incident.occurred_on >= first, Incident.occurred_on <= until)
        .group_by(year)
        .order_by(year)
    )
    if district_id is not None:
        statement = statement.where(Incident.district_id == district_id)
    return list(session.execute(statement).all())


def sources(session: Session) -> list[AnyRow]:
    """Each layer's distinct sources and their feature counts, by catalogue order and source;
    of reports, the approved ones only (the figures count no other, and drafts are private)."""
    parts = [
        select(
            literal(position).label("position"),
            literal(collection.id).label("layer"),
            model(collection).source.label("source"),
            func.count().label("features"),
        )
        .where(*visible(collection, None))
        .group_by(model(collection).source)
        for position, collection in enumerate(COLLECTIONS.values())
    ]
    listed = union_all(*parts).subquery()
    statement = select(listed.c.layer, listed.c.source, listed.c.features).order_by(
        listed.c.position, listed.c.source
    )
    return list(session.execute(statement).all())
