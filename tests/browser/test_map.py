"""The web map in real headless Chromium, served by uvicorn on the test database.

Debian's Chromium is driven from Python with Playwright's own driver (the PyPI package);
no browser is downloaded, and Node is needed only to install MapLibre.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = ROOT / "artifacts" / "map.png"
WIDTH, HEIGHT = 1280, 800
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, rendering WebGL with SwiftShader."""
    _require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    _require((ROOT / "app/static/vendor/maplibre-gl.js").exists(), "MapLibre ('make assets')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _wait_until_ready(page: Any) -> None:
    """Poll from outside the page: the CSP forbids the eval that wait_for_function uses."""
    for _ in range(300):
        if page.evaluate("window.Contamap !== undefined && window.Contamap.ready === true"):
            return
        page.wait_for_timeout(200)
    raise AssertionError("the map never became ready")


def _candidates(engine: Engine) -> list[Any]:
    """Points well inside the largest districts: where a click must name that district."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT id, name, ST_X(p) AS lon, ST_Y(p) AS lat FROM "
                    "(SELECT id, name, geom, ST_PointOnSurface(geom) AS p FROM districts) d "
                    "ORDER BY ST_Area(geom) DESC, id LIMIT 20"
                )
            ).all()
        )


def test_the_map_shows_the_layers_and_a_district_popup(
    server: str, browser: Any, engine: Engine
) -> None:
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.text} {message.location.get('url', '')}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/map", wait_until="load")
    _wait_until_ready(page)
    layers = page.evaluate(
        """() => {
            const counts = {};
            for (const feature of Contamap.map.queryRenderedFeatures()) {
                counts[feature.sourceLayer] = (counts[feature.sourceLayer] || 0) + 1;
            }
            return counts;
        }"""
    )
    assert {"districts", "contaminated_zones", "line_of_contact"} <= set(layers)
    # The first candidate district that is on screen and not under the side panel.
    panel = page.evaluate("document.getElementById('panel').getBoundingClientRect().right")
    clicked = None
    for row in _candidates(engine):
        point = page.evaluate(
            "([lon, lat]) => Contamap.map.project([lon, lat])", [row.lon, row.lat]
        )
        if panel + 20 < point["x"] < WIDTH - 40 and 20 < point["y"] < HEIGHT - 20:
            clicked = row
            page.mouse.click(point["x"], point["y"])
            break
    assert clicked is not None, "no large district is on screen"
    popup = page.locator(".maplibregl-popup-content")
    popup.wait_for(timeout=10_000)
    page.wait_for_timeout(500)  # let the statistics, if any, arrive
    assert clicked.name in popup.inner_text()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    assert errors == []
    page.close()


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", "h1")])
def test_the_api_documentation_works_offline(
    server: str, browser: Any, path: str, ready: str
) -> None:
    """Swagger UI and Redoc render from the service's own assets, within its CSP."""
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}{path}", wait_until="load")
    page.wait_for_selector(ready, timeout=30_000)
    assert "Contamap" in page.inner_text("body")
    off_site = [url for url in requested if not url.startswith((server, "data:", "blob:"))]
    assert off_site == []
    assert errors == []
    page.close()
