"""Disposable PostgreSQL + PostGIS clusters of their own, for the outage and replica tests.

Each is made by scripts/pgcluster.sh (the system's binaries, as the postgres user when root)
in a temporary state folder and on a free port, so that a test can stop and start it, or
stream it to a replica, without touching the cluster the rest of the suite uses.
"""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.services.loader import load_bundled
from tests.servers import ROOT, free_port

PGCLUSTER = ROOT / "scripts" / "pgcluster.sh"


class Cluster:
    """One cluster in its own state folder: start, stop, its URL."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def _run(self, action: str) -> str:
        env = {**os.environ, "CONTAMAP_STATE_DIR": str(self.state)}
        if action == "start":
            env["CONTAMAP_PG_PORT"] = str(free_port())
        done = subprocess.run(
            [str(PGCLUSTER), action], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def start(self) -> None:
        """Start it (creating it the first time)."""
        self._run("start")

    def stop(self) -> None:
        """Stop it at once (fast shutdown: sessions are cut)."""
        self._run("stop")

    @property
    def url(self) -> str:
        """Its DATABASE_URL."""
        return self._run("url")

    @property
    def port(self) -> int:
        """Its port."""
        return int((self.state / "port").read_text())


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def disposable_cluster(*, loaded: bool = True) -> Iterator[Cluster]:
    """A started cluster, migrated and with the bundled data unless ``loaded`` is false."""
    state = Path(tempfile.mkdtemp(prefix="contamap-cluster-"))
    cluster = Cluster(state)
    try:
        cluster.start()
        if loaded:
            command.upgrade(alembic_config(cluster.url), "head")
            engine = create_engine(cluster.url)
            with Session(engine) as session, session.begin():
                load_bundled(session)
            engine.dispose()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(state, ignore_errors=True)


@contextmanager
def streaming_replica(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby of ``primary``, made by pg_basebackup -R and started on its own port."""
    state = Path(tempfile.mkdtemp(prefix="contamap-replica-"))
    replica = Cluster(state)
    try:
        password = (primary.state / "db-password").read_text().strip()
        (state / "db-password").write_text(password)
        if os.geteuid() == 0:
            shutil.chown(state, "postgres")
        bindir = Path(shutil.which("pg_basebackup") or _pg_bindir() / "pg_basebackup")
        subprocess.run(
            _as_owner(
                [
                    "env",
                    f"PGPASSWORD={password}",
                    str(bindir),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(primary.port),
                    "-U",
                    "contamap",
                    "-D",
                    str(state / "pgdata"),
                    "-R",
                    "-X",
                    "stream",
                    "--checkpoint=fast",  # a spread checkpoint would take minutes
                ]
            ),
            cwd="/",
            check=True,
            capture_output=True,
        )
        replica.start()
        yield replica
    finally:
        replica.stop()
        shutil.rmtree(state, ignore_errors=True)


def _pg_bindir() -> Path:
    return sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


def wait_until(check: Callable[[], bool], seconds: float = 20.0) -> float:
    """Poll ``check`` until it returns true; the seconds it took, or fail after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() < started + seconds:
        try:
            if check():
                return time.monotonic() - started
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not true within {seconds} s")


def recovering(url: str) -> bool:
    """Whether the database at ``url`` is a standby replaying WAL."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(text("SELECT pg_is_in_recovery()")))
    finally:
        engine.dispose()
