"""The map's edit mode (/map?edit=1) in headless Chromium, on a desktop (1400 x 900) and a
tablet (1024 x 768): sign in, draw a zone, see a mistake named next to its field, fix it, save,
find the zone in the tiles and the district's contaminated km² grown by the zone's geodesic
area (pyproj); PostGIS's reason for an invalid geometry marked on the map; two editors saving
the same zone (the 412 view); a zone's history; sign out; axe in edit mode.

Screenshots: artifacts/edit-{mode,form-error,conflict,history,invalid-geometry}*.png.
"""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyproj import Geod
from shapely.geometry import LineString, shape
from sqlalchemy import Engine, text

from tests.browser.conftest import (
    ARTIFACTS,
    MESSAGES,
    VENDOR,
    _require,
    console_errors,
    poll,
    serious_accessibility_violations,
    wait_until_ready,
)

DESKTOP = {"width": 1400, "height": 900}
TABLET = {"width": 1024, "height": 768}
WORDS = MESSAGES["en"]
PASSWORD = "a long enough password for the edit test"
CONTAMAP = str(Path(sys.executable).with_name("contamap"))
GEOD = Geod(ellps="WGS84")


def _cli(database_url: str, *args: str, stdin: str = "") -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [CONTAMAP, *args], input=stdin, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module", autouse=True)
def _terra_draw() -> None:
    """The edit mode's drawing library, copied by 'make assets' like MapLibre."""
    for asset in ("terra-draw.umd.js", "terra-draw-maplibre-gl-adapter.umd.js"):
        _require((VENDOR / asset).exists(), f"{asset} ('make assets')")


@pytest.fixture(scope="module")
def editors(database_url: str) -> tuple[str, str]:
    """Two editors' accounts, made with the CLI (the password on standard input)."""
    names = ("edit-test-ana", "edit-test-babek")
    for name in names:
        _cli(database_url, "user", "create", name, "--role", "editor", stdin=PASSWORD + "\n")
    return names


@pytest.fixture(scope="module")
def api_key(database_url: str) -> str:
    """An editor's API key: the test's own set-up and clean-up go through the API."""
    output = _cli(database_url, "apikey", "create", "edit-test-setup", "--role", "editor")
    return next(word for word in output.split() if word.startswith("cmk_"))


@pytest.fixture(scope="module")
def created(server: str, api_key: str) -> Iterator[list[int]]:
    """The ids of the zones the tests add; deleted (softly, through the API) afterwards, so
    that the other browser tests see the bundled data only."""
    ids: list[int] = []
    yield ids
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {api_key}"}) as api:
        for feature_id in ids:
            api.delete(f"/collections/contaminated_zones/items/{feature_id}")


def _free_spots(engine: Engine) -> list[Any]:
    """Points deep inside a district (0.05° around each is in it) and far from any zone,
    task or released land: a square drawn there adds its whole area to the district."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT d.id, d.name, ST_X(p) AS lon, ST_Y(p) AS lat FROM "
                    "(SELECT id, name, geom, ST_PointOnSurface(geom) AS p FROM districts) d "
                    "WHERE ST_Contains(d.geom, ST_Expand(d.p, 0.05)) AND NOT EXISTS "
                    "(SELECT 1 FROM contaminated_zones z WHERE ST_DWithin(z.geom, d.p, 0.1)) "
                    "AND NOT EXISTS (SELECT 1 FROM tasks t WHERE ST_DWithin(t.geom, d.p, 0.1)) "
                    "ORDER BY d.id"
                )
            ).all()
        )


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


# What the browser logs for the refusals the tests provoke on purpose (signed out, a mistake,
# a conflict): any other error fails the test.
EXPECTED = ("status of 401", "status of 412", "status of 422")


def _unexpected(errors: list[str]) -> list[str]:
    return [error for error in errors if not any(status in error for status in EXPECTED)]


def _open_edit_mode(browser: Any, server: str, viewport: dict[str, int]) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport=viewport)
    errors = console_errors(page)
    page.goto(f"{server}/map?edit=1", wait_until="load")
    wait_until_ready(page)
    poll(page, "document.getElementById('edit-who')?.textContent.length > 0", "no edit panel")
    return page, errors


def _sign_in(page: Any, name: str) -> None:
    """Sign in with the map's own form, then wait for the edit tools."""
    page.locator("#auth-open").click()
    page.locator("#auth-username").fill(name)
    page.locator("#auth-password").fill(PASSWORD)
    page.locator("#auth-form button[type=submit]").click()
    poll(page, "Contamap.editReady === true", "the edit mode never started")
    assert name in page.inner_text("#edit-who")


