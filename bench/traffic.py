"""A web map's traffic replayed against Contamap and tipg, side by side, on one database.

Contamap runs as ``contamap serve`` runs it, with several workers (one per core by default)
and, for the mixed load, with one; tipg 1.6.1 runs as bench/features.py starts it (one
uvicorn process, its own virtual environment). All serve one throwaway database holding the
bundled dataset, on loopback. Each row sends random views over Karabakh (zoom 8 to 14) from
1, 8 and 32 concurrent clients in bounded rounds that alternate between the servers (A, B,
A, B...), so drift hits both; a cold tile is one no server has been asked for before in the
run. Last, the time of a 1,000-feature page is compared with the bare SQL behind it.
"""

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass
from functools import partial
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

import httpx
import orjson
import psycopg
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from bench import cpu
from bench.features import bundled_database, plain_url, tipg_env, tipg_python
from bench.load import Budget, Plan, Tally, Target, run_round
from bench.report import (
    CONTAMAP,
    RESULTS,
    SINGLE,
    TIPG,
    Overhead,
    Results,
    Row,
    Setup,
    machine,
    report,
    write_section,
)
from bench.stats import medians_interleaved
from bench.webmap import TMS, Api, Ask, WebMap
from tests.servers import free_port, serving

CONCURRENCY = (1, 8, 32)
MIXED_CLIENTS = 100
PAGE_PATH = "/collections/contaminated_zones/items?limit=1000"
TIPG_APP = "tipg.main:app"
# The tile paths Contamap may serve: OGC API - Tiles order (row before column), or the old one.
CONTAMAP_TILES = (
    "/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}",
    "/collections/{collection}/tiles/WebMercatorQuad/{z}/{x}/{y}",
)
TIPG_TILE_ROUTE = "/collections/{collectionId}/tiles/{tileMatrixSetId}/{z}/{x}/{y}"
TIPG_TILES = "/collections/{collection}/tiles/WebMercatorQuad/{z}/{x}/{y}"
PROBE = TMS.tile(46.5, 39.8, 7)  # a tile over Karabakh whose column and row differ


PLANS = {
    "full": Plan(Budget(3, 3.0, 300), Budget(3, 8.0, 3000), 20),
    "quick": Plan(Budget(1, 1.0, 100), Budget(1, 3.0, 1000), 5),
}


@dataclass(frozen=True)
class Workload:
    """One row: what a round asks for, and whether each server gets requests of its own."""

    name: str
    make: Callable[[int], list[Ask]]
    fresh: bool = False


def workloads(webmap: WebMap) -> list[Workload]:
    """The rows, in the order they run."""
    return [
        Workload("zones in a view, limit=100", partial(webmap.items, 100)),
        Workload("zones in a view, limit=1000", partial(webmap.items, 1000)),
        Workload("zone tiles, cold", partial(webmap.cold_tiles, "contaminated_zones"), True),
        Workload("zone tiles, repeated", partial(webmap.repeated_tiles, "contaminated_zones")),
        Workload("district tiles, cold", partial(webmap.cold_tiles, "districts"), True),
        Workload("district tiles, repeated", partial(webmap.repeated_tiles, "districts")),
        Workload("one zone", webmap.features),
        Workload("/stats/districts", webmap.stats),
    ]


def _batches(workload: Workload, count: int, servers: int) -> list[list[Ask]]:
    """Each server's requests for one round: the same ones, or fresh tiles dealt out in turn."""
    if workload.fresh:
        asks = workload.make(count * servers)
        return [asks[i::servers] for i in range(servers)]
    return [workload.make(count)] * servers


