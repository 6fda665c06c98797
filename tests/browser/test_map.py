"""The web map in real headless Chromium, served by uvicorn on the test database.

Debian's Chromium is driven from Python with Playwright's own driver (the PyPI package);
no browser is downloaded, and Node is needed only to install MapLibre.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.servers import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOT = ROOT / "artifacts" / "map.png"
PANELS_SCREENSHOT = ROOT / "artifacts" / "map-panels.png"
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
    for asset in ("maplibre-gl.js", "chart.umd.js"):
        _require((ROOT / "app/static/vendor" / asset).exists(), f"{asset} ('make assets')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _poll(page: Any, expression: str, what: str, tries: int = 300) -> Any:
    """Poll from outside the page: the CSP forbids the eval that wait_for_function uses."""
    for _ in range(tries):
        value = page.evaluate(expression)
        if value:
            return value
        page.wait_for_timeout(200)
    raise AssertionError(what)


def _wait_until_ready(page: Any) -> None:
    _poll(page, "window.Contamap !== undefined && window.Contamap.ready === true", "never ready")


def _open_map(browser: Any, server: str) -> tuple[Any, list[str]]:
    """The map in a new page, ready, with the console errors it logs collected."""
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
    return page, errors


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


def _click_a_district(page: Any, engine: Engine) -> Any:
    """Click the first candidate district on screen and not under the side panel; its row."""
    panel = page.evaluate("document.getElementById('panel').getBoundingClientRect().right")
    for row in _candidates(engine):
        point = page.evaluate(
            "([lon, lat]) => Contamap.map.project([lon, lat])", [row.lon, row.lat]
        )
        if panel + 20 < point["x"] < WIDTH - 40 and 20 < point["y"] < HEIGHT - 20:
            page.mouse.click(point["x"], point["y"])
            popup = page.locator(".maplibregl-popup-content")
            popup.wait_for(timeout=10_000)
            page.wait_for_timeout(500)  # let the statistics, if any, arrive
            assert row.name in popup.inner_text()
            return row
    raise AssertionError("no large district is on screen")


def test_the_map_shows_the_layers_and_a_district_popup(
    server: str, browser: Any, engine: Engine
) -> None:
    page, errors = _open_map(browser, server)
    layers = page.evaluate(
        """() => {
            const counts = {};
            for (const feature of Contamap.map.queryRenderedFeatures()) {
                const layer = feature.sourceLayer || feature.source;
                counts[layer] = (counts[layer] || 0) + 1;
            }
            return counts;
        }"""
    )
    assert {"districts", "contaminated_zones", "line_of_contact", "settlements"} <= set(layers)
    assert layers.get("countries", 0) > 0
    with engine.connect() as conn:
        settlements = conn.execute(text("SELECT count(*) FROM settlements")).scalar_one()
    in_tiles = page.evaluate(
        """() => new Set(Contamap.map.querySourceFeatures("contamap", {sourceLayer: "settlements"})
            .map((feature) => feature.properties.code)).size"""
    )
    assert 0 < in_tiles <= settlements
    # Names are markers: settlements and neighbouring countries have theirs.
    assert page.locator(".settlement-label").count() > 0
    assert page.locator(".country-label").count() > 0
    _click_a_district(page, engine)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    # A settlement's popup: its names, its population as GeoNames records it, its district.
    page.locator(".maplibregl-popup-close-button").click()
    target = page.evaluate(
        """() => {
            const left = document.getElementById("panel").getBoundingClientRect().right;
            for (const feature of Contamap.map.queryRenderedFeatures({layers: ["settlements"]})) {
                const {x, y} = Contamap.map.project(feature.geometry.coordinates);
                if (feature.properties.population && x > left + 20 && x < innerWidth - 60
                    && y > 20 && y < innerHeight - 40) return {x, y, ...feature.properties};
            }
            return null;
        }"""
    )
    assert target is not None, "no settlement with a population is on screen"
    page.mouse.click(target["x"], target["y"])
    popup = page.locator(".maplibregl-popup-content", has_text="as recorded by GeoNames")
    popup.wait_for(timeout=10_000)
    assert target["name"] in popup.inner_text()
    assert f"{target['population']:,}" in popup.inner_text()
    if target.get("district"):
        assert target["district"] in popup.inner_text()
    # The Settlements box hides the circles and their names.
    page.get_by_label("Settlements", exact=True).uncheck()
    assert page.evaluate("Contamap.map.getLayoutProperty('settlements', 'visibility')") == "none"
    assert page.locator(".settlement-label:visible").count() == 0
    assert errors == []
    page.close()


def test_the_district_panel_shows_its_figures_and_a_chart_of_its_years(
    server: str, browser: Any, engine: Engine
) -> None:
    page, errors = _open_map(browser, server)
    clicked = _click_a_district(page, engine)
    page.locator(".maplibregl-popup-content button.open-district").click()
    drawer = page.locator("#district-panel")
    drawer.wait_for(state="visible", timeout=10_000)
    assert clicked.name in page.inner_text("#district-title")
    page.locator("#district-figures table").wait_for(timeout=10_000)
    assert "Contaminated" in page.inner_text("#district-figures")
    years = httpx.get(
        f"{server}/stats/timeseries", params={"district": clicked.id, "from": 2020}
    ).json()["years"]
    assert years
    _poll(page, "Contamap.districtChart !== null", "the district chart was never drawn", 50)
    chart = page.evaluate(
        """() => {
            const chart = Contamap.districtChart;
            const box = chart.canvas.getBoundingClientRect();
            return {
                width: box.width, height: box.height, labels: chart.data.labels,
                points: chart.data.datasets.map((_, i) => chart.getDatasetMeta(i).data.length),
            };
        }"""
    )
    assert chart["width"] > 100 and chart["height"] > 100
    assert chart["labels"] == [str(year["year"]) for year in years]
    assert chart["points"] == [len(years)] * 3  # contaminated, released, incidents
    page.locator("#district-panel .close").click()
    assert page.evaluate("Contamap.districtChart") is None
    assert errors == []
    page.close()


def test_the_priorities_panel_lists_and_outlines_the_ranked_zones(
    server: str, browser: Any
) -> None:
    page, errors = _open_map(browser, server)
    page.locator("#open-priorities").click()
    page.locator("#priority-rows li").first.wait_for(timeout=20_000)
    answer = page.evaluate("Contamap.priorities")
    rows = page.locator("#priority-rows li")
    assert rows.count() == len(answer["zones"]) == min(10, answer["total"])
    assert [zone["rank"] for zone in answer["zones"]] == list(range(1, rows.count() + 1))
    first = answer["zones"][0]
    assert first["code"] in rows.first.inner_text()
    assert answer["note"] in page.inner_text("#priorities-note")
    outlined = page.evaluate("Contamap.priorityZones.features.map((f) => f.properties.zone_id)")
    assert outlined == [zone["zone_id"] for zone in answer["zones"]]
    # A weight changed here asks again, with that weight.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.evaluate(
        """() => {
            window.previousRanking = Contamap.priorities;
            const input = document.querySelector("#priority-weights input[data-weight]");
            input.value = "1";
            input.dispatchEvent(new Event("input"));
        }"""
    )
    _poll(page, "Contamap.priorities !== window.previousRanking", "no new ranking", 100)
    assert any("w_" in url and "/stats/priorities" in url for url in requests)
    # A row flies to its zone, into the map between the side panel and the drawers.
    rows.first.click()
    page.wait_for_timeout(500)
    _poll(page, "!Contamap.map.isMoving()", "the map never stopped", 50)
    west, south, east, north = page.evaluate("Contamap.priorities.zones[0].bbox")
    zone = page.evaluate(
        "([lon, lat]) => Contamap.map.project([lon, lat])", [(west + east) / 2, (south + north) / 2]
    )
    panel = page.evaluate("document.getElementById('panel').getBoundingClientRect().right")
    drawers = page.evaluate("document.getElementById('drawers').getBoundingClientRect().left")
    assert panel < zone["x"] < drawers and 0 < zone["y"] < HEIGHT
    assert page.evaluate("Contamap.map.getZoom()") > 10
    PANELS_SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(PANELS_SCREENSHOT))
    page.locator("#priorities .close").click()
    empty = "Contamap.map.getSource('priorities').getData().then((data) => data.features.length)"
    assert page.evaluate(empty) == 0
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
