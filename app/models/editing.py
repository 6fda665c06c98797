"""Editing: the keys that may write, and the history of every change of every feature."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.catalog import ROLES
from app.models.base import Base
from app.models.layers import sql_in

# What a change was; approve and reject are an authority's decisions on a progress report.
HISTORY_ACTIONS = (
    "create",
    "replace",
    "update",
    "delete",
    "restore",
    "import",
    "approve",
    "reject",
)


class ApiKey(Base):
    """A key that may write: its name, role and a hash of the key (never the key itself)."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(sql_in("role", ROLES), name="role"),
        # An operator's key belongs to one organisation; the authority's keys to none.
        CheckConstraint("(role = 'operator') = (organisation IS NOT NULL)", name="operator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(
        Text, ForeignKey("organisations.code", onupdate="CASCADE", ondelete="RESTRICT")
    )
    key_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeatureHistory(Base):
    """One change of one feature, written by a trigger (migration 0008): before and after."""

    __tablename__ = "feature_history"
    __table_args__ = (
        CheckConstraint(
            sql_in("action", HISTORY_ACTIONS),
            name="action",
        ),
        Index("ix_feature_history_collection", "collection", "feature_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    collection: Mapped[str] = mapped_column(Text)
    feature_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    status: Mapped[str | None] = mapped_column(
        Text, Computed("after ->> 'status'", persisted=True)
    )  # migration 0009: read by the statistics without unpacking the feature
