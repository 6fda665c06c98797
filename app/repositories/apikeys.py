"""The API keys: stored as hashes, found by their number, never by the key."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models import ApiKey


def add(session: Session, name: str, role: str, organisation: str | None) -> ApiKey:
    """A new key row, without its hash yet (the key holds the row's id)."""
    key = ApiKey(name=name, role=role, organisation=organisation, key_hash="")
    session.add(key)
    session.flush()
    return key


def by_id(session: Session, key_id: int) -> ApiKey | None:
    """The key with this number, revoked or not."""
    return session.get(ApiKey, key_id)


def all_keys(session: Session) -> list[ApiKey]:
    """Every key, by name."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.name)))


def revoke(session: Session, name: str) -> bool:
    """Revoke the key of this name; whether there was one to revoke."""
    done = session.execute(
        update(ApiKey)
        .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def touch(session: Session, key_id: int) -> None:
    """Record a write made with the key."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=func.now()))