def measure(workload: Workload, clients: int, targets: Sequence[Target], budget: Budget) -> Row:
    """Alternate the servers round by round, and tally each."""
    tallies = {target.name: Tally() for target in targets}
    started, wall = cpu.load_time(), time.perf_counter()
    for _ in range(budget.rounds):
        batches = _batches(workload, budget.requests, len(targets))
        for target, asks in zip(targets, batches, strict=True):
            before = cpu.snapshot(target.pid)
            run_round(target, asks, clients, budget.seconds, tallies[target.name])
            tallies[target.name].cpu.update(cpu.snapshot(target.pid) - before)
    cpu_share = (cpu.load_time() - started) / (time.perf_counter() - wall)
    return Row(workload.name, clients, tallies, cpu_share)


def run_load(webmap: WebMap, targets: dict[str, Target], plan: Plan) -> tuple[list[Row], Row]:
    """Every row against multi-worker Contamap and tipg, then the mixed load against all three."""
    for target in targets.values():
        run_round(target, webmap.warm_up(), 4, 60, Tally())
    pair = [targets[CONTAMAP], targets[TIPG]]
    rows = []
    for workload in workloads(webmap):
        for clients in CONCURRENCY:
            _progress(f"{workload.name}, {clients} clients")
            rows.append(measure(workload, clients, pair, plan.rows))
    _progress(f"mixed load, {MIXED_CLIENTS} clients")
    mixed = Workload("mixed", webmap.mixed)
    return rows, measure(mixed, MIXED_CLIENTS, list(targets.values()), plan.mixed)


def contamap_tiles(base: str) -> str:
    """The tile path Contamap serves: the order whose probe over Karabakh answers 200."""
    answers = {
        template: httpx.get(
            base + template.format(collection="districts", z=PROBE.z, x=PROBE.x, y=PROBE.y)
        ).status_code
        for template in CONTAMAP_TILES
    }
    served = [template for template, status in answers.items() if status == 200]
    if len(served) != 1:
        raise RuntimeError(f"cannot tell Contamap's tile path from the probe: {answers}")
    return served[0]


def tipg_tiles(base: str) -> str:
    """tipg's tile path, checked against its OpenAPI document."""
    if TIPG_TILE_ROUTE not in httpx.get(base + "/api").json()["paths"]:  # tipg: OpenAPI at /api
        raise RuntimeError(f"tipg does not serve {TIPG_TILE_ROUTE}")
    return TIPG_TILES


def page_sql(url: str) -> list[tuple[str, object]]:
    """The statements Contamap runs for the page, captured in-process from psycopg's cursors
    (hot reads go to psycopg directly, the others through SQLAlchemy: both end there)."""
    statements: list[tuple[str, object]] = []

    def recording(execute: Callable[..., Any]) -> Callable[..., Any]:
        def record(cursor: object, query: object, params: object = None, **options: Any) -> Any:
            statements.append((str(query), params))
            return execute(cursor, query, params, **options)

        return record

    with TestClient(create_app(Settings(database_url=url, environment="test"))) as app:
        app.get(PAGE_PATH).raise_for_status()  # warm up: pool, plans
        with (
            patch.object(psycopg.Cursor, "execute", recording(psycopg.Cursor.execute)),
            patch.object(psycopg.AsyncCursor, "execute", recording(psycopg.AsyncCursor.execute)),
        ):
            app.get(PAGE_PATH).raise_for_status()
    if not statements:
        raise RuntimeError(f"no statement was captured for {PAGE_PATH}")
    return statements


def page_overhead(base: str, url: str, repeat: int) -> Overhead:
    """A 1,000-feature page over HTTP, compressed and not, against its SQL run through psycopg.

    The page is read by the standard library's http.client on one kept-alive connection: its
    bytes as they come, not parsed nor inflated, as psycopg's rows are only fetched. (httpx
    spent about 3 ms of this process's time per page parsing headers and inflating it.)
    """
    statements = page_sql(url)
    address = urlsplit(base)
    http = HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=60)
    with closing(http), psycopg.connect(plain_url(url)) as db:
        features = orjson.loads(_fetch(http, "identity"))["numberReturned"]
        calls = {
            "gzip": partial(_fetch, http, "gzip"),
            "identity": partial(_fetch, http, "identity"),
            "sql": partial(_run_sql, db, statements),
        }
        ms = medians_interleaved(calls, repeat)
    sql_ms = ms.pop("sql")
    return Overhead(PAGE_PATH, features, ms, sql_ms, len(statements), repeat)


