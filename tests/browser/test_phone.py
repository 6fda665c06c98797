"""The web map on a phone's screen (390 by 844): the map fills it, the panel folds into its
search row and a button, a search flies to a place, a tap answers what is near. Screenshots:
artifacts/phone-{map,panel,search,near}.png; the first load's bytes: artifacts/phone-bytes.txt."""

from typing import Any

import httpx
from sqlalchemy import Engine, text

from tests.browser.conftest import (
    ARTIFACTS,
    MESSAGES,
    PHONE,
    assert_shows_place,
    check_near_answer,
    console_errors,
    open_map,
    poll,
    settlement_point,
    wait_until_ready,
)

FIRST_LOAD_BUDGET = 700_000  # bytes transferred; MapLibre GL JS is 280 kB of it, gzipped
TOUCH = 44  # px, the least side of a touch target

# Visible controls whose boxes are smaller than a touch target (a checkbox counts by its label).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    "#panel button, #panel input, #panel a, #panel summary, #drawers button, #drawers input,"
    + " #drawers summary, .maplibregl-ctrl button, .maplibregl-ctrl summary")]
  .filter((control) => control.getClientRects().length && !control.closest(".phone-hidden"))
  .map((control) => [control, (control.type === "checkbox" ? control.closest("label") : control)
    .getBoundingClientRect()])
  .filter(([, box]) => box.width < 44 || box.height < 44)
  .map(([control, box]) => `${control.id || control.className || control.tagName} ${box.width}x${box.height}`)"""


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    assert (ARTIFACTS / name).stat().st_size > 10_000


def test_the_map_fills_the_phone_and_the_panel_folds(server: str, browser: Any) -> None:
    """A light first load (no Chart.js, no axe), the map on most of the screen, the panel and
    the legend open on demand, every control at least 44 px."""
    page = browser.new_page(viewport=PHONE)
    errors = console_errors(page)
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(f"{server}/map", wait_until="load")
    wait_until_ready(page)
    sizes = [
        (request.url, request.sizes()) for request in finished if request.url.startswith("http")
    ]
    body = sum(size["responseBodySize"] for _, size in sizes)
    headers = sum(size["responseHeadersSize"] for _, size in sizes)
    (ARTIFACTS / "phone-bytes.txt").write_text(
        f"first load at 390x844, empty cache, until ready: {len(sizes)} requests, "
        f"{body + headers} bytes transferred ({body} of bodies, {headers} of headers)\n"
        + "".join(f"{size['responseBodySize']:>8} {url}\n" for url, size in sizes)
    )
    assert body + headers < FIRST_LOAD_BUDGET
    assert not [url for url, _ in sizes if "chart.umd.js" in url or "axe.min.js" in url]

    free = page.evaluate(
        """() => {
            const canvas = Contamap.map.getCanvas().getBoundingClientRect();
            const panel = document.getElementById("panel").getBoundingClientRect();
            return canvas.width * canvas.height - panel.width * panel.height;
        }"""
    )
    assert free > 0.8 * PHONE["width"] * PHONE["height"]
    assert page.locator("#search-input").is_visible()
    assert page.locator("#panel-body").is_hidden()
    _screenshot(page, "phone-map.png")

    toggle = page.locator("#panel-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_label("Incidents", exact=True).is_visible()
    assert page.locator("#legend").is_hidden()
    page.locator("#legend-toggle").click()
    assert page.locator("#legend .legend-row").first.is_visible()
    assert page.evaluate(SMALL_TARGETS) == []
    _screenshot(page, "phone-panel.png")
    toggle.click()
    assert page.locator("#panel-body").is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    # The Priorities drawer opens as a sheet at the bottom, its controls as large.
    toggle.click()
    page.locator("#open-priorities").click()
    page.locator("#priority-rows li").first.wait_for(timeout=20_000)
    assert page.evaluate(SMALL_TARGETS) == []
    page.keyboard.press("Escape")
    assert page.locator("#panel-body").is_hidden()
    sheet = page.locator("#drawers").bounding_box()
    assert sheet["y"] > PHONE["height"] / 2
    assert errors == []
    page.close()


def test_a_search_for_susa_finds_susa_and_flies_there(
    server: str, browser: Any, engine: Engine
) -> None:
    page, errors = open_map(browser, server, PHONE)
    page.locator("#search-input").fill("Susa")
    results = page.locator(".search-result")
    results.first.wait_for(timeout=10_000)
    places = page.evaluate("Contamap.searchResults")
    index = next(i for i, place in enumerate(places) if place["kind"] == "settlement")
    assert places[index]["name_az"] == "Şuşa"
    assert "Şuşa" in results.nth(index).inner_text()
    assert page.evaluate(SMALL_TARGETS) == []
    _screenshot(page, "phone-search.png")
    with page.expect_request("**/stats/near?**") as sent:
        results.nth(index).click()
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    assert results.first.is_hidden()
    assert_shows_place(page, *settlement_point(engine, places[index]["id"]))
    check_near_answer(page, httpx.get(sent.value.url).json())
    assert errors == []
    page.close()


def _settlement_near_a_zone(engine: Engine, server: str) -> tuple[float, float]:
    """A settlement some way from the nearest contaminated zone, so the answer is a distance."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat FROM settlements s "
                "WHERE EXISTS (SELECT FROM contaminated_zones z "
                "  WHERE ST_DWithin(z.geom::geography, s.geom::geography, 4000)) "
                "AND NOT EXISTS (SELECT FROM contaminated_zones z "
                "  WHERE ST_DWithin(z.geom::geography, s.geom::geography, 500)) "
                "ORDER BY s.population DESC NULLS LAST, s.id LIMIT 10"
            )
        ).all()
    for row in rows:
        answer = httpx.get(f"{server}/stats/near", params={"lon": row.lon, "lat": row.lat}).json()
        if answer["nearest_zone_km"]:
            return row.lon, row.lat
    raise AssertionError("no settlement lies between 0.5 and 4 km from a contaminated zone")


