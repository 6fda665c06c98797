"""How /stats/districts latency and the refresh time grow with the number of zones.

Synthetic districts (a 10 x 8 grid of 0.5 degree cells) and square zones of about 550 m,
with monthly record dates, a fifth of them cleared a year later, in a throwaway database.
The refresh is timed twice: a full rebuild, and the incremental one that follows the
insert of one more zone inside one district (the median of five such inserts, each in its own
transaction; the insert itself, with the trigger that marks the district, is timed too).
Each request is timed through the whole application and compared, in the same process,
with a request that reaches no data (an unknown path, answered 404 by the app) and with
/health (which counts the rows of each layer, so it grows with the zones itself).
A per-request union of the zones (what the overlay avoids) is timed too.
"""

import argparse
import statistics
import time
from collections.abc import Callable

from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text

from app.cli import alembic_config
from app.core.config import Settings
from app.main import create_app
from tests.conftest import throwaway_database

DISTRICTS = text(
    """
INSERT INTO districts (code, name, kind, source, geom)
SELECT 'BENCH-D' || i || '-' || j, 'Bench ' || i || '-' || j, 'district', 'bench',
       ST_Multi(ST_MakeEnvelope(40 + i * 0.5, j * 0.5, 40.5 + i * 0.5, 0.5 + j * 0.5, 4326))
FROM generate_series(0, 9) AS i, generate_series(0, 7) AS j
"""
)
ZONES = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, released_on, source, geom)
SELECT 'BENCH-Z' || g, 'SHA',
       ARRAY[(ARRAY['anti_personnel', 'anti_tank', 'uxo', 'cluster'])[1 + g % 4]],
       (ARRAY['high', 'medium', 'low'])[1 + g % 3],
       CASE WHEN g % 5 = 0 THEN 'cleared' ELSE 'active' END,
       date '2021-01-01' + (g % 48) * 30,
       CASE WHEN g % 5 = 0 THEN date '2022-01-01' + (g % 48) * 30 END,
       'bench',
       ST_Multi(ST_MakeEnvelope(x, y, x + 0.005, y + 0.005, 4326))
FROM (SELECT g, 39.9 + random() * 5.2 AS x, -0.1 + random() * 4.2 AS y
      FROM generate_series(1, :n) AS g) AS placed
"""
)
ONE_ZONE = text(
    """
INSERT INTO contaminated_zones
    (code, hazard_class, contamination, risk_level, status, recorded_on, source, geom)
VALUES ('BENCH-ONE-' || :k, 'SHA', ARRAY['uxo'], 'high', 'active', date '2024-05-01', 'bench',
        ST_Multi(ST_MakeEnvelope(42.2 + :k * 0.01, 2.2, 42.205 + :k * 0.01, 2.205, 4326)))
"""
)
ONE_ZONE_REPEAT = 5
NAIVE_UNION = text(
    """
SELECT d.id, ST_Area(ST_Intersection(ST_Union(z.geom), d.geom)::geography) / 1e6
FROM districts AS d JOIN contaminated_zones AS z ON ST_Intersects(z.geom, d.geom)
WHERE z.released_on IS NULL GROUP BY d.id, d.geom
"""
)


def median_ms(call: Callable[[], object], repeat: int) -> float:
    """The median time of ``repeat`` calls, in milliseconds, after one untimed call."""
    call()  # warm up: connection pool, plans
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def medians_interleaved(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The median time of each call in milliseconds, the calls taken in turn ``repeat`` times
    after one untimed turn, so that the machine's drift hits them all alike; each turn starts
    one call further on, so that each takes every place alike. (In a fixed order, the page
    asked first after its bare SQL took 0.4 to 0.7 ms more than the same page asked second,
    whichever encoding it was: a server's worker woken from idle.)"""
    names = list(calls)
    times: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(repeat + 1):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            calls[name]()
            if turn:
                times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(taken) for name, taken in times.items()}


def _get(client: TestClient, url: str, status: int = 200) -> Callable[[], object]:
    def call() -> object:
        response = client.get(url)
        assert response.status_code == status, response.text
        return response

    return call


def _seconds(conn: Connection, statement: object, **params: object) -> float:
    start = time.perf_counter()
    conn.execute(statement, params)  # type: ignore[call-overload]
    return time.perf_counter() - start


def run(sizes: list[int], repeat: int, naive_limit: int) -> None:
    """Build each size in turn and print one table row per size."""
    header = (
        f"{'zones':>7} {'atoms':>7} {'deltas':>7} {'full s':>6} {'insert ms':>9} "
        f"{'one zone s':>10} {'404 ms':>6} {'health ms':>9} {'districts ms':>12} "
        f"{'ratio':>6} {'filtered ms':>11} {'naive union s':>13}"
    )
    print(header)
    print("-" * len(header))
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        app = create_app(Settings(database_url=url, environment="test"))
        with engine.begin() as conn:
            conn.execute(DISTRICTS)
        with TestClient(app) as client:
            for size in sizes:
                with engine.begin() as conn:
                    conn.execute(text("DELETE FROM contaminated_zones"))
                    conn.execute(text("SELECT setseed(0.42)"))
                    conn.execute(ZONES, {"n": size})
                with engine.begin() as conn:
                    refresh = _seconds(conn, text("SELECT stats_refresh_all()"))
                inserts, refreshes = [], []
                for k in range(ONE_ZONE_REPEAT):
                    with engine.begin() as conn:
                        inserts.append(_seconds(conn, ONE_ZONE, k=k) * 1000)
                        refreshes.append(_seconds(conn, text("SELECT stats_refresh()")))
                insert, incremental = statistics.median(inserts), statistics.median(refreshes)
                with engine.begin() as conn:
                    atoms = conn.scalar(text("SELECT count(*) FROM stats_atoms"))
                    deltas = conn.scalar(text("SELECT count(*) FROM stats_deltas"))
                    conn.execute(text("ANALYZE"))  # as autovacuum would, before timing reads
                    naive = (
                        f"{_seconds(conn, NAIVE_UNION):13.2f}" if size <= naive_limit else "skipped"
                    )
                reference = median_ms(_get(client, "/bench-no-such-path", 404), repeat)
                health = median_ms(_get(client, "/health"), repeat)
                districts = median_ms(_get(client, "/stats/districts"), repeat)
                filtered = median_ms(
                    _get(client, "/stats/districts?as_of=2023-06-30&risk_level=high"), repeat
                )
                print(
                    f"{size:>7} {atoms:>7} {deltas:>7} {refresh:>6.2f} {insert:>9.1f} "
                    f"{incremental:>10.3f} {reference:>6.1f} "
                    f"{health:>9.1f} {districts:>12.1f} {districts / reference:>6.1f} "
                    f"{filtered:>11.1f} {naive:>13}",
                    flush=True,
                )
        engine.dispose()


def main(argv: list[str]) -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench stats", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="zone counts")
    parser.add_argument("--repeat", type=int, default=20, help="requests timed per figure")
    parser.add_argument(
        "--naive-limit", type=int, default=100_000, help="largest size to time the naive union"
    )
    options = parser.parse_args(argv)
    run([int(size) for size in options.sizes.split(",")], options.repeat, options.naive_limit)
