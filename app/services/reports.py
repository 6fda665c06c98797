"""Residents' reports: receive, look up by receipt, moderate (verify or reject), retain.

A report is private: it is no collection, so no feature list, tile, statistic or export can
serve it. Editors and admins read the queue; a resident's receipt tells its status only.
Verifying makes an incident or a suspected hazardous area (SHA) through the editing service,
so the new feature has its history (with the editor's name), tiles and statistics at once.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from app.catalog import COLLECTIONS, ContaminationType, Device
from app.core.config import Settings
from app.core.db import Row, Session, off_loop
from app.errors import Conflict, NotFound
from app.models.reports import ReportCategory, ReportStatus, VerifiedAs
from app.repositories import editing as features_repo
from app.repositories import reports as repo
from app.schemas.reports import (
    ReportEventRead,
    ReportList,
    ReportMerge,
    ReportRead,
    ReportReceipt,
    ReportReject,
    ReportVerify,
)
from app.services import editing, report_photos
from app.services.auth import Caller
from app.services.report_webhook import Webhook

# Crockford's base 32: no I, L, O or U to misread; 12 of them are 60 random bits.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12
RETENTION_ACTOR = "retention"
# What a verified report becomes, by what the resident saw.
DEVICE = {
    ReportCategory.mine: Device.unknown_landmine,
    ReportCategory.uxo: Device.uxo,
    ReportCategory.suspicious_object: Device.uxo,
    ReportCategory.warning_sign: Device.unknown_landmine,
    ReportCategory.accident: Device.unknown_landmine,
}
CONTAMINATION = {
    ReportCategory.mine: ContaminationType.anti_personnel,
    ReportCategory.uxo: ContaminationType.uxo,
    ReportCategory.suspicious_object: ContaminationType.uxo,
    ReportCategory.warning_sign: ContaminationType.anti_personnel,
    ReportCategory.accident: ContaminationType.anti_personnel,
}
COLLECTION_OF = {VerifiedAs.incident: "incidents", VerifiedAs.sha: "contaminated_zones"}
# What a receipt tells: a report merged into an existing feature was verified, to the resident.
PUBLIC_STATUS = {ReportStatus.merged: ReportStatus.verified}


@dataclass(frozen=True)
class Submission:
    """A resident's report as sent, checked field by field (the photo not yet decoded)."""

    lon: float
    lat: float
    category: ReportCategory
    description: str | None
    phone: str | None
    photo: bytes | None


def reference(report_id: int) -> str:
    """How a report is named in features and messages: ``R-00042``; never its receipt."""
    return f"R-{report_id:05d}"


