"""Real servers on loopback for the browser test and the benchmarks; a running app's read
pool held full."""

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SERVER_LOG = ROOT / "artifacts" / "server.log"  # the last server's log, for a failed run


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(argv: list[str], env: dict[str, str], port: int, probe: str) -> Iterator[str]:
    """Run a server command until the block ends; yield its base URL once ``probe`` answers 200.

    Its log goes to a file (a pipe nobody reads would block the server once full), copied to
    artifacts/server.log when the server stops.
    """
    SERVER_LOG.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            yield _wait_for(process, f"http://127.0.0.1:{port}", probe)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.seek(0)
            SERVER_LOG.write_bytes(log.read())


def _wait_for(process: subprocess.Popen[bytes], base: str, probe: str) -> str:
    for _ in range(150):
        try:
            if httpx.get(f"{base}{probe}", timeout=2).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {probe}: see {SERVER_LOG}")


def two_read_connections(database_url: str, timeout_s: float) -> Any:
    """Settings of an app whose read pool has two connections (one counted for the hot reads,
    one for the requests' sessions; any read takes either)."""
    from app.core.config import Settings

    return Settings(  # type: ignore[call-arg]
        environment="test",
        database_url=database_url,
        pool_size=1,
        max_overflow=0,
        async_pool_size=1,
        pool_timeout_s=timeout_s,
    )


@contextmanager
def read_connections_held(client: Any) -> Iterator[None]:
    """Every connection of the app's read pool checked out, on the app's own event loop (a
    running ``TestClient``), until the block ends."""
    engine = client.app.state.read_engine
    pool = engine.sync_engine.pool
    held = [engine.connect() for _ in range(pool.size() + max(pool._max_overflow, 0))]
    for conn in held:
        client.portal.call(conn.start)
    try:
        yield
    finally:
        for conn in held:
            client.portal.call(conn.close)
