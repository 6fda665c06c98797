"""Residents' reports: private, never a collection; read only by editors and admins.

A report holds the point a resident placed, what they saw, an optional description, photo
(re-encoded, without any EXIF) and phone number, and the steps of its moderation. The phone
and the photo are the contact details the retention command deletes.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.layers import SRID, sql_in


class ReportCategory(StrEnum):
    """What a resident saw."""

    mine = "mine"  # a mine or a part of one
    uxo = "uxo"  # an unexploded shell or bomb
    suspicious_object = "suspicious_object"
    warning_sign = "warning_sign"
    accident = "accident"  # with people or animals


class ReportStatus(StrEnum):
    """Where a report stands: the only thing its receipt tells."""

    received = "received"
    verified = "verified"
    rejected = "rejected"
    merged = "merged"  # joined an existing zone or incident; its receipt tells "verified"


class VerifiedAs(StrEnum):
    """What a verified report became."""

    incident = "incident"
    sha = "sha"


class MergedInto(StrEnum):
    """The collection of the existing feature a merged report joined."""

    contaminated_zones = "contaminated_zones"
    incidents = "incidents"


DESCRIPTION_MAX = 2000  # characters
PHONE_MAX = 32
REASON_MAX = 2000


class Report(Base):
    """One resident's report and its moderation."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(sql_in("category", ReportCategory), name="category"),
        CheckConstraint(sql_in("status", ReportStatus), name="status"),
        CheckConstraint(
            f"verified_as IS NULL OR {sql_in('verified_as', VerifiedAs)}", name="verified_as"
        ),
        CheckConstraint(f"char_length(description) <= {DESCRIPTION_MAX}", name="description"),
        CheckConstraint(f"char_length(phone) <= {PHONE_MAX}", name="phone"),
        CheckConstraint("(status = 'rejected') = (reason IS NOT NULL)", name="reason"),
        CheckConstraint(
            "(status = 'verified') = (verified_as IS NOT NULL AND feature_id IS NOT NULL)",
            name="verified",
        ),
        CheckConstraint(
            f"merged_into IS NULL OR {sql_in('merged_into', MergedInto)}", name="merged_into"
        ),
        CheckConstraint(
            "(status = 'merged') = (merged_into IS NOT NULL AND feature_id IS NOT NULL)",
            name="merged",
        ),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geom_valid"),
        Index("ix_reports_received_at", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    receipt: Mapped[str] = mapped_column(Text, unique=True)
    category: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)  # JPEG, re-encoded, no EXIF
    status: Mapped[str] = mapped_column(Text, server_default=ReportStatus.received.value)
    reason: Mapped[str | None] = mapped_column(Text)
    verified_as: Mapped[str | None] = mapped_column(Text)
    merged_into: Mapped[str | None] = mapped_column(Text)
    feature_id: Mapped[int | None] = mapped_column(Integer)  # in verified_as's or merged_into
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    contacts_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True), nullable=False
    )


class ReportEvent(Base):
    """One step of a report's moderation: who, when, what, and its details."""

    __tablename__ = "report_events"
    __table_args__ = (Index("ix_report_events_report", "report_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
