"""Residents' reports: what a resident gets back, what editors read and send."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.models.reports import (
    DESCRIPTION_MAX,
    PHONE_MAX,
    REASON_MAX,
    MergedInto,
    ReportCategory,
    VerifiedAs,
)
from app.models.reports import ReportStatus as ReportStatus  # re-exported: app.api reads it

RADIUS_MIN_M = 10
RADIUS_MAX_M = 5000


class ReportReceipt(BaseModel):
    """The answer to a sent report: its receipt code (keep it) and status."""

    receipt: str = Field(description="the code that tells this report's status, and only that")
    status: ReportStatus


class ReportStatusRead(BaseModel):
    """A report's status, all that a receipt tells."""

    status: ReportStatus


class ReportEventRead(BaseModel):
    """One step of a report's moderation."""

    action: str
    actor: str
    at: datetime
    detail: dict[str, Any] | None = None


class ReportRead(BaseModel):
    """A report as editors and admins see it, contact details included until purged."""

    id: int
    reference: str = Field(description="how the report is named elsewhere (a feature's source)")
    category: ReportCategory
    description: str | None
    phone: str | None
    photo: str | None = Field(description="the photo's URL, when there is one")
    status: ReportStatus
    reason: str | None
    verified_as: VerifiedAs | None
    merged_into: MergedInto | None = Field(
        description="the collection of the existing zone or incident it was merged into"
    )
    feature: str | None = Field(
        description="the URL of the incident or zone it became or was merged into"
    )
    received_at: datetime
    contacts_purged_at: datetime | None
    lon: float
    lat: float
    events: list[ReportEventRead]


class ReportList(BaseModel):
    """A page of the queue, newest first."""

    reports: list[ReportRead]
    numberMatched: int  # noqa: N815 - OGC API's spelling
    numberReturned: int  # noqa: N815
    limit: int
    offset: int


class ReportVerify(BaseModel):
    """How to verify a report: as an incident, or as an SHA around its point."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    as_: VerifiedAs = Field(alias="as")
    radius_m: float | None = Field(
        default=None,
        ge=RADIUS_MIN_M,
        le=RADIUS_MAX_M,
        description="an SHA's radius around the point, in metres (CONTAMAP_REPORT_SHA_RADIUS_M, "
        "100 m, by default)",
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="properties of the new feature that replace the ones derived from the report",
    )


class ReportMerge(BaseModel):
    """The existing zone or incident a report is merged into; the feature is not changed."""

    model_config = ConfigDict(extra="forbid")

    collection: MergedInto
    feature_id: int = Field(ge=1, le=2**31 - 1)


class ReportReject(BaseModel):
    """Why a report is rejected; the reason is kept."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=REASON_MAX)


PHONE_PATTERN = r"^\+?[0-9][0-9 ()\-]{4,30}$"


class ReportCreate(BaseModel):
    """The text fields of a sent report (multipart/form-data, with an optional ``photo``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="longitude, WGS 84")
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="latitude, WGS 84")
    category: ReportCategory = Field(description="what was seen")
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    phone: str | None = Field(
        default=None,
        max_length=PHONE_MAX,
        pattern=PHONE_PATTERN,
        description="to be called back; seen only by editors, deleted after the retention period",
    )

    @field_validator("description", "phone", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """A form's empty field is no value."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("description")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        """Text only: no control characters but line breaks and tabs."""
        if value is not None and any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
            raise ValueError("control characters are not allowed")
        return value
