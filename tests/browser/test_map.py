"""The web map in real headless Chromium, served by uvicorn on the test database."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = ROOT / "artifacts" / "map.png"


def _require(ok: bool, what: str) -> None:
    """Skip on a developer's machine without the tool; fail in CI, which must install it."""
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is missing in CI (.ci/run and 'make assets' install it)")
        pytest.skip(f"{what} is missing")


@pytest.fixture(scope="module")
def server(database_url: str, engine: Engine) -> Iterator[str]:
    """uvicorn on a free localhost port, reading the committed bundled data of the run."""
    port = free_port()
    env = {"DATABASE_URL": database_url, "CONTAMAP_ENVIRONMENT": "test"}
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
    with serving(command, env, port, "/health") as base:
        yield base


def test_the_map_shows_the_layers_and_a_district_popup(server: str, engine: Engine) -> None:
    _require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    _require(shutil.which("node") is not None, "node")
    _require((ROOT / "web/node_modules/playwright-core").exists(), "web/node_modules")
    # Points well inside the largest districts: where a click must name that district.
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, name, ST_X(p) AS lon, ST_Y(p) AS lat FROM "
                "(SELECT id, name, geom, ST_PointOnSurface(geom) AS p FROM districts) d "
                "ORDER BY ST_Area(geom) DESC LIMIT 20"
            )
        ).all()
    names = {row.id: row.name for row in rows}
    candidates = json.dumps([{"id": row.id, "lon": row.lon, "lat": row.lat} for row in rows])
    SCREENSHOT.parent.mkdir(exist_ok=True)
    result = subprocess.run(
        [
            "node",
            str(Path(__file__).with_name("map_check.mjs")),
            f"{server}/map",
            str(SCREENSHOT),
            candidates,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["error"] is None, seen["error"]
    assert seen["consoleErrors"] == []
    assert {"districts", "contaminated_zones", "line_of_contact"} <= set(seen["layers"])
    assert seen["clicked"] in names
    assert names[seen["clicked"]] in seen["popup"]
    assert SCREENSHOT.stat().st_size > 10_000
