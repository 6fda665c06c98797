"""The traffic benchmark's markdown: the machine, the command, and one table per question."""

import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench import cpu
from bench.features import TIPG_VERSION, plain_url
from bench.load import Plan, Tally

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("RESULTS.md")
NA = "n/a"
CONTAMAP, SINGLE, TIPG = (
    "Contamap",
    "Contamap, 1 worker",
    "tipg",
)  # the servers, as the tables name them


@dataclass(frozen=True)
class Row:
    """One workload at one concurrency: each server's tally, by name."""

    name: str
    clients: int
    tallies: dict[str, Tally]
    client_cpu: float  # the load generator's CPU time over the row's wall time (1 = one core)


@dataclass(frozen=True)
class Overhead:
    """A page over HTTP against the bare SQL behind it, medians in milliseconds."""

    path: str
    features: int
    http_ms: dict[str, float]  # by Accept-Encoding
    sql_ms: float
    statements: int
    repeat: int


@dataclass(frozen=True)
class Setup:
    """What the run measured on, and how."""

    machine: dict[str, str]
    plan: Plan
    workers: int
    tile_paths: dict[str, str]
    cold_zooms: Counter[int]


@dataclass(frozen=True)
class Results:
    """Everything the run measured."""

    rows: list[Row]
    mixed: Row
    overhead: Overhead
    setup: Setup


def machine(url: str) -> dict[str, str]:
    """The machine, the database server and the code the figures come from."""
    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    with psycopg.connect(plain_url(url)) as db:
        postgres, postgis = db.execute(
            "SELECT current_setting('server_version'), postgis_lib_version()"
        ).fetchone() or (NA, NA)
    server = make_url(url)
    return {
        "cores (nproc)": str(len(os.sched_getaffinity(0))),
        "memory": f"{int(memory[1]) / 1024**2:.1f} GiB" if memory else NA,
        "CPU": cpu[1] if cpu else NA,
        "PostgreSQL": f"{postgres}, PostGIS {postgis}, at {server.host}:{server.port}",
        "Contamap": _revision(),
        "tipg": f"{TIPG_VERSION} (PyPI, .contamap/tipg-venv), one uvicorn process, access log on",
        "Python": sys.version.split()[0],
    }