def _go_to(page: Any, lon: float, lat: float, zoom: float = 12) -> None:
    page.evaluate(
        "([lon, lat, zoom]) => Contamap.map.jumpTo({center: [lon, lat], zoom})", [lon, lat, zoom]
    )
    page.wait_for_timeout(300)
    poll(page, "Contamap.map.loaded() && !Contamap.map.isMoving()", "the map never settled")


def _draw(page: Any, corners: list[tuple[float, float]]) -> None:
    """Draw a polygon through the pixels given, closing it on its first corner."""
    page.get_by_role("button", name=WORDS["edit_draw"]).click()
    for x, y in [*corners, corners[0]]:
        page.mouse.move(x, y, steps=4)
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    poll(page, "document.getElementById('edit-form').hidden === false", "no form after drawing")


def _map_centre(page: Any) -> tuple[float, float]:
    box = page.evaluate(
        "(() => { const r = Contamap.map.getCanvas().getBoundingClientRect(); return [r.width, r.height]; })()"
    )
    panel = page.evaluate("document.getElementById('panel').getBoundingClientRect().right")
    drawers = page.evaluate("document.getElementById('drawers').getBoundingClientRect().left")
    return ((panel + drawers) / 2, box[1] / 2)


def _fill_zone(page: Any, code: str, devices: str) -> None:
    page.locator("#edit-field-code").fill(code)
    page.locator("#edit-field-hazard_class").select_option("SHA")
    page.locator("#edit-field-contamination input[value=anti_personnel]").check()
    page.locator("#edit-field-risk_level").select_option("high")
    page.locator("#edit-field-status").select_option("active")
    page.locator("#edit-field-recorded_on").fill("2024-05-01")
    page.locator("#edit-field-estimated_devices").fill(devices)
    page.locator("#edit-field-source").fill("browser test of the edit mode")


def _saved(page: Any) -> str:
    poll(page, "document.getElementById('edit-status').classList.contains('ok')", "never saved")
    return str(page.inner_text("#edit-status"))


def _zone_row(engine: Engine, code: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT id, risk_level, estimated_devices, ST_AsGeoJSON(geom) AS geometry, "
                "ST_X(ST_PointOnSurface(geom)) AS inside_lon, "
                "ST_Y(ST_PointOnSurface(geom)) AS inside_lat "
                "FROM contaminated_zones WHERE code = :code"
            ),
            {"code": code},
        ).one_or_none()


def _square(lon: float, lat: float, d: float) -> list[list[float]]:
    return [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
    ]


