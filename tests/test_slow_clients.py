"""Clients that request a large page and never read it hold no database connection."""

import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services.auth import create_key
from tests.servers import free_port, serving

POOL = 2  # read connections of the server under test
SLOW_CLIENTS = 3 * POOL
# Pages up to 4 MiB are buffered whole by the ETag middleware, which frees the connection
# anyway: the slow page must be larger. 6,000 zones of 65 vertices in the Gulf of Guinea,
# outside every district (so no statistics to rebuild).
MANY_ZONES = text(
    "INSERT INTO contaminated_zones (code, hazard_class, contamination, risk_level, status, "
    "recorded_on, source, geom) SELECT 'SLOW-' || i, 'SHA', ARRAY['uxo'], 'low', 'active', "
    "date '2021-01-01', 'test', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(3 + (i % 80) * 0.01, "
    "0.2 + (i / 80) * 0.01), 4326), 0.004, 16)) FROM generate_series(1, 6000) AS i"
)
SLOW_PAGE = "/collections/contaminated_zones/items?limit=10000&bbox=2.9,0.1,4,1.2"


@pytest.fixture(scope="module")
def many_zones(engine: Engine) -> Iterator[None]:
    """The zones of a page larger than every buffer, committed, then deleted."""
    with engine.begin() as conn:
        conn.execute(MANY_ZONES)
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM contaminated_zones WHERE code LIKE 'SLOW-%'"))


@pytest.fixture(scope="module")
def server(database_url: str, many_zones: None) -> Iterator[str]:
    """One worker with a read pool of two connections and no overflow."""
    port = free_port()
    contamap = str(Path(sys.executable).with_name("contamap"))
    command = [contamap, "serve", "--workers", "1", "--port", str(port)]
    env = {
        "DATABASE_URL": database_url,
        "CONTAMAP_POOL_SIZE": str(POOL),
        "CONTAMAP_MAX_OVERFLOW": "0",
        "CONTAMAP_POOL_TIMEOUT_S": "5",
    }
    with serving(command, env, port, "/health") as base:
        yield base


def _stalled_request(port: int) -> socket.socket:
    """A client with a tiny receive window that asks for every zone and reads nothing."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(("127.0.0.1", port))
    client.sendall(f"GET {SLOW_PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return client


def test_slow_readers_do_not_starve_the_others(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    size = len(httpx.get(f"{server}{SLOW_PAGE}", timeout=60).content)
    assert size > 5 * 1024 * 1024  # more than the ETag middleware and the sockets hold
    clients = [_stalled_request(port) for _ in range(SLOW_CLIENTS)]
    try:
        time.sleep(1)  # every slow request has been answered as far as its socket allows
        started = time.monotonic()
        small = httpx.get(f"{server}/collections/incidents/items?limit=1", timeout=10)
        health = httpx.get(f"{server}/health", timeout=10)
        elapsed = time.monotonic() - started
    finally:
        for client in clients:
            client.close()
    print(
        f"slow readers: {SLOW_CLIENTS} stalled on a {size} byte page; a small page and /health took {elapsed:.3f} s"
    )
    assert small.status_code == 200 and health.status_code == 200
    assert health.json()["pool"] == "ok"
    assert elapsed < 2  # not the pool's 5 s wait, nor a 503


def test_headers_larger_than_the_limit_are_refused(server: str) -> None:
    """An endless header (256 KiB, never finished) is cut off at 64 KiB, not buffered."""
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ")
        try:
            for _ in range(64):
                client.sendall(b"a" * 4096)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection: what we want
        client.settimeout(10)
        try:
            answer = client.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert answer == b"" or answer.split(b" ")[1] in (b"400", b"431")
    assert httpx.get(f"{server}/health", timeout=10).status_code == 200


def test_each_request_on_a_connection_has_the_whole_bound(server: str) -> None:
    """The head's count starts again with each request: a second one of 60 KiB passes."""
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(10)
        for padding in (100, 60_000, 60_000):
            client.sendall(
                b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
                + b"a" * padding
                + b"\r\n\r\n"
            )
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += client.recv(65536)
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.split(b" ")[1] == b"200", head
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += client.recv(65536)


def _post_head(length: int) -> bytes:
    return (
        b"POST /collections/contaminated_zones/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/geo+json\r\nContent-Length: %d\r\n\r\n" % length
    )


def _status(client: socket.socket) -> bytes:
    answer = b""
    while b"\r\n" not in answer:
        chunk = client.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer.split(b" ")[1] if answer else b"closed"


def test_a_large_body_in_the_same_read_as_the_head_is_not_counted_as_head(server: str) -> None:
    """A 300 KB feature sent with its head in one write reaches the application (401 without a
    key), every time: the head's bound counts the head alone."""
    port = int(server.rsplit(":", 1)[1])
    body = b'{"type": "Feature", "properties": {"source": "' + b"a" * 300_000 + b'"}}'
    statuses = []
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(10)
            client.sendall(_post_head(len(body)) + body)
            statuses.append(_status(client))
    assert set(statuses) == {b"401"}, statuses


