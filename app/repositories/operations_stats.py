"""Operations' figures: approved land released, items found, working days, tasks started and
completed, incidents and the sources behind them.

Only approved records count. An area is geodesic (PostGIS geography, WGS 84): a record's own
``area_m2`` (set by the database from its polygon) nationally, its polygon clipped to each
district when districts are asked for. An item is in the district of its point, or of its
task's point on surface when it has none; a task is in the district of its point on surface.
"""

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Float,
    Integer,
    Select,
    String,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.catalog import RecordState
from app.models import District, Incident, ItemFound, LandRelease, Task
from app.repositories.stats import AnyRow

APPROVED = RecordState.approved.value


def _year(day: Any) -> ColumnElement[str]:
    return cast(cast(extract("year", day), Integer), String)


def _month(day: Any) -> ColumnElement[str]:
    return func.to_char(day, "YYYY-MM")


def _district_of(point: Any) -> ColumnElement[int]:
    """The id of the district holding a point (the lowest id on a shared border)."""
    return (
        select(District.id)
        .where(func.ST_Intersects(District.geom, point))
        .order_by(District.id)
        .limit(1)
        .scalar_subquery()
    )


def task_district() -> ColumnElement[int]:
    """The district of a task: the one holding its point on surface."""
    return _district_of(func.ST_PointOnSurface(Task.geom))


def _item_district() -> ColumnElement[int]:
    """The district of an item: its point's, else its task's."""
    task_point = (
        select(func.ST_PointOnSurface(Task.geom))
        .where(Task.code == ItemFound.task)
        .correlate(ItemFound)
        .scalar_subquery()
    )
    return func.coalesce(_district_of(ItemFound.geom), _district_of(task_point))