def _create_zone(server: str, api_key: str, code: str, ring: list[list[float]]) -> int:
    """A zone added through the API with a key (the set-up of a test, not what it tests)."""
    zone = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "code": code,
            "hazard_class": "CHA",
            "contamination": ["anti_tank"],
            "risk_level": "high",
            "status": "active",
            "recorded_on": "2023-03-01",
            "estimated_devices": 4,
            "source": "browser test of the edit mode",
        },
    }
    answer = httpx.post(
        f"{server}/collections/contaminated_zones/items",
        json=zone,
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/geo+json"},
    )
    assert answer.status_code == 201, answer.text
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def _open_zone(page: Any, lon: float, lat: float, code: str) -> None:
    """Click the zone at the point and choose Edit in its popup."""
    poll(
        page,
        f"Contamap.map.queryRenderedFeatures(Contamap.map.project([{lon}, {lat}]),"
        " {layers: ['zones-fill']}).some((f) => f.properties.code === '" + code + "')",
        f"{code} is not drawn",
    )
    point = page.evaluate(f"Contamap.map.project([{lon}, {lat}])")
    page.mouse.click(point["x"], point["y"])
    page.locator(".edit-popup").get_by_role("button", name=WORDS["edit_this"]).click()
    poll(page, f"document.getElementById('edit-field-code')?.value === '{code}'", "not opened")


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "desktop"), (TABLET, "tablet")])
def test_an_editor_draws_a_zone_and_the_district_grows_by_its_area(
    server: str,
    browser: Any,
    engine: Engine,
    editors: tuple[str, str],
    created: list[int],
    viewport: dict[str, int],
    size: str,
) -> None:
    page, errors = _open_edit_mode(browser, server, viewport)
    assert WORDS["edit_sign_in"] in page.inner_text("#edit-who")  # not signed in yet
    _sign_in(page, editors[0])
    spot = _free_spots(engine)[0 if size == "desktop" else 1]
    _go_to(page, spot.lon, spot.lat)
    x, y = _map_centre(page)
    _draw(page, [(x - 70, y - 60), (x + 80, y - 50), (x + 60, y + 70), (x - 60, y + 60)])
    drawn = page.evaluate("Contamap.editGeometry()")
    code = f"EDIT-TEST-{size.upper()}"
    _fill_zone(page, code, "-3")  # the mistake: a negative count
    page.get_by_role("button", name=WORDS["edit_save"]).click()
    problem = page.locator("#edit-field-estimated_devices-problem")
    problem.wait_for(timeout=10_000)
    assert "greater than or equal to 0" in problem.inner_text()
    field = page.locator("#edit-field-estimated_devices")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "edit-field-estimated_devices-problem"
    # The sentence sits beside its own field, and only there.
    assert page.locator(".edit-problem").count() == 1
    assert page.locator(".edit-field", has=field).locator(".edit-problem").count() == 1
    assert _zone_row(engine, code) is None  # nothing was written
    assert serious_accessibility_violations(page, server) == []
    _screenshot(page, f"edit-form-error-{size}.png")

    field.fill("12")
    page.get_by_role("button", name=WORDS["edit_save"]).click()
    assert code in _saved(page)
    row = _zone_row(engine, code)
    assert row is not None and row.estimated_devices == 12
    created.append(row.id)

    # The district's contaminated km² grew by the zone's geodesic area, worked out by pyproj
    # on the polygon as drawn.
    area_m2, _ = GEOD.geometry_area_perimeter(shape(drawn))
    zone_km2 = abs(area_m2) / 1e6
    figures = poll(page, "Contamap.edit.figures", "no figures after the save")
    assert figures["district"] == spot.id
    grown = figures["after"]["contaminated_km2"] - figures["before"]["contaminated_km2"]
    assert grown == pytest.approx(zone_km2, rel=0.005)
    shown = re.search(r"\(\+(\d+\.\d{3}) km²\)", page.inner_text("#edit-figures"))
    assert shown is not None  # the change, as the page shows it
    assert float(shown.group(1)) == pytest.approx(zone_km2, rel=0.005, abs=0.001)

    # The zone is in the tiles at once.
    found = poll(
        page,
        f"Contamap.map.querySourceFeatures('contamap', {{sourceLayer: 'contaminated_zones'}})"
        f".some((f) => f.properties.code === '{code}')",
        "the new zone is not in the tiles",
    )
    assert found
    _screenshot(page, f"edit-mode-{size}.png")
    assert serious_accessibility_violations(page, server) == []

    # Its history, from its popup: created, by the editor.
    page.mouse.click(x, y)
    page.locator(".edit-popup").get_by_role("button", name=WORDS["edit_history"]).click()
    history = page.locator("#edit-history")
    history.locator(".edit-history-list li").first.wait_for(timeout=10_000)
    text_shown = history.inner_text()
    assert editors[0] in text_shown and WORDS["edit_action_create"] in text_shown
    _screenshot(page, f"edit-history-{size}.png")

    # Sign out: the session ends and the edit tools go.
    page.locator("#auth-sign-out").click()
    poll(page, "Contamap.session === null && Contamap.editReady === false", "still signed in")
    assert page.locator("#edit-tools").is_hidden()
    assert page.request.get(f"{server}/auth/me").status == 401
    assert _unexpected(errors) == []
    page.close()