def _fetch(http: HTTPConnection, encoding: str) -> bytes:
    http.request("GET", PAGE_PATH, headers={"Accept-Encoding": encoding})
    response = http.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {PAGE_PATH} answered {response.status}")
    return body


def _run_sql(
    db: psycopg.Connection[tuple[object, ...]], statements: list[tuple[str, object]]
) -> None:
    with db.transaction(), db.cursor() as cursor:
        for sql, parameters in statements:
            cursor.execute(sql, parameters)  # type: ignore[call-overload]
            cursor.fetchall()


def _start(servers: ExitStack, url: str, workers: int) -> dict[str, str]:
    """Start the three servers; their base URLs by name. Contamap is served as `make run`
    serves it, by ``contamap serve``."""
    contamap = str(Path(sys.executable).with_name("contamap"))

    def serve(processes: int) -> Callable[[int], list[str]]:
        return lambda port: [contamap, "serve", "--port", str(port), "--workers", str(processes)]

    launches = [
        (CONTAMAP, serve(workers)),
        (SINGLE, serve(1)),
        # With its access log, as Contamap has its own: both write a line per request.
        (
            TIPG,
            lambda port: [
                str(tipg_python()),
                "-m",
                "uvicorn",
                "tipg.main:app",
                "--port",
                str(port),
            ],
        ),
    ]
    environments = {CONTAMAP: {"DATABASE_URL": url}, SINGLE: {"DATABASE_URL": url}}
    bases = {}
    for name, command in launches:
        port = free_port()
        env = environments.get(name) or tipg_env(url)
        bases[name] = servers.enter_context(serving(command(port), env, port, "/collections"))
    return bases


def _zone_ids(url: str) -> list[int]:
    with psycopg.connect(plain_url(url)) as db:
        return [row[0] for row in db.execute("SELECT id FROM contaminated_zones ORDER BY id")]


def _progress(message: str) -> None:
    print(f"traffic: {message}", file=sys.stderr, flush=True)


def run(plan: Plan, workers: int, seed: int) -> Results:
    """Serve the database three ways, replay the traffic, and time the page against its SQL."""
    with bundled_database() as url, ExitStack() as servers:
        bases = _start(servers, url, workers)
        apis = {
            CONTAMAP: Api("", contamap_tiles(bases[CONTAMAP]), serves_stats=True),
            TIPG: Api("public.", tipg_tiles(bases[TIPG]), serves_stats=False),
        }
        webmap = WebMap(random.Random(seed), _zone_ids(url))  # noqa: S311 - views, not secrets
        targets = {
            name: Target(name, apis[TIPG if name == TIPG else CONTAMAP], base, cpu.server_pid(base))
            for name, base in bases.items()
        }
        rows, mixed = run_load(webmap, targets, plan)
        _progress("a 1,000-feature page against its SQL")
        overhead = page_overhead(bases[CONTAMAP], url, plan.repeat)
        facts = machine(url)
    tiles = {CONTAMAP: apis[CONTAMAP].tile_template, TIPG: TIPG_TILES}
    setup = Setup(facts, plan, workers, tiles, webmap.cold_zooms())
    return Results(rows, mixed, overhead, setup)


def main(argv: list[str]) -> None:
    """Parse the options, run the benchmark, print the tables and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench traffic", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run of about 2 minutes")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="Contamap's workers"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the random views")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="the markdown whose section it writes"
    )
    options = parser.parse_args(argv)
    plan = PLANS["quick" if options.quick else "full"]
    text = report(run(plan, options.workers, options.seed), argv)
    print(text)
    write_section("traffic", text, options.output)
