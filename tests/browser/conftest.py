"""What the browser tests share: the server, Debian's Chromium, and opening the map.

Debian's Chromium is driven from Python with Playwright's own driver (the PyPI package);
no browser is downloaded, and Node is needed only to install the front-end assets.
"""

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod
from sqlalchemy import Engine, text

from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
VENDOR = ROOT / "app" / "static" / "vendor"
MESSAGES = json.loads((ROOT / "app" / "static" / "i18n" / "messages.json").read_text("utf-8"))
# Proper names a page may show in any language (the rule of tests/browser/test_i18n.py).
NAMES = {"Contamap", "GeoNames", "MapLibre", "Natural", "Earth", "TileJSON", "API", "ANAMA"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
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


@pytest.fixture(scope="session")
def server(database_url: str, engine: Engine) -> Iterator[str]:
    """uvicorn on a free localhost port, reading the committed bundled data of the run."""
    port = free_port()
    env = {"DATABASE_URL": database_url, "CONTAMAP_ENVIRONMENT": "test"}
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
    with serving(command, env, port, "/health") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, rendering WebGL with SwiftShader."""
    _require(Path(CHROMIUM).exists(), f"Chromium ({CHROMIUM})")
    for asset in ("maplibre-gl.js", "chart.umd.js", "axe.min.js"):
        _require((VENDOR / asset).exists(), f"{asset} ('make assets')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def poll(page: Any, expression: str, what: str, tries: int = 300) -> Any:
    """Poll from outside the page: the CSP forbids the eval that wait_for_function uses."""
    for _ in range(tries):
        value = page.evaluate(expression)
        if value:
            return value
        page.wait_for_timeout(200)
    raise AssertionError(what)


def console_errors(page: Any) -> list[str]:
    """The list that collects the errors the page logs or throws from now on."""
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
    return errors


def wait_until_ready(page: Any) -> None:
    poll(page, "window.Contamap !== undefined && window.Contamap.ready === true", "never ready")


def open_map(
    browser: Any, server: str, viewport: dict[str, int] = DESKTOP, **context: Any
) -> tuple[Any, list[str]]:
    """The map in a new page (and browser context), ready, with the console errors it logs."""
    page = browser.new_page(viewport=viewport, **context)
    errors = console_errors(page)
    page.goto(f"{server}/map", wait_until="load")
    wait_until_ready(page)
    return page, errors


def serious_accessibility_violations(page: Any, server: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is added from the service's vendor folder (the page itself never loads it): a script
    added by its text would be inline, which the page's CSP refuses.
    """
    if not page.evaluate("window.axe !== undefined"):
        page.add_script_tag(url=f"{server}/static/vendor/axe.min.js")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['impact']} {violation['id']}: {violation['help']} "
        f"{[node['target'] for node in violation['nodes']][:5]}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def check_near_answer(page: Any, answer: dict[str, Any], lang: str = "en") -> None:
    """The "what is near" panel says what /stats/near answered, in the language given."""
    words = MESSAGES[lang]
    panel = page.locator("#near-panel")
    headline = panel.locator(".near-headline").inner_text()
    zone = answer["nearest_zone"]
    if zone is None:
        assert words["no_zone"] in headline
    elif zone["distance_km"] == 0:
        assert words["inside_zone"] in headline
    else:
        shown = panel.locator(".near-headline .distance").inner_text()
        km = float(re.search(r"\d+(?:[.,]\d+)?", shown).group().replace(",", "."))  # type: ignore[union-attr]
        assert abs(km - zone["distance_km"]) <= 0.05 * max(1, zone["distance_km"]), shown
        assert words["km_away"].split()[-1] in shown
    if zone is not None:
        assert zone["code"] in headline
    rows = panel.locator(".near-counts tbody tr")
    for row, kind in zip(rows.all(), ("zones", "incidents"), strict=True):
        cells = [int(cell) for cell in row.locator("td").all_inner_texts()]
        assert cells == [answer["counts"][radius][kind] for radius in ("1", "2", "5")]
    text = panel.inner_text()
    for key in ("not_a_guarantee", "schematic", "what_to_do"):
        assert words[key] in text


def settlement_point(engine: Engine, settlement_id: int) -> tuple[float, float]:
    """A settlement's point, read from the database."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM settlements WHERE id = :id"),
            {"id": settlement_id},
        ).one()
    return row[0], row[1]


def assert_shows_place(page: Any, lon: float, lat: float) -> None:
    """The map has stopped close in on the point, which shows in the part of the map left free."""
    page.wait_for_timeout(300)
    poll(page, "!Contamap.map.isMoving()", "the map never stopped", 100)
    centre = page.evaluate("Contamap.map.getCenter().toArray()")
    _, _, metres = Geod(ellps="WGS84").inv(lon, lat, centre[0], centre[1])
    assert metres < 5_000
    assert page.evaluate("Contamap.map.getZoom()") >= 12
    free = page.evaluate("Contamap.coveredInsets()")
    point = page.evaluate("([lon, lat]) => Contamap.map.project([lon, lat])", [lon, lat])
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert free["left"] < point["x"] < width - free["right"]
    assert free["top"] < point["y"] < height - free["bottom"]


@pytest.fixture(scope="session")
def proper_names(engine: Engine) -> set[str]:
    """The words of the places' names the data holds (districts, regions, settlements)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT name, name_az, region FROM districts "
                "UNION ALL SELECT name, name_az, NULL FROM settlements"
            )
        ).all()
    words = set(NAMES)
    for row in rows:
        for value in row:
            words.update(re.findall(r"[^\W\d_]+", value or ""))
    return words
