"""Feature serving against tipg, on the same database, in the same run.

Both servers run as real uvicorn processes on loopback against one throwaway database
holding the bundled dataset; the same requests are sent to each in turn and the medians
compared. tipg runs from its own virtual environment (``.contamap/tipg-venv``, created on
first use with pip), so its dependencies never mix with ours.
"""

import argparse
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.models import District
from app.services.loader import load_bundled
from bench.stats import median_ms
from tests.conftest import throwaway_database
from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parents[1]
TIPG_VENV = ROOT / ".contamap" / "tipg-venv"
TIPG_VERSION = "1.6.1"
# (what, our path, tipg path): the same question asked of each server.
CASES = [
    (
        "districts, first page",
        "/collections/districts/items",
        "/collections/public.districts/items",
    ),
    (
        "zones, 1000 features",
        "/collections/contaminated_zones/items?limit=1000",
        "/collections/public.contaminated_zones/items?limit=1000",
    ),
    (
        "zones in a bbox",
        "/collections/contaminated_zones/items?limit=1000&bbox=46.5,39.5,47,40",
        "/collections/public.contaminated_zones/items?limit=1000&bbox=46.5,39.5,47,40",
    ),
    (
        "zones, equality filter",
        "/collections/contaminated_zones/items?limit=1000&status=active",
        "/collections/public.contaminated_zones/items?limit=1000&status=active",
    ),
    (
        "one district",
        "/collections/districts/items/{district}",
        "/collections/public.districts/items/{district}",
    ),
    ("collections", "/collections", "/collections"),
]


def tipg_python() -> Path:
    """tipg's interpreter, in its own virtual environment, created on first use."""
    python = TIPG_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"tipg=={TIPG_VERSION}", "uvicorn"],
            check=True,
        )
    return python


@contextmanager
def bundled_database() -> Iterator[str]:
    """A throwaway database, migrated and holding the bundled dataset; yields its URL."""
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with Session(engine) as session, session.begin():
            load_bundled(session)
        engine.dispose()
        yield url


def plain_url(url: str) -> str:
    """The URL without a driver in its scheme, as asyncpg (tipg) and psycopg take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def tipg_env(url: str) -> dict[str, str]:
    """tipg's environment: the database and the one schema it publishes."""
    return {"DATABASE_URL": plain_url(url), "TIPG_DB_SCHEMAS": '["public"]'}


def uvicorn(python: Path | str, app: str, port: int, *options: str) -> list[str]:
    """The command serving ``app`` with uvicorn on 127.0.0.1, logging warnings only."""
    port_options = ["--port", str(port), "--log-level", "warning"]
    return [str(python), "-m", "uvicorn", app, *port_options, *options]


def _get(client: httpx.Client, url: str) -> Callable[[], object]:
    """A call that fetches ``url`` and fails unless it answers 2xx."""
    return lambda: client.get(url).raise_for_status()


def main(argv: list[str]) -> None:
    """Print the median latency of each case for Contamap and tipg, and their ratio."""
    parser = argparse.ArgumentParser(prog="python -m bench features")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    tipg = tipg_python()
    with bundled_database() as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            district = conn.scalar(select(func.min(District.id)))
        engine.dispose()
        ours_port, tipg_port = free_port(), free_port()
        ours = uvicorn(sys.executable, "app.main:app", ours_port)
        theirs = uvicorn(tipg, "tipg.main:app", tipg_port)
        with (
            serving(ours, {"DATABASE_URL": url}, ours_port, "/collections") as ours_base,
            serving(theirs, tipg_env(url), tipg_port, "/collections") as tipg_base,
            httpx.Client(timeout=60, headers={"Accept": "application/json"}) as client,
        ):
            print(f"{'case':<26}{'contamap ms':>13}{'tipg ms':>10}{'ratio':>8}")
            for what, mine, their in CASES:
                mine_ms = median_ms(
                    _get(client, ours_base + mine.format(district=district)), args.repeat
                )
                their_ms = median_ms(
                    _get(client, tipg_base + their.format(district=district)), args.repeat
                )
                print(f"{what:<26}{mine_ms:>13.1f}{their_ms:>10.1f}{mine_ms / their_ms:>8.2f}")
