"""The web map in real headless Chromium on a 1280 by 800 screen, served by uvicorn on the test
database (the fixtures are in conftest.py, the phone's view in test_phone.py)."""

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.browser.conftest import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    assert_shows_place,
    check_near_answer,
    console_errors,
    open_map,
    poll,
    serious_accessibility_violations,
    settlement_point,
)

SCREENSHOT = ARTIFACTS / "map.png"
PANELS_SCREENSHOT = ARTIFACTS / "map-panels.png"
WIDTH, HEIGHT = DESKTOP["width"], DESKTOP["height"]


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
    page, errors = open_map(browser, server)
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
    # The first screen is below zoom 12: each district's merged contaminated area stands for
    # its zones (the TileJSON's contaminated_zones minzoom).
    assert {"districts", "contaminated_areas", "line_of_contact", "settlements"} <= set(layers)
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
    page, errors = open_map(browser, server)
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
    poll(page, "Contamap.districtChart !== null", "the district chart was never drawn", 50)
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
    page, errors = open_map(browser, server)
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
    poll(page, "Contamap.priorities !== window.previousRanking", "no new ranking", 100)
    assert any("w_" in url and "/stats/priorities" in url for url in requests)
    # A row flies to its zone, into the map between the side panel and the drawers.
    rows.first.click()
    page.wait_for_timeout(500)
    poll(page, "!Contamap.map.isMoving()", "the map never stopped", 50)
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
    page = browser.new_page(viewport=DESKTOP)
    requested: list[str] = []
    errors = console_errors(page)
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}{path}", wait_until="load")
    page.wait_for_selector(ready, timeout=30_000)
    assert "Contamap" in page.inner_text("body")
    off_site = [url for url in requested if not url.startswith((server, "data:", "blob:"))]
    assert off_site == []
    assert errors == []
    page.close()


def test_what_is_near_a_clicked_place(server: str, browser: Any, engine: Engine) -> None:
    """The popup asks "What is near here?"; the panel answers what /stats/near says there."""
    page, errors = open_map(browser, server)
    _click_a_district(page, engine)
    with page.expect_request("**/stats/near?**") as sent:
        page.locator(".maplibregl-popup-content .what-is-near").click()
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    assert page.locator(".maplibregl-popup").count() == 0
    check_near_answer(page, httpx.get(sent.value.url).json())
    page.locator("#near-panel .close").click()
    assert page.locator("#near-panel").is_hidden()
    assert page.locator(".near-marker").count() == 0
    assert errors == []
    page.close()


def test_the_keyboard_finds_a_place(server: str, browser: Any, engine: Engine) -> None:
    """Tab reaches the search box first, then the buttons and the results; Enter on a result
    flies there and answers what is near it."""
    page, errors = open_map(browser, server)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("Susa")
    page.locator(".search-result").first.wait_for(timeout=10_000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "locate"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "search-result"
    places = page.evaluate("Contamap.searchResults")
    index = next(i for i, place in enumerate(places) if place["kind"] == "settlement")
    for _ in range(index):
        page.keyboard.press("ArrowDown")
    assert places[index]["name"] in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    poll(page, "document.activeElement.id === 'near-title'", "the answer never took the focus", 50)
    lon, lat = settlement_point(engine, places[index]["id"])
    assert_shows_place(page, lon, lat)
    assert errors == []
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_serious_accessibility_violations(
    server: str, browser: Any, viewport: dict[str, int]
) -> None:
    """axe-core on the map as it opens, with the panel and legend open (phone), search
    results, the "what is near" answer and the district panel."""
    page, errors = open_map(browser, server, viewport)
    found = {"map": serious_accessibility_violations(page, server)}
    if viewport == PHONE:
        page.locator("#panel-toggle").click()
        page.locator("#legend-toggle").click()
        found["panel"] = serious_accessibility_violations(page, server)
        page.locator("#panel-toggle").click()
    page.locator("#search-input").fill("Susa")
    page.locator(".search-result").first.wait_for(timeout=10_000)
    found["search"] = serious_accessibility_violations(page, server)
    page.locator(".search-result").last.click()
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    found["near"] = serious_accessibility_violations(page, server)
    page.locator("#near-panel .open-district").click()
    page.locator("#district-figures table").wait_for(timeout=10_000)
    poll(page, "Contamap.districtChart !== null", "the district chart was never drawn", 50)
    found["district"] = serious_accessibility_violations(page, server)
    assert found == {state: [] for state in found}
    assert errors == []
    page.close()


# The controls that float over the map, and what they must not cover: the panel, the zoom
# buttons, the attribution, and each other.
FLOATING = ("#report-open", "#warn-toggle")
COVERED = ("#panel", ".maplibregl-ctrl-top-right", ".maplibregl-ctrl-attrib", *FLOATING)


@pytest.mark.parametrize(
    "viewport", [DESKTOP, {"width": 1024, "height": 768}, PHONE], ids=["desktop", "tablet", "phone"]
)
def test_the_floating_buttons_cover_nothing(
    server: str, browser: Any, viewport: dict[str, int]
) -> None:
    page, _ = open_map(browser, server, viewport)
    boxes = {
        selector: page.locator(selector).first.bounding_box()
        for selector in COVERED
        if page.locator(selector).first.is_visible()
    }
    page.close()
    assert set(FLOATING) <= set(boxes), boxes  # both shown, inside the screen
    for button in FLOATING:
        box = boxes[button]
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
        assert box["y"] + box["height"] <= viewport["height"]
        for other, rect in boxes.items():
            if other == button:
                continue
            apart = (
                box["x"] + box["width"] <= rect["x"]
                or rect["x"] + rect["width"] <= box["x"]
                or box["y"] + box["height"] <= rect["y"]
                or rect["y"] + rect["height"] <= box["y"]
            )
            assert apart, f"{button} {box} covers {other} {rect} at {viewport}"
