"""Accounts for people: users who sign in with a password, and their server-side sessions.

A password is kept only as an Argon2 hash; a session only as a SHA-256 hash of its random
token (the cookie), so a copy of the table opens no session. Deleting a session row ends it
at once: sign-out, a disabled user and a new password all do.
"""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.catalog import ROLES
from app.models.base import Base
from app.models.layers import sql_in


class User(Base):
    """A person: a unique name, a role (an operator's: of one organisation), a password hash."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(sql_in("role", ROLES), name="role"),
        CheckConstraint("(role = 'operator') = (organisation IS NOT NULL)", name="operator"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(
        Text, ForeignKey("organisations.code", onupdate="CASCADE", ondelete="RESTRICT")
    )
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A signed-in browser: the hash of its cookie's token, its CSRF token, its times."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    # Not a secret on its own (it opens nothing without the cookie): kept as is, to be shown.
    csrf_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