def _revision() -> str:
    """The commit, and whether app/ differs from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
        return done.stdout.strip()

    changed = " with uncommitted changes in app/" if git("status", "--porcelain", "app") else ""
    return f"commit {git('rev-parse', '--short', 'HEAD')}{changed}"


def report(results: Results, argv: list[str]) -> str:
    """The whole markdown document."""
    setup = results.setup
    lines = [
        "# Web-map traffic: Contamap against tipg",
        "",
        f"- Command: `DATABASE_URL=... {_command(argv)}`",
        f"- Date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        *(f"- {what}: {value}" for what, value in setup.machine.items()),
        f"- Contamap: `contamap serve --workers {setup.workers}`"
        " (uvicorn, httptools, access log on)",
        *(f"- {name} tile path: `{path}`" for name, path in setup.tile_paths.items()),
        f"- Bounds: {_bounds(setup.plan)}",
        "- Client: wrk (`bench/replay.lua`), a thread and a connection per client, all starting"
        " together and taking the requests in turn from one queue, each sent once, asking for"
        " gzip. Latency: timed by the client thread, from sending the request to the last byte of"
        " the answer; req/s: the answers over the rounds' time, each round's from its first"
        " request to its last answer; past a round's deadline no request is sent and those in"
        " flight are answered. Client and servers share the machine's cores.",
        "",
        *_rows_table(results.rows, setup.cold_zooms),
        "",
        *_mixed_table(results.mixed, setup.workers),
        "",
        *_overhead_table(results.overhead),
    ]
    return "\n".join(lines) + "\n"


def _command(argv: list[str]) -> str:
    python = Path(sys.executable)
    shown = python.relative_to(ROOT) if python.is_relative_to(ROOT) else python
    return shlex.join([str(shown), "-m", "bench", "traffic", *argv])


def _bounds(plan: Plan) -> str:
    rows, mixed = plan.rows, plan.mixed
    return (
        f"each row {rows.rounds} round(s) per server, alternating, of at most {rows.requests}"
        f" requests and {rows.seconds:g} s; the mixed load {mixed.rounds} round(s) per server"
        f" of at most {mixed.requests} requests and {mixed.seconds:g} s"
    )


def _figures(tally: Tally) -> list[str]:
    """Requests per second and p50, p95, p99 in ms; n/a when the server got no request."""
    if not tally.count:
        return [NA] * 4
    return [f"{tally.rate():.1f}", *(f"{ms:.1f}" for ms in tally.percentiles_ms())]


def _ratio(ours: Tally, theirs: Tally) -> str:
    if not (ours.count and theirs.count):
        return NA
    return f"{ours.rate() / theirs.rate():.2f}"


def _each(tallies: tuple[Tally, ...], cell: Callable[[Tally], str]) -> str:
    """One figure per server, joined by a slash; n/a for a server that got no request."""
    return "/".join(cell(tally) if tally.count else NA for tally in tallies)


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _rows_table(rows: list[Row], cold_zooms: Counter[int]) -> list[str]:
    head = ["workload", "clients", "Contamap req/s", "p50 ms", "p95 ms", "p99 ms"]
    head += ["tipg req/s", "p50 ms", "p95 ms", "p99 ms", "ratio req/s", "not 2xx (C/t)"]
    head += ["kB/answer (C/t)", "load CPU %"]
    lines = [
        "## Each workload (ratio = Contamap / tipg requests per second)",
        "",
        "Load CPU: the load generator's own CPU time (wrk, and this Python process dealing out"
        " the requests) over the row's wall time, in % of one core; it runs on the same cores as"
        " the servers. kB/answer: the body as sent, gzipped where the server compressed it.",
        "",
        _line(head),
        _line(["---"] + ["---:"] * (len(head) - 1)),
    ]
    for row in rows:
        ours, theirs = row.tallies[CONTAMAP], row.tallies[TIPG]
        failed = _each((ours, theirs), lambda tally: str(tally.failed()))
        sizes = _each((ours, theirs), lambda tally: f"{tally.kilobytes():.1f}")
        cells = [row.name, str(row.clients), *_figures(ours), *_figures(theirs)]
        cells += [_ratio(ours, theirs), failed, sizes, f"{row.client_cpu * 100:.0f}"]
        lines.append(_line(cells))
    zooms = ", ".join(f"z{zoom} {count}" for zoom, count in sorted(cold_zooms.items()))
    lines += [
        "",
        "Cold tiles come from views at a random zoom of 8 to 14, dealt out in turn to the two"
        " servers and never handed out twice; as the few low-zoom tiles run out, most are"
        f" z13-z14. Handed out, both collections: {zooms}.",
    ]
    return lines


def _mixed_table(row: Row, workers: int) -> list[str]:
    head = ["server", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "5xx"]
    head += ["503 with Retry-After", "503 without", "others not 2xx"]
    head += [f"{whose} CPU, cores" for whose in (cpu.SERVER, cpu.POSTGRES, cpu.LOAD)]
    lines = [
        f"## Mixed load: {row.clients} concurrent clients",
        "",
        "45 % zones in a view (limit=100), 45 % tiles of zoom 8 to 12 (zones or districts),"
        " 10 % /stats/districts; tipg has no statistics, so it gets the same requests without"
        " them. Others not 2xx: 4xx answers and requests that got no answer, by status. CPU:"
        " the CPU time used during the server's rounds (from /proc: the server's processes, its"
        " workers included; every PostgreSQL process; the load generator) over their wall time,"
        " in cores; the machine has the cores listed above.",
        "",
        _line(head),
        _line(["---"] + ["---:"] * (len(head) - 1)),
    ]
    for name, tally in row.tallies.items():
        unavailable = tally.statuses[503]
        cells = [name, str(tally.count), *_figures(tally), str(tally.server_errors())]
        cells += [str(tally.retry_after_503), str(unavailable - tally.retry_after_503)]
        cells += [tally.others()]
        cells += [f"{tally.cores(whose):.2f}" for whose in (cpu.SERVER, cpu.POSTGRES, cpu.LOAD)]
        lines.append(_line(cells))
    ours, single, theirs = (row.tallies[name] for name in (CONTAMAP, SINGLE, TIPG))
    lines += [
        "",
        f"Requests per second, Contamap with {workers} workers / with 1: {_ratio(ours, single)};"
        f" / tipg: {_ratio(ours, theirs)} (tipg without the statistics requests).",
    ]
    return lines


def _overhead_table(overhead: Overhead) -> list[str]:
    lines = [
        "## A 1,000-feature page against the bare SQL behind it",
        "",
        f"GET `{overhead.path}` ({overhead.features} features: every bundled zone) from"
        f" multi-worker Contamap, against the {overhead.statements} statement(s) Contamap ran for"
        " it (captured from its engine in-process), run in one transaction through psycopg with"
        f" every row fetched. Medians of {overhead.repeat}, one at a time.",
        "",
        "| what | ms | ratio to the SQL |",
        "|---|---:|---:|",
    ]
    for encoding, ms in overhead.http_ms.items():
        lines.append(
            f"| over HTTP, Accept-Encoding: {encoding} | {ms:.1f} | {ms / overhead.sql_ms:.2f} |"
        )
    lines.append(f"| the SQL through psycopg | {overhead.sql_ms:.1f} | 1.00 |")
    return lines


def write_section(name: str, text: str, results: Path = RESULTS) -> None:
    """Put a benchmark's report into bench/RESULTS.md between its markers, in place of its last
    one (at the end the first time); the other benchmarks' sections and the text kept by hand
    stay as they are."""
    begin, end = f"<!-- {name}: begin -->", f"<!-- {name}: end -->"
    current = results.read_text() if results.exists() else ""
    section = f"{begin}\n{text.strip()}\n{end}\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        current = head + section + rest.split(end, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + section
    results.write_text(current)