def test_an_invalid_geometry_is_marked_where_it_breaks(
    server: str, browser: Any, engine: Engine, editors: tuple[str, str]
) -> None:
    page, errors = _open_edit_mode(browser, server, DESKTOP)
    _sign_in(page, editors[1])
    spot = _free_spots(engine)[2]
    _go_to(page, spot.lon, spot.lat)
    x, y = _map_centre(page)
    corners = [(x - 60, y - 60), (x + 60, y + 60), (x + 60, y - 60), (x - 60, y + 60)]  # a bow tie
    _draw(page, corners)
    drawn = page.evaluate("Contamap.editGeometry()")
    _fill_zone(page, "EDIT-TEST-BOWTIE", "1")
    page.get_by_role("button", name=WORDS["edit_save"]).click()
    marker = page.locator(".edit-problem-marker")
    marker.wait_for(timeout=10_000)
    assert "Self-intersection" in marker.get_attribute("aria-label")
    # Where the marker stands is where the bow tie's two sides cross (shapely, on the drawing).
    ring = drawn["coordinates"][0][0]
    edges = [LineString(ring[i : i + 2]) for i in range(len(ring) - 1)]
    crossing = next(
        point
        for i, one in enumerate(edges)
        for other in edges[i + 2 : len(edges) - (i == 0)]  # the edges that share no corner
        if (point := one.intersection(other)).geom_type == "Point"
    )
    at = page.evaluate(
        "(() => { const m = document.querySelector('.edit-problem-marker').getBoundingClientRect();"
        " return Contamap.map.unproject([m.x + m.width / 2, m.y + m.height / 2]).toArray(); })()"
    )
    _, _, metres = GEOD.inv(crossing.x, crossing.y, at[0], at[1])
    assert metres < 100
    assert _zone_row(engine, "EDIT-TEST-BOWTIE") is None
    _screenshot(page, "edit-invalid-geometry.png")
    assert _unexpected(errors) == []
    page.close()