def test_a_tap_on_the_map_answers_what_is_near(server: str, browser: Any, engine: Engine) -> None:
    lon, lat = _settlement_near_a_zone(engine, server)
    page, errors = open_map(browser, server, PHONE, has_touch=True)
    page.evaluate("([lon, lat]) => Contamap.map.jumpTo({center: [lon, lat], zoom: 12})", [lon, lat])
    poll(page, "Contamap.map.loaded() && !Contamap.map.isMoving()", "the map never settled", 100)
    with page.expect_request("**/stats/near?**") as sent:
        page.touchscreen.tap(PHONE["width"] / 2, PHONE["height"] / 2)
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    answer = httpx.get(sent.value.url).json()
    assert abs(answer["lon"] - lon) < 0.01 and abs(answer["lat"] - lat) < 0.01
    assert answer["nearest_zone_km"] > 0
    check_near_answer(page, answer)
    assert page.locator(".maplibregl-popup").count() == 0  # the sheet answers, not a popup
    assert page.evaluate(SMALL_TARGETS) == []
    _screenshot(page, "phone-near.png")
    assert errors == []
    page.close()


def test_my_location_in_azerbaijani(server: str, browser: Any) -> None:
    """The position is asked for only when the button is pressed, and goes to /stats/near of
    this service alone; a browser in Azerbaijani gets the answer in Azerbaijani."""
    lon, lat = 46.7499, 39.7601
    page, errors = open_map(
        browser,
        server,
        PHONE,
        locale="az-AZ",
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    assert page.get_by_role("button", name=MESSAGES["az"]["locate"]).count() == 1
    with page.expect_request("**/stats/near?**") as sent:
        page.locator("#locate").click()
    page.locator("#near-panel .near-headline").wait_for(timeout=10_000)
    assert f"lon={lon}" in sent.value.url and f"lat={lat}" in sent.value.url
    assert [url for url in requested if not url.startswith(server)] == []
    assert page.inner_text("#near-title") == MESSAGES["az"]["near_title"]
    check_near_answer(page, httpx.get(sent.value.url).json(), "az")
    assert MESSAGES["az"]["my_location"] in page.inner_text("#near-panel")
    assert errors == []
    page.close()
