"""Reads wait for a connection in the order they came: none is passed by a later one."""

import asyncio
import random
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import Settings
from app.core.db import make_engine, queue_reads, read
from app.main import create_app
from tests.servers import two_read_connections

READERS = 300
PLACES = 2


async def _served_order(database_url: str) -> tuple[list[int], list[int]]:
    """The readers in the order they asked, and in the order each got its connection: 300
    readers asking at random times over 0.3 s, each holding a connection for a 2 ms query,
    two connections: most of them wait."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=database_url, async_pool_size=PLACES, pool_size=1, max_overflow=0
    )
    engine = make_engine(settings, read_only=True)
    queue_reads(engine, PLACES, settings.pool_timeout_s)  # the hot reads' places, as the app's
    asked: list[int] = []
    served: list[int] = []
    generator = random.Random(7)

    async def reader(number: int, delay: float) -> None:
        await asyncio.sleep(delay)
        asked.append(number)

        async def work(conn: AsyncConnection) -> None:
            served.append(number)
            await conn.exec_driver_sql("SELECT pg_sleep(0.002)")

        await read(engine, work)

    try:
        hold = "SELECT pg_sleep(0.05)"
        await asyncio.gather(  # both connections made
            *(read(engine, lambda conn: conn.exec_driver_sql(hold)) for _ in range(PLACES))
        )
        await asyncio.gather(*(reader(n, generator.uniform(0, 0.3)) for n in range(READERS)))
    finally:
        await engine.dispose()
    return asked, served


def test_reads_are_served_in_the_order_they_asked(database_url: str) -> None:
    # A loop of its own, in a thread: the browser tests' Playwright keeps one running here.
    with ThreadPoolExecutor(1) as thread:
        asked, served = thread.submit(asyncio.run, _served_order(database_url)).result()
    assert len(served) == READERS
    assert served == asked


def test_a_tile_takes_a_connection_a_session_left_free(database_url: str, engine: Engine) -> None:
    # Two read connections (one counted for the hot reads, one for the sessions). A district
    # tile waits on a lock while holding one; a zone tile must take the other, not queue
    # behind it (with a gate per kind of read, tiles waited 280 ms at the median under the
    # 100-client mix while pages waited 30).
    settings = two_read_connections(database_url, timeout_s=1)
    blocked = "/collections/districts/tiles/WebMercatorQuad/8/96/161"
    free = "/collections/contaminated_zones/tiles/WebMercatorQuad/8/96/161"
    with (
        TestClient(create_app(settings)) as client,
        engine.connect() as locker,
        ThreadPoolExecutor(1) as thread,
    ):
        with locker.begin():
            locker.execute(text("LOCK TABLE districts IN ACCESS EXCLUSIVE MODE"))
            waiting = thread.submit(client.get, blocked)
            _wait_for_a_lock(locker)
            assert client.get(free).status_code in {200, 204}
        assert waiting.result().status_code == 200


def _wait_for_a_lock(db: Connection) -> None:
    """Until a backend waits for a lock (the blocked request holds its connection)."""
    waits = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    for _ in range(100):
        db.execute(text("SELECT pg_stat_clear_snapshot()"))  # kept for the transaction else
        if db.execute(waits).scalar_one():
            return
        time.sleep(0.05)
    raise AssertionError("no request waits for the lock")