def _in_period(column: Any, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    conditions = []
    if first is not None:
        conditions.append(column >= first)
    if last is not None:
        conditions.append(column <= last)
    return conditions


def _task_methods() -> Any:
    """Each task's code with each of its methods, a row each."""
    return select(Task.code, func.unnest(Task.methods).label("method")).subquery("methods")


def _label(groups: tuple[str, ...]) -> Any:
    return District.name if "district" in groups else literal(None, String)


def released(
    session: Session,
    groups: tuple[str, ...],
    first: date | None,
    last: date | None,
    district_id: int | None = None,
) -> list[AnyRow]:
    """Approved released m² and the records counted, per combination of the ``groups``
    (kind, organisation, method, district, year, month) and the label of the group (a
    district's name); by the groups in turn."""
    record = LandRelease
    by_district = "district" in groups or district_id is not None
    area: ColumnElement[Any] = func.coalesce(record.area_m2, 0)
    if by_district:
        area = func.ST_Area(func.Geography(func.ST_Intersection(record.geom, District.geom)))
    methods = _task_methods()
    keys: dict[str, Any] = {
        "kind": record.kind,
        "organisation": record.organisation,
        "method": methods.c.method,
        "district": District.code,
        "year": _year(record.released_on),
        "month": _month(record.released_on),
    }
    columns = [keys[group].label(group) for group in groups]
    label = _label(groups)
    statement: Select[Any] = select(
        *columns,
        label.label("label"),
        cast(func.sum(area), Float).label("m2"),
        func.count(func.distinct(record.id)).label("records"),
    ).where(record.state == APPROVED, *_in_period(record.released_on, first, last))
    if "method" in groups:
        statement = statement.join(methods, methods.c.code == record.task)
    if by_district:
        statement = statement.join(District, func.ST_Intersects(record.geom, District.geom))
        if district_id is not None:
            statement = statement.where(District.id == district_id)
    ordered = [keys[group] for group in groups]
    statement = statement.group_by(*ordered, label).order_by(*ordered, label)
    return list(session.execute(statement).all())


def items(
    session: Session,
    groups: tuple[str, ...],
    first: date | None,
    last: date | None,
    district_id: int | None = None,
) -> list[AnyRow]:
    """Approved items found and the reports counted, per combination of the ``groups``
    (category, action, organisation, method, district, year, month) and the group's label;
    by the groups in turn. By method, a report counts under each method of its task."""
    item = ItemFound
    located = (
        select(
            item.id,
            item.task,
            item.category,
            item.action,
            item.count,
            item.organisation,
            item.found_on,
            _item_district().label("district_id"),
        )
        .where(item.state == APPROVED, *_in_period(item.found_on, first, last))
        .subquery("located")
    )
    methods = _task_methods()
    keys: dict[str, Any] = {
        "category": located.c.category,
        "action": located.c.action,
        "organisation": located.c.organisation,
        "method": methods.c.method,
        "district": District.code,
        "year": _year(located.c.found_on),
        "month": _month(located.c.found_on),
    }
    columns = [keys[group].label(group) for group in groups]
    label = _label(groups)
    statement: Select[Any] = select(
        *columns,
        label.label("label"),
        func.coalesce(func.sum(located.c.count), 0).label("items"),
        func.count().label("records"),
    ).select_from(located)
    if "method" in groups:
        statement = statement.join(methods, methods.c.code == located.c.task)
    if "district" in groups or district_id is not None:
        statement = statement.join(District, District.id == located.c.district_id)
        if district_id is not None:
            statement = statement.where(District.id == district_id)
    ordered = [keys[group] for group in groups]
    statement = statement.group_by(*ordered, label).order_by(*ordered, label)
    return list(session.execute(statement).all())


def productivity(session: Session, first: date, last: date) -> list[AnyRow]:
    """Per organisation and method: approved m² released in the period, the records, and the
    working days (weekdays on which one of its tasks using the method was under way: from its
    start to its end, or to the period's end while it has none); by organisation, method."""
    task_methods = select(
        Task.code,
        Task.organisation,
        func.unnest(Task.methods).label("method"),
        Task.started_on,
        Task.ended_on,
    ).subquery("task_methods")
    record = LandRelease
    released_m2 = (
        select(
            task_methods.c.organisation,
            task_methods.c.method,
            cast(func.sum(func.coalesce(record.area_m2, 0)), Float).label("m2"),
            func.count().label("records"),
        )
        .join(task_methods, task_methods.c.code == record.task)
        .where(record.state == APPROVED, *_in_period(record.released_on, first, last))
        .group_by(task_methods.c.organisation, task_methods.c.method)
        .subquery("released_m2")
    )
    start = func.greatest(task_methods.c.started_on, first)
    end = func.least(func.coalesce(task_methods.c.ended_on, last), last)
    # One row per day a task ran in the period; none when it ended before or starts after.
    days = (
        select(
            task_methods.c.organisation,
            task_methods.c.method,
            cast(start + func.generate_series(0, end - start), Date).label("day"),
        )
        .where(task_methods.c.started_on.is_not(None))
        .subquery("days")
    )
    worked = (
        select(
            days.c.organisation,
            days.c.method,
            func.count(func.distinct(days.c.day)).label("days"),
        )
        .where(extract("isodow", days.c.day) < 6)
        .group_by(days.c.organisation, days.c.method)
        .subquery("worked")
    )
    organisation = func.coalesce(released_m2.c.organisation, worked.c.organisation)
    method = func.coalesce(released_m2.c.method, worked.c.method)
    statement = (
        select(
            organisation.label("organisation"),
            method.label("method"),
            func.coalesce(released_m2.c.m2, 0).label("m2"),
            func.coalesce(released_m2.c.records, 0).label("records"),
            func.coalesce(worked.c.days, 0).label("days"),
        )
        .select_from(released_m2)
        .join(
            worked,
            (released_m2.c.organisation == worked.c.organisation)
            & (released_m2.c.method == worked.c.method),
            full=True,
        )
        .order_by(organisation, method)
    )
    return list(session.execute(statement).all())


def tasks_started_and_completed(session: Session, first: date, last: date) -> list[AnyRow]:
    """Per district id (None: in no district): the tasks started and the tasks completed in
    the period; by district id."""
    district_id = task_district().label("district_id")
    started = func.count().filter(Task.started_on.between(first, last))
    completed = func.count().filter(Task.status == "completed", Task.ended_on.between(first, last))
    statement = (
        select(district_id, started.label("started"), completed.label("completed"))
        .group_by(district_id)
        .order_by(district_id)
    )
    return list(session.execute(statement).all())


def incidents(session: Session, first: date, last: date) -> list[AnyRow]:
    """Per district id (None: in no district): incidents, killed and injured in the period;
    by district id."""
    statement = (
        select(
            Incident.district_id,
            func.count().label("incidents"),
            func.coalesce(func.sum(Incident.killed), 0).label("killed"),
            func.coalesce(func.sum(Incident.injured), 0).label("injured"),
        )
        .where(Incident.occurred_on.between(first, last))
        .group_by(Incident.district_id)
        .order_by(Incident.district_id)
    )
    return list(session.execute(statement).all())


def record_sources(session: Session, first: date | None, last: date | None) -> list[AnyRow]:
    """The layer, source and count of the approved records, and of the incidents, in the
    period; by layer and source."""
    parts = []
    for layer, model, day in (
        ("land_release", LandRelease, LandRelease.released_on),
        ("items_found", ItemFound, ItemFound.found_on),
    ):
        parts.append(
            select(literal(layer).label("layer"), model.source, func.count().label("features"))
            .where(model.state == APPROVED, *_in_period(day, first, last))
            .group_by(model.source)
        )
    parts.append(
        select(literal("incidents").label("layer"), Incident.source, func.count())
        .where(*_in_period(Incident.occurred_on, first, last))
        .group_by(Incident.source)
    )
    listed = union_all(*parts).subquery()
    statement = select(listed.c.layer, listed.c.source, listed.c.features).order_by(
        listed.c.layer, listed.c.source
    )
    return list(session.execute(statement).all())


def task_sources(session: Session, first: date, last: date) -> list[AnyRow]:
    """The sources of the tasks started or ended in the period, by source."""
    statement = (
        select(Task.source, func.count().label("features"))
        .where(Task.started_on.between(first, last) | Task.ended_on.between(first, last))
        .group_by(Task.source)
        .order_by(Task.source)
    )
    return list(session.execute(statement).all())
