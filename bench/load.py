"""Concurrent clients on loopback: bounded rounds of requests, their latencies and answers."""

import json
import math
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.webmap import Api, Ask

TRANSPORT_ERROR = 0  # the status recorded when no answer came (refused, reset, timed out)
REPLAY = Path(__file__).with_name("replay.lua")
ANSWER_TIMEOUT_S = 60  # an answer slower than this counts as none
WRK = shutil.which("wrk") or "wrk"  # Debian's wrk package (make bench installs it)


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
        """Requests answered."""
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
        """The mean body size as sent (gzip where the server compressed it), in kB."""
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
    """A server under load: its name, how it spells requests, where it listens."""

    name: str
    api: Api
    base: str  # http://127.0.0.1:PORT
    pid: int  # the server's process, its workers' parent


def run_round(
    target: Target, asks: Sequence[Ask], concurrency: int, seconds: float, tally: Tally
) -> None:
    """Send the asks this server serves from ``concurrency`` connections until done or time is
    up, with wrk (bench/replay.lua: a thread per connection, taking the asks in turn from one
    queue), and tally the answers.

    wrk is compiled, and times each request in its own thread: aiohttp, the load generator
    before, spent 0.5 to 1.1 ms of CPU a request on the same cores as the servers, and at 100
    clients its event loop's own queue was in every latency. wrk spends about 0.3 ms (the
    kernel's loopback work for its sockets included). Past the deadline no request is sent
    and those in flight are answered, as before. A round's time runs from its first request to
    its last answer.
    """
    paths = [path for ask in asks if (path := ask(target.api)) is not None]
    connections = min(concurrency, len(paths))
    if not connections:  # tipg has no statistics
        return
    with tempfile.NamedTemporaryFile("w", suffix=".paths") as listed:
        listed.write("\n".join(paths) + "\n")
        listed.flush()
        # Every thread starts at once, once wrk has made them all (about 4 ms each).
        start_at = time.monotonic() + 0.1 + 0.004 * connections
        deadline = start_at + seconds
        lasting = math.ceil(deadline - time.monotonic() + ANSWER_TIMEOUT_S)  # in flight: answered
        command = [WRK, f"-t{connections}", f"-c{connections}", f"-d{lasting}s"]
        command += ["--timeout", f"{ANSWER_TIMEOUT_S}s", "-s", str(REPLAY), target.base]
        command += ["--", listed.name, f"{start_at:.6f}", f"{deadline:.6f}"]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as wrk:
            assert wrk.stdout is not None
            lines, finished = [], 0
            for line in wrk.stdout:
                finished += line == "finished\n"
                if finished == connections:  # nothing left to send nor to answer: stop now
                    wrk.send_signal(signal.SIGINT)
                    finished = 0
                lines.append(line)
        if wrk.returncode != 0:
            raise RuntimeError(f"wrk failed ({wrk.returncode}): {' '.join(command)}")
    answers = json.loads(next(line for line in lines if line.startswith("{")))
    tally.seconds += answers["seconds"]
    tally.received += answers["received"]
    tally.retry_after_503 += answers["retry_after"]
    tally.statuses.update({int(status): n for status, n in answers["statuses"].items()})
    # Sent and never answered, and each time a request was sent again on a new connection.
    failed = answers["sent"] - len(answers["latencies"]) + answers["resent"]
    if failed:
        tally.statuses[TRANSPORT_ERROR] += failed
    tally.latencies.extend(microseconds / 1e6 for microseconds in answers["latencies"])
