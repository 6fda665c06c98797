"""Operations' SQL: whose a task is, which zones exist, and an approved release applied to
the hazard zones it covers."""

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, literal, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from app.catalog import Collection, RecordState, ZoneStatus
from app.models import ContaminatedZone, ItemFound, LandRelease, Organisation, Task
from app.repositories.layers import model

# Less than a square metre of a zone inside or outside a release is a sliver of the
# geometry's rounding, not land: it neither splits a zone nor keeps one contaminated.
SLIVER_M2 = 1.0
CONTAMINATED = (ZoneStatus.active.value, ZoneStatus.in_progress.value)


def task_organisation(session: Session, task_code: str) -> str | None:
    """The organisation of the task with this code, or None when there is no such task."""
    return session.scalar(select(Task.organisation).where(Task.code == task_code))


def organisation_exists(session: Session, code: str) -> bool:
    """Whether an organisation has this code."""
    return session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None


def has_approved_reports(session: Session, task_code: str) -> bool:
    """Whether any approved land-release record or item report names the task."""
    found = select(LandRelease.id).where(
        LandRelease.task == task_code, LandRelease.state == RecordState.approved.value
    )
    items = select(ItemFound.id).where(
        ItemFound.task == task_code, ItemFound.state == RecordState.approved.value
    )
    return session.scalar(select(found.union_all(items).exists())) or False


def approved_codes(session: Session, collection: Collection, codes: list[str]) -> set[str]:
    """Which of these codes name a report of the collection that is approved already."""
    table = model(collection)
    found = session.scalars(
        select(table.code).where(
            table.code.in_(codes),
            table.state == RecordState.approved.value,  # type: ignore[attr-defined]
        )
    )
    return set(found)


def clip_to_zones(session: Session, record_id: int, zone_ids: list[int]) -> None:
    """A record's polygon cut to the contaminated zones it releases: land that held no
    hazard zone, or was released already, is not released again, nor counted twice."""
    zones = (
        select(func.ST_Union(ContaminatedZone.geom))
        .where(ContaminatedZone.id.in_(zone_ids))
        .scalar_subquery()
    )
    session.execute(
        sql_update(LandRelease)
        .where(LandRelease.id == record_id)
        .values(geom=_polygons(func.ST_Intersection(LandRelease.geom, zones)))
    )


def missing_zones(session: Session, codes: list[str]) -> list[str]:
    """The codes among ``codes`` that name no hazard zone, in order."""
    found = set(
        session.scalars(select(ContaminatedZone.code).where(ContaminatedZone.code.in_(codes)))
    )
    return sorted(set(codes) - found)


def _area_m2(geom: ColumnElement[Any]) -> ColumnElement[float]:
    return func.ST_Area(func.Geography(geom))


def _polygons(geom: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.ST_Multi(func.ST_CollectionExtract(func.ST_MakeValid(geom), 3))


def covered_zones(session: Session, record_id: int) -> list[Any]:
    """Each contaminated zone the record's polygon covers part of: its row, the m² covered,
    and the m² left outside, geodesic; by zone id."""
    released = select(LandRelease.geom).where(LandRelease.id == record_id).scalar_subquery()
    zone = ContaminatedZone
    statement = (
        select(
            zone.id,
            zone.code,
            zone.recorded_on,
            _area_m2(func.ST_Intersection(zone.geom, released)).label("inside_m2"),
            _area_m2(func.ST_Difference(zone.geom, released)).label("outside_m2"),
        )
        .where(zone.status.in_(CONTAMINATED), func.ST_Intersects(zone.geom, released))
        .order_by(zone.id)
    )
    return [row for row in session.execute(statement) if row.inside_m2 >= SLIVER_M2]


def release_whole(session: Session, zone_id: int, kind: str, released_on: date) -> None:
    """A zone the release covers entirely takes the release's kind and date."""
    session.execute(
        sql_update(ContaminatedZone)
        .where(ContaminatedZone.id == zone_id)
        .values(status=kind, released_on=released_on)
    )


def release_part(
    session: Session, zone_id: int, record_id: int, record_code: str, kind: str, released_on: date
) -> None:
    """Split a zone the release covers in part: the released part becomes a zone of its own,
    released on the record's date, recorded when the zone was (so every figure before the
    release is unchanged); the zone keeps the rest, its status and its estimate."""
    released = select(LandRelease.geom).where(LandRelease.id == record_id).scalar_subquery()
    zone = ContaminatedZone
    names = [
        "name",
        "hazard_class",
        "contamination",
        "risk_level",
        "recorded_on",
        "imsma_id",
        "source",
        "accuracy",
    ]
    part = select(
        (zone.code + "-" + literal(record_code)).label("code"),
        *(getattr(zone, name) for name in names),
        literal(kind).label("status"),
        bindparam("released_on", released_on).label("released_on"),
        _polygons(func.ST_Intersection(zone.geom, released)).label("geom"),
    ).where(zone.id == zone_id)
    session.execute(
        insert(zone).from_select(["code", *names, "status", "released_on", "geom"], part)
    )
    session.execute(
        sql_update(zone)
        .where(zone.id == zone_id)
        .values(geom=_polygons(func.ST_Difference(zone.geom, released)))
    )
