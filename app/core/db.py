"""The engine and sessions; nothing connects at import time."""

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import ClauseElement, Engine, NullPool, QueuePool, Row, create_engine
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings

T = TypeVar("T")
DIALECT = postgresql_psycopg.dialect()  # type: ignore[no-untyped-call]
# What the services name of the database: its sessions, connections, rows and errors. They
# build no SQL (app.repositories does, from the query objects), so they import no
# SQLAlchemy: an import-linter contract in pyproject.toml says so.
__all__ = [
    "AsyncConnection",
    "AsyncEngine",
    "Engine",
    "IntegrityError",
    "Row",
    "SQLAlchemyError",
    "Session",
]


@dataclass(frozen=True)
class Gate:
    """The queue in front of an asyncio engine's pool: first come, first served.

    SQLAlchemy's asyncio pool is not fair: a connection given back goes to whichever request
    asks next, before the one the pool woke for it, which then queues again at the end. With
    100 clients, some waited seconds while others were served at once (p99 4.2 s for an answer
    that takes 4 ms). asyncio's semaphore serves its waiters in order and lets no newcomer pass
    them; with as many places as the pool has connections, no checkout ever waits in the pool.
    """

    places: asyncio.Semaphore
    timeout_s: float


_GATES: "weakref.WeakKeyDictionary[AsyncEngine, Gate]" = weakref.WeakKeyDictionary()


def queue_reads(engine: AsyncEngine, places: int, timeout_s: float) -> None:
    """Put a ``Gate`` of so many places in front of ``engine``'s pool, for ``read`` (which
    makes one from the pool itself otherwise: a test's stand-in for an engine has none)."""
    _GATES[engine] = Gate(asyncio.Semaphore(places), timeout_s)


def _options(settings: Settings, *, read_only: bool) -> str:
    """The session settings every connection starts with: time limits, and read-only reads."""
    # The idle timeout is a backstop: no request holds a transaction while a client reads.
    options = (
        f"-c statement_timeout={settings.statement_timeout_ms} "
        f"-c idle_in_transaction_session_timeout={settings.idle_in_transaction_timeout_ms}"
    )
    return options + " -c default_transaction_read_only=on" if read_only else options


def make_engine(settings: Settings, *, read_only: bool = False) -> Engine:
    """One pooled engine, sized and time-limited by settings.

    A read-only engine's transactions are READ ONLY: the database itself refuses any write,
    row lock or refresh a read might attempt, as a streaming replica would. They are also
    REPEATABLE READ: every statement of a request sees one snapshot, so an answer built from
    several queries (figures and the data version they come from) never mixes two commits.
    """
    return create_engine(
        settings.sqlalchemy_read_url if read_only else settings.sqlalchemy_url,
        pool_size=settings.pool_size if read_only else settings.write_pool_size,
        max_overflow=settings.max_overflow if read_only else settings.write_max_overflow,
        pool_pre_ping=True,
        pool_timeout=settings.pool_timeout_s,
        isolation_level="REPEATABLE READ" if read_only else "READ COMMITTED",
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "options": _options(settings, read_only=read_only),
        },
    )


def make_async_engine(settings: Settings) -> AsyncEngine:
    """The asyncio engine of the hot reads (tiles), which run on the event loop, no thread.

    Its connections are read-only and in autocommit: each read is one statement, its own
    snapshot, with no BEGIN or COMMIT round trip. Nothing is sent to test a connection before
    use (that cost 15 % of a cached tile's time): ``read`` runs again on a new connection
    when the one it had turns out broken, as after a restart of the database.
    """
    return create_async_engine(
        settings.sqlalchemy_read_url,
        pool_size=settings.async_pool_size,
        max_overflow=0,
        pool_timeout=settings.pool_timeout_s,
        isolation_level="AUTOCOMMIT",
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "options": _options(settings, read_only=True),
        },
    )


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once for psycopg, with the values bound in it when it was built.

    A hot read builds its statement once per shape (collection, filter, output options) and
    sends the SQL as it is: building a statement and its cache key took a fifth of a
    one-feature request's time.
    """

    sql: str
    values: dict[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> "Compiled":
        """Compile ``statement``; its bind parameters keep their names."""
        compiled = statement.compile(dialect=DIALECT)
        return cls(str(compiled), compiled.params)

    async def one(self, conn: AsyncConnection, **values: Any) -> Any:
        """Its row (None when it finds none), with these values for its open parameters.

        It is run by psycopg itself, on the pooled connection: SQLAlchemy's execution (the
        greenlet around the driver, a result whose metadata is built from each cursor's
        description) took a tenth of a tile's time, and a hot read wants one row. Its errors
        are SQLAlchemy's, as the error handlers and ``read`` expect. On a broken connection
        the statement goes to SQLAlchemy, whose own error handling invalidates the connection
        (and the pool's older ones) and raises at once.
        """
        pooled = await conn.get_raw_connection()
        driver: psycopg.AsyncConnection[Any] = cast(Any, pooled.driver_connection)
        parameters = self.values | values
        try:
            async with driver.cursor(row_factory=namedtuple_row) as cursor:
                await cursor.execute(self.sql, parameters)
                return await cursor.fetchone()
        except psycopg.Error as error:
            if driver.closed:
                await conn.exec_driver_sql(self.sql, parameters)
            raise DBAPIError.instance(
                self.sql, parameters, error, psycopg.Error, dialect=DIALECT
            ) from error


def _most_connections(pool: QueuePool) -> int:
    """How many connections a pool opens at most: its size and its overflow."""
    return pool.size() + max(pool._max_overflow, 0)


def _gate_of(engine: AsyncEngine) -> Gate:
    """The engine's gate, made at its first read from its pool: as many places as the pool
    opens connections, and the pool's timeout."""
    gate = _GATES.get(engine)
    if gate is None:
        pool = engine.sync_engine.pool
        if isinstance(pool, QueuePool):
            queue_reads(engine, _most_connections(pool), pool._timeout)
        else:  # no pool to wait for (NullPool): the gate never closes
            queue_reads(engine, 1_000_000, 30.0)
        gate = _GATES[engine]
    return gate


async def read(engine: AsyncEngine, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """``work`` done on a pooled connection of the asyncio engine.

    Requests wait for a connection in the order they came (``Gate``), and past the pool's
    timeout are refused as the pool would refuse them (a 503). When the connection turns out
    broken, SQLAlchemy drops it with every connection as old, and ``work`` runs once more on a
    new one: reads are safe to repeat.
    """
    gate = _gate_of(engine)
    if gate.places.locked():  # wait, bounded; a free place is taken with no timer
        try:
            async with asyncio.timeout(gate.timeout_s):
                await gate.places.acquire()
        except TimeoutError as exc:
            raise PoolTimeoutError(f"no connection free in {gate.timeout_s} s") from exc
    else:
        await gate.places.acquire()
    try:
        try:
            async with engine.connect() as conn:
                return await work(conn)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        async with engine.connect() as conn:
            return await work(conn)
    finally:
        gate.places.release()


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


def pool_exhausted(engine: Engine) -> bool:
    """Whether every connection ``engine``'s pool may open is checked out."""
    pool = engine.pool
    return isinstance(pool, QueuePool) and pool.checkedout() >= _most_connections(pool)