def new_receipt() -> str:
    """An unguessable receipt code, ``XXXX-XXXX-XXXX``."""
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalised_receipt(text: str) -> str | None:
    """A receipt as typed (any case, spaces, O for 0, I or L for 1) in its stored form."""
    table = str.maketrans({"O": "0", "I": "1", "L": "1"})
    code = "".join(ch for ch in text.upper() if ch.isalnum()).translate(table)
    if len(code) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in code):
        return None
    return "-".join(code[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def submit(
    session: Session, submission: Submission, base: str
) -> tuple[ReportReceipt, dict[str, Any]]:
    """Store a report; its receipt, and the webhook's payload (no phone, no receipt)."""
    photo = None
    if submission.photo is not None:  # decoded and encoded again in a thread
        photo = off_loop(report_photos.reencoded, submission.photo)
    receipt = new_receipt()
    values = {
        "receipt": receipt,
        "category": submission.category.value,
        "description": submission.description,
        "phone": submission.phone,
        "photo": photo,
    }
    report_id = repo.insert_report(session, values, submission.lon, submission.lat)
    repo.add_event(session, report_id, "received", "resident", None)
    payload = {
        "event": "report.received",
        "id": report_id,
        "reference": reference(report_id),
        "category": submission.category.value,
        "lon": submission.lon,
        "lat": submission.lat,
        "description": submission.description,
        "has_photo": photo is not None,
        "received_at": datetime.now(UTC).isoformat(),
        "url": f"{base}/reports/{report_id}",
    }
    return ReportReceipt(receipt=receipt, status=ReportStatus.received), payload


def status(session: Session, receipt: str) -> ReportStatus:
    """The status of the report with this receipt; 404 for any other code."""
    code = normalised_receipt(receipt)
    found = repo.status_of(session, code) if code else None
    if found is None:
        raise NotFound("no report has this receipt code")
    return PUBLIC_STATUS.get(ReportStatus(found), ReportStatus(found))


def _read(row: Row[Any], events: list[ReportEventRead], base: str) -> ReportRead:
    feature = None
    collection = COLLECTION_OF[VerifiedAs(row.verified_as)] if row.verified_as else row.merged_into
    if collection is not None:
        feature = f"{base}/collections/{collection}/items/{row.feature_id}"
    return ReportRead(
        id=row.id,
        reference=reference(row.id),
        category=row.category,
        description=row.description,
        phone=row.phone,
        photo=f"{base}/reports/{row.id}/photo" if row.has_photo else None,
        status=row.status,
        reason=row.reason,
        verified_as=row.verified_as,
        merged_into=row.merged_into,
        feature=feature,
        received_at=row.received_at,
        contacts_purged_at=row.contacts_purged_at,
        lon=row.lon,
        lat=row.lat,
        events=events,
    )


def _events(session: Session, report_ids: list[int]) -> dict[int, list[ReportEventRead]]:
    grouped: dict[int, list[ReportEventRead]] = {report_id: [] for report_id in report_ids}
    for event in repo.events(session, report_ids):
        grouped[event.report_id].append(
            ReportEventRead(
                action=event.action, actor=event.actor, at=event.at, detail=event.detail
            )
        )
    return grouped


def queue(
    session: Session, limit: int, offset: int, status: ReportStatus | None, base: str
) -> ReportList:
    """A page of reports, newest first, each with its steps."""
    rows, total = repo.page(session, limit, offset, status.value if status else None)
    events = _events(session, [row.id for row in rows])
    return ReportList(
        reports=[_read(row, events[row.id], base) for row in rows],
        numberMatched=total,
        numberReturned=len(rows),
        limit=limit,
        offset=offset,
    )


def _row(session: Session, report_id: int, *, lock: bool = False) -> Row[Any]:
    row = repo.one(session, report_id, lock=lock)
    if row is None:
        raise NotFound(f"no report {report_id}")
    return row


def read(session: Session, report_id: int, base: str) -> ReportRead:
    """One report with its steps."""
    row = _row(session, report_id)
    return _read(row, _events(session, [report_id])[report_id], base)


def photo(session: Session, report_id: int) -> bytes:
    """The report's photo (JPEG); 404 when it has none or it was purged."""
    _row(session, report_id)
    data = repo.photo(session, report_id)
    if data is None:
        raise NotFound(f"report {report_id} has no photo (none was sent, or it was purged)")
    return data


def _open(session: Session, report_id: int) -> Row[Any]:
    """The report, locked, when it still waits for a decision; else a 409."""
    row = _row(session, report_id, lock=True)
    if row.status != ReportStatus.received:
        raise Conflict(f"report {report_id} is {row.status} already")
    return row


def _feature(row: Row[Any], verify: ReportVerify, radius_m: float, geometry: Any) -> Any:
    """The incident or SHA a verified report becomes, with ``source`` naming the report."""
    category = ReportCategory(row.category)
    name = reference(row.id)
    common = {"code": name, "source": f"resident report {name}"}
    if verify.as_ is VerifiedAs.sha:
        properties: dict[str, Any] = {
            **common,
            "hazard_class": "SHA",
            "contamination": [CONTAMINATION[category].value],
            "risk_level": "high",
            "status": "active",
            "recorded_on": row.received_at.date().isoformat(),
            "accuracy": f"a {radius_m:g} m geodesic buffer around a resident's point",
        }
    else:
        properties = {
            **common,
            "occurred_on": row.received_at.date().isoformat(),
            "device": DEVICE[category].value,
            "activity": "other",
            "killed": 0,
            "injured": 0,
            "victim_category": "civilian",
            "location_accuracy": "surveyed",
            "location_note": "placed by a resident on the phone map",
        }
    properties.update(verify.properties)
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def verify(
    session: Session,
    report_id: int,
    verify: ReportVerify,
    caller: Caller,
    settings: Settings,
    base: str,
) -> ReportRead:
    """Make the report an incident or an SHA (a geodesic buffer of ``radius_m``, 100 m by
    default, around its point), written as ``caller``; the report is verified."""
    row = _open(session, report_id)
    radius_m = verify.radius_m or settings.report_sha_radius_m
    if verify.as_ is VerifiedAs.sha:
        geometry = orjson.loads(repo.buffer_geojson(session, report_id, radius_m))
    else:
        geometry = orjson.loads(repo.point_geojson(session, report_id))
    collection = COLLECTIONS[COLLECTION_OF[verify.as_]]
    feature = _feature(row, verify, radius_m, geometry)
    written = editing.create(session, collection, feature, caller, editing.WriteOptions(), base)
    outcome = {"verified_as": verify.as_.value, "feature_id": written.feature_id}
    repo.set_outcome(session, report_id, {"status": ReportStatus.verified.value, **outcome})
    detail: dict[str, Any] = {**outcome, "collection": collection.id}
    if verify.as_ is VerifiedAs.sha:
        detail["radius_m"] = radius_m
    repo.add_event(session, report_id, "verified", caller.name, detail)
    return read(session, report_id, base)


def merge(
    session: Session, report_id: int, merge: ReportMerge, caller: Caller, base: str
) -> ReportRead:
    """Merge the report into an existing zone or incident, which is not changed; the report's
    status is ``merged`` (its receipt tells "verified") and the step names the feature."""
    _open(session, report_id)
    collection = COLLECTIONS[merge.collection.value]
    # Locked, so the feature cannot be deleted before the report names it.
    if features_repo.version(session, collection, merge.feature_id, lock=True) is None:
        raise NotFound(f"no feature {merge.feature_id} in {collection.id}")
    outcome = {"merged_into": collection.id, "feature_id": merge.feature_id}
    repo.set_outcome(session, report_id, {"status": ReportStatus.merged.value, **outcome})
    detail = {"collection": collection.id, "feature_id": merge.feature_id}
    repo.add_event(session, report_id, "merged", caller.name, detail)
    return read(session, report_id, base)


def reject(
    session: Session, report_id: int, reject: ReportReject, caller: Caller, base: str
) -> ReportRead:
    """Reject the report with a reason, which is kept."""
    _open(session, report_id)
    reason = reject.reason.strip()
    values = {"status": ReportStatus.rejected.value, "reason": reason}
    repo.set_outcome(session, report_id, values)
    repo.add_event(session, report_id, "rejected", caller.name, {"reason": reason})
    return read(session, report_id, base)


def purge_contacts(session: Session, retention_days: int, now: datetime | None = None) -> list[int]:
    """Delete the phone and photo of every report received more than ``retention_days`` ago
    (CONTAMAP_REPORT_CONTACT_RETENTION_DAYS, 90 by default); the ids of those reports."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    return repo.purge_contacts(session, cutoff, RETENTION_ACTOR)


def webhook_of(settings: Settings) -> Webhook | None:
    """The configured webhook, if any."""
    if settings.report_webhook_url is None or not settings.report_webhook_secret:
        return None
    return Webhook(
        str(settings.report_webhook_url),
        settings.report_webhook_secret,
        settings.report_webhook_attempts,
        settings.report_webhook_backoff_s,
    )
