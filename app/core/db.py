"""The engine and sessions; nothing connects at import time."""

from collections.abc import Iterator

from sqlalchemy import Engine, NullPool, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings


def make_engine(settings: Settings, *, read_only: bool = False) -> Engine:
    """One pooled engine, sized and time-limited by settings.

    A read-only engine's transactions are READ ONLY: the database itself refuses any write,
    row lock or refresh a read might attempt, as a streaming replica would. They are also
    REPEATABLE READ: every statement of a request sees one snapshot, so an answer built from
    several queries (figures and the data version they come from) never mixes two commits.
    """
    # The idle timeout is a backstop: no request holds a transaction while a client reads.
    options = (
        f"-c statement_timeout={settings.statement_timeout_ms} "
        f"-c idle_in_transaction_session_timeout={settings.idle_in_transaction_timeout_ms}"
    )
    if read_only:
        options += " -c default_transaction_read_only=on"
    return create_engine(
        settings.sqlalchemy_read_url if read_only else settings.sqlalchemy_url,
        pool_size=settings.pool_size if read_only else settings.write_pool_size,
        max_overflow=settings.max_overflow if read_only else settings.write_max_overflow,
        pool_pre_ping=True,
        pool_timeout=settings.pool_timeout_s,
        isolation_level="REPEATABLE READ" if read_only else "READ COMMITTED",
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "options": options,
        },
    )


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def make_probe_engine(settings: Settings) -> Engine:
    """An engine without a pool, for health checks of the database that serves the reads."""
    return create_engine(
        settings.sqlalchemy_read_url,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "options": "-c statement_timeout=2000 -c default_transaction_read_only=on",
        },
    )
