"""SQL of residents' reports: insert, the queue, one report, its photo, steps and retention."""

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, literal, select, update
from sqlalchemy.orm import Session

from app.models import Report, ReportEvent
from app.models.layers import SRID

# Every column of a report except the photo, with the point as longitude and latitude.
_COLUMNS = (
    Report.id,
    Report.receipt,
    Report.category,
    Report.description,
    Report.phone,
    (Report.photo.is_not(None)).label("has_photo"),
    Report.status,
    Report.reason,
    Report.verified_as,
    Report.merged_into,
    Report.feature_id,
    Report.received_at,
    Report.contacts_purged_at,
    func.ST_X(Report.geom).label("lon"),
    func.ST_Y(Report.geom).label("lat"),
)


def insert_report(session: Session, values: dict[str, Any], lon: float, lat: float) -> int:
    """Store a new report at the point; its id."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)
    statement = insert(Report).values(**values, geom=point).returning(Report.id)
    return int(session.scalar(statement) or 0)


def status_of(session: Session, receipt: str) -> str | None:
    """The status of the report with this receipt, if there is one."""
    return session.scalar(select(Report.status).where(Report.receipt == receipt))


def page(
    session: Session, limit: int, offset: int, status: str | None
) -> tuple[list[Row[Any]], int]:
    """Reports newest first (ties by id, newest first), and how many match in all."""
    where = [Report.status == status] if status else []
    statement = (
        select(*_COLUMNS)
        .where(*where)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(select(func.count()).select_from(Report).where(*where)) or 0
    return list(session.execute(statement)), total


def one(session: Session, report_id: int, *, lock: bool = False) -> Row[Any] | None:
    """One report without its photo; ``lock`` holds its row until the transaction ends."""
    statement = select(*_COLUMNS).where(Report.id == report_id)
    if lock:
        statement = statement.with_for_update(of=Report)
    return session.execute(statement).one_or_none()


def photo(session: Session, report_id: int) -> bytes | None:
    """The report's stored photo (a JPEG), if it has one."""
    return session.scalar(select(Report.photo).where(Report.id == report_id))


def add_event(
    session: Session, report_id: int, action: str, actor: str, detail: dict[str, Any] | None
) -> None:
    """Record one step of the report's moderation."""
    session.execute(
        insert(ReportEvent).values(report_id=report_id, action=action, actor=actor, detail=detail)
    )


def events(session: Session, report_ids: list[int]) -> list[ReportEvent]:
    """The steps of these reports, oldest first."""
    statement = (
        select(ReportEvent)
        .where(ReportEvent.report_id.in_(report_ids))
        .order_by(ReportEvent.report_id, ReportEvent.id)
    )
    return list(session.scalars(statement))


def buffer_geojson(session: Session, report_id: int, radius_m: float) -> str:
    """A polygon of the points within ``radius_m`` metres of the report's point, on the
    ellipsoid (PostGIS buffers a geography in a local projection fit to it), as GeoJSON."""
    geography = func.Geography(Report.geom)
    polygon = func.ST_Buffer(geography, radius_m, "quad_segs=16")
    statement = select(func.ST_AsGeoJSON(func.Geometry(polygon), 9)).where(Report.id == report_id)
    return str(session.scalar(statement))


def point_geojson(session: Session, report_id: int) -> str:
    """The report's point as GeoJSON."""
    return str(
        session.scalar(select(func.ST_AsGeoJSON(Report.geom, 9)).where(Report.id == report_id))
    )


def set_outcome(session: Session, report_id: int, values: dict[str, Any]) -> None:
    """Store the report's status and what came of it."""
    session.execute(update(Report).where(Report.id == report_id).values(**values))


def purge_contacts(session: Session, received_before: datetime, actor: str) -> list[int]:
    """Remove the phone and photo of every report received before the date; their ids.

    Nothing else of a report changes; each purge is a step of its history.
    """
    purged = (
        update(Report)
        .where(
            Report.received_at < received_before,
            (Report.phone.is_not(None)) | (Report.photo.is_not(None)),
        )
        .values(phone=None, photo=None, contacts_purged_at=func.now())
        .returning(Report.id)
    )
    ids = sorted(session.scalars(purged))
    if ids:
        rows = select(Report.id, literal("contacts_purged"), literal(actor)).where(
            Report.id.in_(ids)
        )
        session.execute(insert(ReportEvent).from_select(["report_id", "action", "actor"], rows))
    return ids