def test_two_editors_saving_the_same_zone_see_the_conflict(
    server: str,
    browser: Any,
    engine: Engine,
    editors: tuple[str, str],
    api_key: str,
    created: list[int],
) -> None:
    spot = _free_spots(engine)[3]
    code = "EDIT-TEST-CONFLICT"
    created.append(_create_zone(server, api_key, code, _square(spot.lon, spot.lat, 0.01)))
    pages = []
    for name in editors:  # two browser contexts: two people
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{server}/map?edit=1", wait_until="load")
        wait_until_ready(page)
        poll(page, "document.getElementById('edit-who')?.textContent.length > 0", "no panel")
        _sign_in(page, name)
        _go_to(page, spot.lon, spot.lat, 12.5)
        _open_zone(page, spot.lon, spot.lat, code)
        pages.append(page)
    first, second = pages

    first.locator("#edit-field-risk_level").select_option("low")
    first.get_by_role("button", name=WORDS["edit_save"]).click()
    _saved(first)
    second.locator("#edit-field-estimated_devices").fill("7")
    second.get_by_role("button", name=WORDS["edit_save"]).click()
    conflict = second.locator("#edit-conflict")
    conflict.wait_for(timeout=10_000)
    assert WORDS["edit_conflict_title"] in conflict.inner_text()
    row = _zone_row(engine, "EDIT-TEST-CONFLICT")
    assert (row.risk_level, row.estimated_devices) == ("low", 4)  # the second one wrote nothing
    # Side by side: the fields that differ, each with both values.
    differs = {
        cells[0]: cells[1:]
        for cells in (
            [cell.strip() for cell in tr.locator("th, td").all_inner_texts()]
            for tr in conflict.locator("tr.differs").all()
        )
    }
    assert differs["risk_level"] == ["high", "low"]
    assert differs["estimated_devices"] == ["7", "4"]
    assert serious_accessibility_violations(second, server) == []
    _screenshot(second, "edit-conflict.png")

    second.get_by_role("button", name=WORDS["edit_reapply"]).click()
    assert second.locator("#edit-field-risk_level").input_value() == "low"  # theirs kept
    assert second.locator("#edit-field-estimated_devices").input_value() == "7"  # mine applied
    second.get_by_role("button", name=WORDS["edit_save"]).click()
    _saved(second)
    row = _zone_row(engine, code)
    assert (row.risk_level, row.estimated_devices) == ("low", 7)

    # The zone's history: who changed what, newest first.
    point = second.evaluate(f"Contamap.map.project([{spot.lon}, {spot.lat}])")
    second.mouse.click(point["x"], point["y"])
    second.locator(".edit-popup").get_by_role("button", name=WORDS["edit_history"]).click()
    items = second.locator("#edit-history .edit-history-list > li")
    poll(
        second,
        "document.querySelectorAll('#edit-history .edit-history-list > li').length === 3",
        "no history",
    )
    texts = items.all_inner_texts()
    assert editors[1] in texts[0] and "estimated_devices: 4 → 7" in texts[0]
    assert editors[0] in texts[1] and "risk_level: high → low" in texts[1]
    assert WORDS["edit_geometry_changed"] not in texts[0] + texts[1]  # no corner was moved
    assert "edit-test-setup" in texts[2] and WORDS["edit_action_create"] in texts[2]
    _screenshot(second, "edit-history-changes.png")
    for page in pages:
        page.context.close()


def test_a_zone_opened_half_under_the_edit_panel_comes_into_view(
    server: str,
    browser: Any,
    engine: Engine,
    editors: tuple[str, str],
    api_key: str,
    created: list[int],
) -> None:
    """On a tablet, a zone clicked where it shows left of the edit panel, its east half under
    the panel, is brought into the free part of the map, so each corner can be dragged."""
    spot = _free_spots(engine)[4]
    code = "EDIT-TEST-REVEAL"
    created.append(_create_zone(server, api_key, code, _square(spot.lon, spot.lat, 0.01)))
    page, _ = _open_edit_mode(browser, server, TABLET)
    _sign_in(page, editors[0])
    _go_to(page, spot.lon, spot.lat, 13)
    panel = page.locator("#drawers").bounding_box()
    # Move the map so that the zone's middle sits 10 px right of the panel's left edge.
    middle = page.evaluate(f"Contamap.map.project([{spot.lon}, {spot.lat}])")
    page.evaluate(
        "([dx]) => Contamap.map.panBy([dx, 0], {animate: false})",
        [middle["x"] - (panel["x"] + 10)],
    )
    west_inside = page.evaluate(f"Contamap.map.unproject([{panel['x'] - 15}, {middle['y']}])")
    assert spot.lon - 0.01 < west_inside["lng"] < spot.lon  # a visible part of the zone
    _open_zone(page, west_inside["lng"], spot.lat, code)
    poll(page, "!Contamap.map.isMoving()", "the map keeps moving")
    panel = page.locator("#drawers").bounding_box()
    east = page.evaluate(f"Contamap.map.project([{spot.lon + 0.01}, {spot.lat + 0.01}])")
    west = page.evaluate(f"Contamap.map.project([{spot.lon - 0.01}, {spot.lat - 0.01}])")
    assert east["x"] < panel["x"], (east, panel)  # every corner left of the panel
    assert west["x"] > 0 and east["y"] > 0 and west["y"] < TABLET["height"]
    assert abs(page.evaluate("Contamap.map.getZoom()") - 13) < 1e-6  # panned, not zoomed
    page.close()


