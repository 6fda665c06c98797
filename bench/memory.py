"""The server's peak memory while a client pages through 1,000,000 incidents.

A throwaway database gets the bundled data and a million synthetic incidents (inserted with
the triggers off: a fixture, not a write to measure); one `contamap serve` worker then
serves every page of 10,000 by following the ``next`` links, and the worker's peak resident
memory (VmHWM) is read from /proc before and after.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.services.loader import load_bundled
from tests.conftest import throwaway_database
from tests.servers import free_port, serving

TRIGGERS_OFF = text("SET LOCAL session_replication_role = replica")
INCIDENTS = text(
    """
INSERT INTO incidents (code, occurred_on, device, activity, killed, injured, victim_category,
                       location_accuracy, source, geom)
SELECT 'MEM-' || i, date '2021-01-01' + (i % 1500), 'uxo', 'farming', i % 2, i % 3,
       'civilian', 'village', 'benchmark',
       ST_SetSRID(ST_MakePoint(45.5 + (i % 1000) * 0.002, 39.2 + (i / 1000) * 0.0012), 4326)
FROM generate_series(1, :count) AS i
"""
)


def _peak_kib(pid: int) -> int:
    """The process's and its children's peak resident memory, in KiB (the largest)."""
    peaks = []
    for candidate in [pid, *_children(pid)]:
        status = Path(f"/proc/{candidate}/status").read_text()
        peaks += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")]
    return max(peaks)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def main(argv: list[str]) -> None:
    """``python -m bench memory [--count N]``."""
    parser = argparse.ArgumentParser(prog="python -m bench memory")
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with throwaway_database() as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with Session(engine) as session, session.begin():
            load_bundled(session)
        with engine.begin() as conn:
            conn.execute(TRIGGERS_OFF)
            conn.execute(INCIDENTS, {"count": args.count})
        engine.dispose()
        port = free_port()
        contamap = str(Path(sys.executable).with_name("contamap"))
        command_line = [contamap, "serve", "--workers", "1", "--port", str(port)]
        with serving(command_line, {"DATABASE_URL": url}, port, "/health") as base:
            pid = _server_pid(port)
            before = _peak_kib(pid)
            started, pages, features = time.monotonic(), 0, 0
            url_next: str | None = f"{base}/collections/incidents/items?limit=10000"
            with httpx.Client(timeout=120) as client:
                while url_next:
                    page = client.get(url_next).json()
                    pages, features = pages + 1, features + page["numberReturned"]
                    url_next = next(
                        (link["href"] for link in page["links"] if link["rel"] == "next"), None
                    )
            seconds = time.monotonic() - started
            after = _peak_kib(pid)
    print(
        f"paged {features} incidents in {pages} pages of 10,000 in {seconds:.0f} s; the "
        f"server's peak resident memory went from {before / 1024:.0f} MiB to {after / 1024:.0f} MiB"
    )


def _server_pid(port: int) -> int:
    """The process listening on the port (the uvicorn worker: one worker runs in-process)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            inode = fields[9]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return int(entry.name)
    raise RuntimeError(f"nothing listens on port {port}")
