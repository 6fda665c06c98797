"""Users and their sessions: found by name, and by the hash of a session's token."""

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.models import User, UserSession


def add_user(
    session: Session, name: str, role: str, organisation: str | None, password_hash: str
) -> User:
    """A new user row."""
    user = User(name=name, role=role, organisation=organisation, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


def user_named(session: Session, name: str) -> User | None:
    """The user of this name, disabled or not."""
    return session.scalar(select(User).where(User.name == name))


def all_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name)))


def disable(session: Session, user_id: int) -> None:
    """Disable the user now."""
    session.execute(
        update(User)
        .where(User.id == user_id, User.disabled_at.is_(None))
        .values(disabled_at=func.now())
    )


def set_password(session: Session, user_id: int, password_hash: str) -> None:
    """Store a new password hash."""
    session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def add_session(
    session: Session, user_id: int, token_hash: bytes, csrf_token: str, lifetime: timedelta
) -> int:
    """A new session of the user, that ends ``lifetime`` from now whatever its use; its id."""
    row = UserSession(
        user_id=user_id,
        token_hash=token_hash,
        csrf_token=csrf_token,
        expires_at=func.now() + lifetime,
    )
    session.add(row)
    session.flush()
    return row.id


def live_session(
    session: Session, token_hash: bytes, idle: timedelta
) -> tuple[UserSession, User] | None:
    """The session of this token and its user, when it has not expired, nor been idle for
    ``idle``, nor belongs to a disabled user."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_hash == token_hash,
            UserSession.expires_at > func.now(),
            UserSession.last_seen_at > func.now() - idle,
            User.disabled_at.is_(None),
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def touch_session(session: Session, session_id: int) -> None:
    """Note the session's activity (a write), which keeps it from going idle."""
    session.execute(
        update(UserSession).where(UserSession.id == session_id).values(last_seen_at=func.now())
    )


def end_session(session: Session, token_hash: bytes) -> None:
    """End the session of this token."""
    session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))


def end_sessions_of(session: Session, user_id: int) -> int:
    """End every session of the user; how many there were."""
    done = session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(done.rowcount)  # type: ignore[attr-defined]


def end_stale_sessions(session: Session, idle: timedelta) -> None:
    """Remove the sessions that can no longer be used (done at each sign-in)."""
    session.execute(
        delete(UserSession).where(
            (UserSession.expires_at <= func.now()) | (UserSession.last_seen_at <= func.now() - idle)
        )
    )