def test_an_editor_splits_a_zone_by_a_line_and_deletes_a_piece(
    server: str,
    browser: Any,
    engine: Engine,
    editors: tuple[str, str],
    api_key: str,
    created: list[int],
) -> None:
    spot = _free_spots(engine)[4]
    code = "EDIT-TEST-SPLIT"
    ring = _square(spot.lon, spot.lat, 0.01)
    created.append(_create_zone(server, api_key, code, ring))
    page, errors = _open_edit_mode(browser, server, DESKTOP)
    _sign_in(page, editors[0])
    _go_to(page, spot.lon, spot.lat, 13)  # the square is some 230 px wide
    _open_zone(page, spot.lon, spot.lat, code)

    # Move a corner: drag the north-east one out; the zone grows by the triangle it adds.
    corner = page.evaluate(f"Contamap.map.project([{spot.lon + 0.01}, {spot.lat + 0.01}])")
    page.mouse.move(corner["x"], corner["y"], steps=4)
    page.mouse.down()
    page.mouse.move(corner["x"] + 40, corner["y"] - 40, steps=10)
    page.mouse.up()
    page.wait_for_timeout(300)
    page.get_by_role("button", name=WORDS["edit_save"]).click()
    assert code in _saved(page)
    moved = json.loads(_zone_row(engine, code).geometry)
    corners = moved["coordinates"][0][0][:-1]
    square = _square(spot.lon, spot.lat, 0.01)[:-1]
    kept = [c for c in corners if any(abs(c[0] - x) + abs(c[1] - y) < 1e-6 for x, y in square)]
    assert len(corners) == 4 and len(kept) == 3  # the others stay where they were (to 1e-7°)
    dragged = next(c for c in corners if c not in kept)
    assert dragged[0] > spot.lon + 0.01 and dragged[1] > spot.lat + 0.01  # out to the north-east
    ring = moved["coordinates"][0][0]
    _open_zone(page, spot.lon, spot.lat, code)

    centre = page.evaluate(f"Contamap.map.project([{spot.lon}, {spot.lat}])")
    page.get_by_role("button", name=WORDS["edit_split"]).click()
    for x in (centre["x"] - 200, centre["x"] + 200, centre["x"] + 200):  # the last click ends it
        page.mouse.move(x, centre["y"] + 10, steps=4)
        page.mouse.click(x, centre["y"] + 10)
        page.wait_for_timeout(200)
    poll(page, f"document.getElementById('edit-field-code').value === '{code}-2'", "not split")
    page.get_by_role("button", name=WORDS["edit_save"]).click()
    assert f"{code}-2" in _saved(page)
    kept, piece = _zone_row(engine, code), _zone_row(engine, f"{code}-2")
    created.append(piece.id)
    # The two pieces cover the zone exactly, each a part of it (pyproj's areas).
    whole = abs(GEOD.geometry_area_perimeter(shape({"type": "Polygon", "coordinates": [ring]}))[0])
    areas = [
        abs(GEOD.geometry_area_perimeter(shape(json.loads(row.geometry)))[0])
        for row in (kept, piece)
    ]
    assert sum(areas) == pytest.approx(whole, rel=1e-4)
    assert all(0.2 * whole < area < 0.8 * whole for area in areas)

    # Delete the new piece: asked once more, then gone from the API (kept in its history).
    _open_zone(page, piece.inside_lon, piece.inside_lat, f"{code}-2")
    page.get_by_role("button", name=WORDS["edit_delete"], exact=True).click()
    page.get_by_role("button", name=WORDS["edit_delete_yes"]).click()
    _saved(page)
    assert httpx.get(f"{server}/collections/contaminated_zones/items/{piece.id}").status_code == 404
    assert _unexpected(errors) == []
    page.close()