# Slow senders: a server whose head and body must arrive within a second (body: plus a second
# for each 500 bytes received).
TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def strict_server(database_url: str, engine: Engine) -> Iterator[str]:
    port = free_port()
    contamap = str(Path(sys.executable).with_name("contamap"))
    command = [contamap, "serve", "--workers", "1", "--port", str(port)]
    env = {
        "DATABASE_URL": database_url,
        "CONTAMAP_REQUEST_HEAD_TIMEOUT_S": str(TIMEOUT_S),
        "CONTAMAP_REQUEST_BODY_TIMEOUT_S": str(TIMEOUT_S),
        "CONTAMAP_REQUEST_BODY_MIN_RATE": "500",
    }
    with serving(command, env, port, "/health") as base:
        yield base


def _dribble(port: int, first: bytes, then: bytes, seconds: float) -> list[float | None]:
    """20 clients that send ``first``, then ``then`` one byte every 0.1 s; when each one's
    connection was closed by the server (seconds after it began), or None if never."""
    clients = []
    for _ in range(20):
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(first)
        client.setblocking(False)
        clients.append(client)
    started = time.monotonic()
    closed: list[float | None] = [None] * len(clients)
    step = 0
    while time.monotonic() - started < seconds:
        for index, client in enumerate(clients):
            if closed[index] is not None:
                continue
            try:
                answer = client.recv(4096)
                if answer == b"" or answer.startswith(b"HTTP/1.1 408"):
                    closed[index] = time.monotonic() - started
                    continue
            except BlockingIOError:
                pass
            except ConnectionResetError:
                closed[index] = time.monotonic() - started
                continue
            try:
                client.send(then[step % len(then) : step % len(then) + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed[index] = time.monotonic() - started
        step += 1
        time.sleep(0.1)
    for client in clients:
        client.close()
    return closed


def test_a_head_sent_one_byte_at_a_time_is_cut_off(strict_server: str) -> None:
    port = int(strict_server.rsplit(":", 1)[1])
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 1000
    closed = _dribble(port, b"G", head[1:], seconds=4 * TIMEOUT_S)
    print(f"slow heads: closed after {sorted(c or -1 for c in closed)} s")
    assert all(when is not None and when < TIMEOUT_S + 1.5 for when in closed), closed
    assert httpx.get(f"{strict_server}/health", timeout=5).status_code == 200


def test_a_body_sent_one_byte_at_a_time_is_cut_off(strict_server: str) -> None:
    port = int(strict_server.rsplit(":", 1)[1])
    closed = _dribble(port, _post_head(100_000), b"x", seconds=4 * TIMEOUT_S)
    print(f"slow bodies: closed after {sorted(c or -1 for c in closed)} s")
    assert all(when is not None and when < TIMEOUT_S + 1.5 for when in closed), closed
    assert httpx.get(f"{strict_server}/health", timeout=5).status_code == 200


def test_a_steady_upload_longer_than_the_timeout_is_not_cut(strict_server: str) -> None:
    """2,000 bytes every 0.4 s for 2 s: longer than the bound, at 10 times the minimum rate."""
    port = int(strict_server.rsplit(":", 1)[1])
    chunks = [b'{"type": "Feature", "properties": {"source": "', *[b"a" * 2000] * 5, b'"}}']
    body = b"".join(chunks)
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.settimeout(10)
        client.sendall(_post_head(len(body)))
        for chunk in chunks:
            time.sleep(0.4)
            client.sendall(chunk)
        assert _status(client) == b"401"


def _answer(client: socket.socket) -> tuple[bytes, bytes]:
    """One whole response on a keep-alive connection: its status and body."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = client.recv(65536)
        assert chunk, "the server closed the connection"
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += client.recv(65536)
    return head.split(b" ")[1], body


def test_after_a_refused_write_the_connection_keeps_working(server: str, engine: Engine) -> None:
    """A geometry with a member nested 300 deep was a 500, after which uvicorn closed the
    connection and the client's next request failed too: now a 422, and the next request on
    the same connection is answered."""
    with Session(engine) as session, session.begin():
        key = create_key(session, "keep-alive test", "editor")
    nested: list[Any] = []
    for _ in range(300):
        nested = [nested]
    feature = {
        "type": "Feature",
        "properties": {"code": "KEEP-1"},
        "geometry": {"type": "Point", "coordinates": [3.0, 0.5], "x": nested},
    }
    body = json.dumps(feature).encode()
    port = int(server.rsplit(":", 1)[1])
    try:
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(10)
            client.sendall(
                b"POST /collections/incidents/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Authorization: Bearer %s\r\nContent-Type: application/geo+json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (key.encode(), len(body), body)
            )
            status, _ = _answer(client)
            assert status == b"422"
            client.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _answer(client)[0] == b"200"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM api_keys WHERE name = 'keep-alive test'"))
