"""Concurrent clients on loopback: bounded rounds of requests, their latencies and answers."""

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
import numpy as np

from bench.webmap import Api, Ask

TRANSPORT_ERROR = 0  # the status recorded when no answer came (refused, reset, timed out)


@dataclass
class Tally:
    """What one server answered over all the rounds of one row."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    retry_after_503: int = 0  # the 503s that said when to come back
    seconds: float = 0.0
    received: int = 0  # bytes of the bodies, decoded
    cpu: Counter[str] = field(default_factory=Counter)  # CPU seconds during the rounds, by whom

    @property
    def count(self) -> int:
        """Requests answered or failed."""
        return len(self.latencies)

    def rate(self) -> float:
        """Requests per second over the rounds' wall time."""
        return self.count / self.seconds if self.seconds else 0.0

    def percentiles_ms(self) -> tuple[float, float, float]:
        """p50, p95 and p99 latency in milliseconds."""
        p50, p95, p99 = np.percentile(np.array(self.latencies) * 1000, [50, 95, 99])
        return float(p50), float(p95), float(p99)

    def cores(self, whose: str) -> float:
        """The CPU ``whose`` used during the rounds, in cores (1 = one core busy throughout)."""
        return self.cpu[whose] / self.seconds if self.seconds else 0.0

    def kilobytes(self) -> float:
        """The mean body size, decoded, in kB."""
        return self.received / self.count / 1000 if self.count else 0.0

    def failed(self) -> int:
        """Answers outside 2xx, and requests with no answer."""
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    def server_errors(self) -> int:
        """5xx answers."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def others(self) -> str:
        """The answers neither 2xx nor 5xx, and the requests with no answer, by status."""
        counts = [
            f"{'no answer' if status == TRANSPORT_ERROR else status}: {n}"
            for status, n in sorted(self.statuses.items())
            if not (200 <= status < 300 or status >= 500)
        ]
        return ", ".join(counts) or "0"


@dataclass(frozen=True)
class Budget:
    """The bounds of one row: rounds per server, and each round's time and requests."""

    rounds: int
    seconds: float
    requests: int


@dataclass(frozen=True)
class Plan:
    """How long the whole run measures."""

    rows: Budget
    mixed: Budget
    repeat: int  # sequential requests and queries timed for the page overhead


@dataclass(frozen=True)
class Target:
    """A server under load: its name, how it spells requests and a client bound to it."""

    name: str
    api: Api
    client: aiohttp.ClientSession
    pid: int  # the server's process, its workers' parent


def client(base: str, connections: int) -> aiohttp.ClientSession:
    """A client holding up to ``connections`` keep-alive connections to ``base``.

    aiohttp, whose HTTP parser is compiled: httpx spent about 4 ms of this process's CPU
    per request, more than a cached tile costs the server, so the client was what was
    measured. Like httpx it asks for gzip and inflates what comes.
    """
    # Drop idle connections before uvicorn does (after 5 s): while the other servers take their
    # rounds, a connection kept longer would be reused just as the server closes it.
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=2)
    timeout = aiohttp.ClientTimeout(total=60)
    return aiohttp.ClientSession(base, connector=connector, timeout=timeout)


async def run_round(
    target: Target, asks: Sequence[Ask], concurrency: int, seconds: float, tally: Tally
) -> None:
    """Send the asks this server serves from ``concurrency`` clients until done or time is up."""
    paths = iter([path for ask in asks if (path := ask(target.api)) is not None])
    deadline = time.perf_counter() + seconds

    async def one_client() -> None:
        for path in paths:
            if time.perf_counter() > deadline:
                return
            await _send(target.client, path, tally)

    start = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    tally.seconds += time.perf_counter() - start


async def _send(http: aiohttp.ClientSession, path: str, tally: Tally) -> None:
    start = time.perf_counter()
    try:
        async with http.get(path) as response:
            body = await response.read()
    except (aiohttp.ClientError, TimeoutError):
        status, retry_after = TRANSPORT_ERROR, False
    else:
        status, retry_after = response.status, "retry-after" in response.headers
        tally.received += len(body)
    tally.latencies.append(time.perf_counter() - start)
    tally.statuses[status] += 1
    if status == 503 and retry_after:
        tally.retry_after_503 += 1
