"""A throwaway PostGIS database for the whole run, built by the migrations.

The server comes from ``DATABASE_URL`` (``make test`` points it at the embedded cluster);
the suite creates its own database there and drops it at the end. Each test runs inside a
transaction that is rolled back.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from alembic import command
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Connection, CursorResult, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.api.deps import READS, get_session, read_engine
from app.cli import alembic_config
from app.core.config import Settings
from app.core.db import queue_reads
from app.main import create_app
from app.services.loader import load_bundled


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.exit("DATABASE_URL is not set: run the suite with 'make test'", returncode=2)
    return Settings(database_url=url).sqlalchemy_url  # type: ignore[arg-type]


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Create an empty database on the test server and drop it afterwards."""
    server = make_url(_server_url())
    name = f"contamap_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The run's database: created empty, dropped at the end."""
    with throwaway_database() as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The migrated database with the bundled dataset loaded once."""
    command.upgrade(alembic_config(database_url), "head")
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        load_bundled(session)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test.

    The transaction never commits, so the statistics' deferred refresh is made immediate:
    each write refreshes them at its end, as a commit would.
    """
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(text("SET CONSTRAINTS stats_refresh_pending IMMEDIATE"))
        yield conn
        transaction.rollback()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session whose commits become savepoints of the test's transaction."""
    with Session(connection, join_transaction_mode="create_savepoint") as session:
        yield session


@pytest.fixture
def client(database_url: str, session: Session) -> Iterator[TestClient]:
    """The application, its requests running in the test's transaction."""
    with in_transaction(database_url, session) as test_client:
        yield test_client


@contextmanager
def in_transaction(database_url: str, session: Session, **settings: Any) -> Iterator[TestClient]:
    """The application with these settings, its requests running in the test's transaction."""
    app = create_app(Settings(database_url=database_url, environment="test", **settings))  # type: ignore[arg-type]

    def _session(request: Request) -> Iterator[Session]:
        # A savepoint per request: a request the database refuses rolls back only itself,
        # as it would in its own transaction, and later requests of the test still work.
        # Reads run READ ONLY, as on the app's read engine, and their savepoint is rolled
        # back, which ends the read-only mode for the test's own writes.
        savepoint = session.begin_nested()
        try:
            if request.method in READS:
                session.execute(text("SET TRANSACTION READ ONLY"))
            yield session
        except BaseException:
            savepoint.rollback()
            raise
        if request.method in READS:
            savepoint.rollback()
        else:
            savepoint.commit()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[read_engine] = lambda: InTransaction(session)
    with TestClient(app) as test_client:
        yield test_client


class InTransaction:
    """The test's transaction, in the place of the asyncio engine of the hot reads.

    The same SQL runs on the test's own connection, READ ONLY in a savepoint that is rolled
    back, so a read sees what the test wrote and has not committed.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        queue_reads(self, 1, 10)  # type: ignore[arg-type]

    @asynccontextmanager
    async def connect(self) -> AsyncIterator["InTransaction"]:
        savepoint = self.session.begin_nested()
        self.session.execute(text("SET TRANSACTION READ ONLY"))
        try:
            yield self
        finally:
            savepoint.rollback()

    async def exec_driver_sql(self, sql: str, params: dict[str, Any]) -> CursorResult[Any]:
        return self.session.connection().exec_driver_sql(sql, params)

    async def get_raw_connection(self) -> SimpleNamespace:
        driver = self.session.connection().connection.driver_connection
        return SimpleNamespace(driver_connection=AsyncOverSync(driver))


class AsyncOverSync:
    """The test connection's psycopg connection, with the asyncio calls a hot read makes."""

    def __init__(self, driver: psycopg.Connection[Any]) -> None:
        self.driver = driver

    @property
    def closed(self) -> bool:
        return self.driver.closed

    @asynccontextmanager
    async def cursor(self, row_factory: Any) -> AsyncIterator["AsyncOverSync"]:
        with self.driver.cursor(row_factory=row_factory) as cursor:
            self.current = cursor
            yield self

    async def execute(self, sql: str, params: dict[str, Any], prepare: bool | None = None) -> None:
        self.current.execute(sql, params, prepare=prepare)

    async def fetchone(self) -> Any:
        return self.current.fetchone()
