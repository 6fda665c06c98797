"""Operations: organisations, clearance tasks, land released and items found.

Like every layer, each table is named after its collection; the catalogue gives the geometry
type and the allowed values the CHECK constraints keep. A record names its task by code and a
task its organisation by code (foreign keys that follow a renamed code); a record's
organisation and a released polygon's geodesic area are set by the database (migration 0011).
"""

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.catalog import (
    ItemAction,
    ItemCategory,
    Method,
    OrganisationKind,
    RecordState,
    ReleaseKind,
    TaskStatus,
)
from app.models.layers import Layer, in_check, sql_array_within


def _code_of(table: str) -> Mapped[str]:
    """A reference to another layer by its code, indexed."""
    return mapped_column(
        Text, ForeignKey(f"{table}.code", onupdate="CASCADE", ondelete="RESTRICT"), index=True
    )


def _state_checks() -> tuple[CheckConstraint, ...]:
    """A report's state, and a reason exactly when it is rejected."""
    return (
        in_check("state", RecordState),
        CheckConstraint("(state = 'rejected') = (reason IS NOT NULL)", name="reason"),
    )


class Organisation(Layer):
    """An organisation accredited for mine action."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    accredited_from: Mapped[date | None] = mapped_column(Date)
    accredited_to: Mapped[date | None] = mapped_column(Date)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Kind; dates in order."""
        return (
            in_check("kind", OrganisationKind),
            CheckConstraint(
                "accredited_to IS NULL OR accredited_from IS NULL "
                "OR accredited_to >= accredited_from",
                name="dates",
            ),
        )


class Task(Layer):
    """A survey or clearance task of one organisation over some hazard zones."""

    __tablename__ = "tasks"

    organisation: Mapped[str] = _code_of("organisations")
    zones: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    methods: Mapped[list[str]] = mapped_column(ARRAY(Text))
    status: Mapped[str] = mapped_column(Text)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Vocabularies; dates in order."""
        return (
            in_check("status", TaskStatus),
            CheckConstraint(
                sql_array_within("methods", Method) + " AND cardinality(methods) > 0",
                name="methods",
            ),
            CheckConstraint(
                "planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
                name="planned",
            ),
            CheckConstraint(
                "ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on", name="worked"
            ),
        )


class LandRelease(Layer):
    """A part of a task's land, released by one method on one date."""

    __tablename__ = "land_release"

    task: Mapped[str] = _code_of("tasks")
    kind: Mapped[str] = mapped_column(Text)
    released_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(Text, server_default=RecordState.submitted.value)
    reason: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text, index=True)
    area_m2: Mapped[int | None] = mapped_column(BigInteger)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Vocabularies, and a reason exactly when rejected."""
        return (in_check("kind", ReleaseKind), *_state_checks())


class ItemFound(Layer):
    """Explosive items of one category found by a task on one day."""

    __tablename__ = "items_found"

    task: Mapped[str] = _code_of("tasks")
    found_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(Text, server_default=RecordState.submitted.value)
    reason: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text, index=True)

    @classmethod
    def checks(cls) -> tuple[CheckConstraint, ...]:
        """Vocabularies, a positive count, and a reason exactly when rejected."""
        return (
            in_check("category", ItemCategory),
            in_check("action", ItemAction),
            CheckConstraint("count >= 1", name="count"),
            *_state_checks(),
        )
