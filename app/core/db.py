"""The engine and sessions; nothing connects at import time."""

import asyncio
import functools
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

import anyio.to_thread
import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import ClauseElement, Engine, NullPool, QueuePool, Row, create_engine
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import await_, greenlet_spawn, in_greenlet

from app.core.config import Settings

T = TypeVar("T")
P = ParamSpec("P")
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
    them. Every read of the replica, a hot read or a request's session, waits at the one gate
    of its engine, whose places are the pool's connections: no checkout waits in the pool, and
    no kind of read waits behind a queue of its own while another's places are free (with a
    gate each, tiles waited 280 ms at the median under the 100-client mix while pages waited
    30 ms).
    """

    places: asyncio.Semaphore
    timeout_s: float

    @classmethod
    def of(cls, places: int, timeout_s: float) -> "Gate":
        return cls(asyncio.Semaphore(places), timeout_s)

    async def enter(self) -> None:
        """Take a place, waited for at most ``timeout_s`` (then refused as the pool refuses, a
        503); a free place is taken with no timer. ``leave`` gives it back."""
        if self.places.locked():
            try:
                async with asyncio.timeout(self.timeout_s):
                    await self.places.acquire()
            except TimeoutError as exc:
                raise PoolTimeoutError(f"no connection free in {self.timeout_s} s") from exc
        else:
            await self.places.acquire()

    def leave(self) -> None:
        self.places.release()


_GATES: "weakref.WeakKeyDictionary[AsyncEngine, Gate]" = weakref.WeakKeyDictionary()


def queue_reads(engine: AsyncEngine, places: int, timeout_s: float) -> None:
    """Put a ``Gate`` of so many places in front of ``engine``'s reads (``read`` and the
    requests' sessions, ``gate_of``), which make one from the whole pool otherwise (a test's
    stand-in for an engine)."""
    _GATES[engine] = Gate.of(places, timeout_s)


def _options(settings: Settings, *, read_only: bool) -> str:
    """The session settings every connection starts with: time limits, and read-only reads."""
    # The idle timeout is a backstop: no request holds a transaction while a client reads.
    options = (
        f"-c statement_timeout={settings.statement_timeout_ms} "
        f"-c idle_in_transaction_session_timeout={settings.idle_in_transaction_timeout_ms}"
    )
    if not read_only:
        return options
    # No parallel workers for a read: starting them took 25 to 50 ms of a bbox page over
    # 100,000 zones whose own work took 6, and requests in parallel already fill the cores.
    return options + " -c default_transaction_read_only=on -c max_parallel_workers_per_gather=0"


def make_engine(settings: Settings, *, read_only: bool = False) -> AsyncEngine:
    """The asyncio engine of one database: the primary (writes) or the replica (reads).

    Every request reads and writes through it: the hot reads (tiles) on a connection of its
    own (``read``), everything else in the request's session (``sessions``). The replica's
    connections are read-only: the database itself refuses any write, row lock or refresh a
    read might attempt, as a streaming replica would. They are in autocommit: a hot read is
    one statement, its own snapshot, with no BEGIN or COMMIT round trip; a session's reads
    share one REPEATABLE READ snapshot (``sessions``). Nothing is sent to test a replica's
    connection before use (that cost 15 % of a cached tile's time): a broken one raises at
    once and SQLAlchemy drops the pool's older connections with it.
    """
    return create_async_engine(
        settings.sqlalchemy_read_url if read_only else settings.sqlalchemy_url,
        # The replica's pool keeps every connection its gate may let in (``Gate``) open:
        # a connection opened for a burst and closed after it costs a PostgreSQL process.
        pool_size=settings.read_connections if read_only else settings.write_pool_size,
        max_overflow=0 if read_only else settings.write_max_overflow,
        pool_pre_ping=not read_only,
        pool_timeout=settings.pool_timeout_s,
        isolation_level="AUTOCOMMIT" if read_only else "READ COMMITTED",
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "options": _options(settings, read_only=read_only),
        },
    )


def make_command_engine(settings: Settings) -> Engine:
    """The engine of a command line (``contamap import``, ``refresh``...): a process of its
    own running one command, in plain code on a plain ``Session``, as the services are
    written; a served request runs the same code on the event loop (``on_loop``)."""
    return create_engine(
        settings.sqlalchemy_url,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "options": _options(settings, read_only=False),
        },
    )


def sessions(engine: AsyncEngine, *, read_only: bool = False) -> async_sessionmaker[AsyncSession]:
    """The requests' sessions on ``engine``: on the replica, each request's statements see one
    REPEATABLE READ snapshot (an answer built from several queries, figures and the version they
    come from, never mixes two commits)."""
    bind = engine.execution_options(isolation_level="REPEATABLE READ") if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False)


ONE_STATEMENT = "one_statement"  # in Session.info: the session reads in autocommit


def one_statement_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The sessions of the requests that read in one statement (a feature, a page, a kept
    statistics answer's check), on the replica in autocommit: no BEGIN, no COMMIT, and no
    change of the connection's mode to make and undo (that cost a third of a kept answer's
    time). One that must read more opens a snapshot first (``snapshot``)."""
    return async_sessionmaker(engine, expire_on_commit=False, info={ONE_STATEMENT: True})


def snapshot(session: Session) -> None:
    """From here on, the session's reads share one REPEATABLE READ snapshot: nothing to do for
    a snapshot's session or a write's; a one-statement session ends what it read in autocommit
    and takes its connection anew. Before a server-side cursor, too, which needs a transaction."""
    if session.info.pop(ONE_STATEMENT, False):
        if session.in_transaction():
            session.rollback()
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def on_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function``, written as plain code on a ``Session``, run on the event loop: its
    session's statements are awaited in SQLAlchemy's greenlet (as ``AsyncSession.run_sync``
    does), with no thread. Blocking work inside it goes to a thread (``off_loop``)."""
    return cast(T, await greenlet_spawn(functools.partial(function, *args, **kwargs)))


def off_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a thread when called on the event loop (``on_loop``), so that a
    file read or written, a password hashed or a process waited for holds no other request;
    in plain code (the CLI, a test) right here. ``function`` must not touch the session."""
    if in_greenlet():
        return await_(anyio.to_thread.run_sync(function, *args))
    return function(*args)


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once for psycopg, with the values bound in it when it was built.

    A hot read builds its statement once per shape (collection, filter, output options) and
    sends the SQL as it is: building a statement and its cache key took a fifth of a
    one-feature request's time.
    """

    sql: str
    values: dict[str, Any]
    # psycopg's: None, prepared on the server from its fifth run on a connection; False, never
    # (planned for its values each time).
    prepare: bool | None = None

    @classmethod
    def of(cls, statement: ClauseElement, prepare: bool | None = None) -> "Compiled":
        """Compile ``statement``; its bind parameters keep their names."""
        compiled = statement.compile(dialect=DIALECT)
        return cls(str(compiled), compiled.params, prepare)

    async def one(self, conn: AsyncConnection, **values: Any) -> Any:
        """Its row (None when it finds none), with these values for its open parameters: a
        hot read on the event loop.

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
            return await self._fetch(driver, parameters)
        except psycopg.Error as error:
            if driver.closed:
                await conn.exec_driver_sql(self.sql, parameters)
            raise self._error(parameters, error) from error

    def run(self, session: Session, **values: Any) -> Any:
        """The same in a session, its pending changes flushed first (as ``Session.execute``
        does): by psycopg's asyncio connection itself when the session is a request's (on
        the event loop, ``on_loop``), else (a command's) as SQL for the driver."""
        session.flush()
        conn = session.connection()
        parameters = self.values | values
        driver = conn.connection.driver_connection
        if not isinstance(driver, psycopg.AsyncConnection):
            return conn.exec_driver_sql(self.sql, parameters).one_or_none()
        try:
            return await_(self._fetch(driver, parameters))
        except psycopg.Error as error:
            if driver.closed:
                conn.exec_driver_sql(self.sql, parameters)
            raise self._error(parameters, error) from error

    async def _fetch(
        self, driver: "psycopg.AsyncConnection[Any]", parameters: dict[str, Any]
    ) -> Any:
        async with driver.cursor(row_factory=namedtuple_row) as cursor:
            await cursor.execute(self.sql, parameters, prepare=self.prepare)
            return await cursor.fetchone()

    def _error(self, parameters: dict[str, Any], error: psycopg.Error) -> Exception:
        return DBAPIError.instance(self.sql, parameters, error, psycopg.Error, dialect=DIALECT)


def _most_connections(pool: QueuePool) -> int:
    """How many connections a pool opens at most: its size and its overflow."""
    return pool.size() + max(pool._max_overflow, 0)


def gate_of(engine: AsyncEngine) -> Gate:
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
    gate = gate_of(engine)
    await gate.enter()
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
        gate.leave()


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


def pool_exhausted(engine: AsyncEngine) -> bool:
    """Whether every connection ``engine``'s pool may open is checked out."""
    pool = engine.sync_engine.pool
    return isinstance(pool, QueuePool) and pool.checkedout() >= _most_connections(pool)
