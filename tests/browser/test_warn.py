"""Warnings for people on the move, on a phone (390 x 844): with the warnings on, a (simulated)
position inside a mapped hazardous area shows the warning at once, one within 500 m of one
names its direction and distance, and the words say the map is no guarantee of safety; the
position goes to this service's /stats/near only; axe finds nothing serious; the same in
Azerbaijani with no English left. Screenshots: artifacts/warn-{inside,near,az}.png."""

from typing import Any

import httpx
from pyproj import Geod
from sqlalchemy import Engine, text

from tests.browser.conftest import (
    ARTIFACTS,
    MESSAGES,
    PHONE,
    open_map,
    poll,
    serious_accessibility_violations,
)
from tests.browser.test_i18n import VISIBLE_WORDS, untranslated

GEOD = Geod(ellps="WGS84")
WARN_DISTANCE_M = 500  # the map's Contamap.WARN_DISTANCE_M
COMPASS = ["n", "ne", "e", "se", "s", "sw", "w", "nw"]


def _places(
    engine: Engine, server: str
) -> tuple[tuple[float, float], tuple[float, float], dict[str, Any]]:
    """A point inside a zone, and a point 300 m due north of the zone's northernmost vertex
    whose nearest zone is that one (so the way to it is south, give or take its shape)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT z.id, ST_X(ST_PointOnSurface(z.geom)) AS ix, ST_Y(ST_PointOnSurface(z.geom)) AS iy, "
                "ST_X(top.geom) AS tx, ST_Y(top.geom) AS ty "
                "FROM contaminated_zones AS z, LATERAL (SELECT (dp).geom FROM ST_DumpPoints(z.geom) AS dp "
                "  ORDER BY ST_Y((dp).geom) DESC LIMIT 1) AS top "
                "WHERE z.released_on IS NULL AND z.recorded_on <= now() "
                "ORDER BY ST_Area(z.geom::geography) DESC, z.id LIMIT 20"
            )
        ).all()
    for row in rows:
        lon, lat, _ = GEOD.fwd(row.tx, row.ty, 0, 300)
        answer = httpx.get(f"{server}/stats/near", params={"lon": lon, "lat": lat}).json()
        zone = answer["nearest_zone"]
        if zone and zone["id"] == row.id and 0.2 < zone["distance_km"] <= 0.31:
            return (row.ix, row.iy), (lon, lat), answer
    raise AssertionError("no zone with a clear approach from the north")


def _warning(page: Any, level: str) -> dict[str, Any]:
    poll(page, f"Contamap.warning && Contamap.warning.level === {level!r}", f"no {level} warning")
    return {
        "title": page.inner_text("#warn-title"),
        "detail": page.inner_text("#warn-detail"),
        "guarantee": page.inner_text("#warn-guarantee"),
    }


def _run(browser: Any, server: str, engine: Engine, lang: str, names: set[str]) -> None:
    words = MESSAGES[lang]
    inside, near, answer = _places(engine, server)
    page, errors = open_map(
        browser,
        server,
        PHONE,
        locale="az-AZ" if lang == "az" else "en-GB",
        geolocation={"longitude": inside[0], "latitude": inside[1]},
        permissions=["geolocation"],
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.evaluate(
        "([lon, lat]) => Contamap.map.jumpTo({center: [lon, lat], zoom: 14})", list(inside)
    )
    assert page.locator("#warn").is_hidden()  # nothing before the person asks
    assert not [url for url in requested if "/stats/near" in url]
    toggle = page.get_by_role("button", name=words["warn_on"])
    toggle.click()
    shown = _warning(page, "inside")
    assert shown["title"] == words["warn_inside_title"]
    assert page.evaluate("Contamap.warning.zone.code") in shown["detail"]
    assert shown["guarantee"] == words["not_a_guarantee"]
    assert page.locator("#warn").is_visible()
    assert serious_accessibility_violations(page, server) == []
    if lang == "az":
        assert untranslated(page.evaluate(VISIBLE_WORDS), names) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / ("warn-az.png" if lang == "az" else "warn-inside.png")))

    # The person walks out to 300 m north of the zone: the warning follows, with the way to it.
    page.context.set_geolocation({"longitude": near[0], "latitude": near[1]})
    shown = _warning(page, "near")
    zone = answer["nearest_zone"]
    assert shown["title"] == words["warn_near_title"]
    bearing = zone["bearing_deg"]
    assert 135 <= bearing <= 225  # south, give or take the zone's shape
    direction = words[f"dir_{COMPASS[round(bearing / 45) % 8]}"]
    metres = round(zone["distance_km"] * 100) * 10
    assert (
        direction in shown["detail"]
        and words["metres"].replace("{n}", str(metres)) in shown["detail"]
    )
    assert zone["code"] in shown["detail"]
    assert shown["guarantee"] == words["not_a_guarantee"]
    assert zone["distance_km"] * 1000 <= WARN_DISTANCE_M
    assert serious_accessibility_violations(page, server) == []
    if lang == "az":
        assert untranslated(page.evaluate(VISIBLE_WORDS), names) == []
    else:
        page.screenshot(path=str(ARTIFACTS / "warn-near.png"))
    # Only this service was asked, and only /stats/near was told the position.
    assert [url for url in requested if not url.startswith(server)] == []
    assert [url for url in requested if "/stats/near?" in url]
    assert [url for url in requested if "lat=" in url and "/stats/near?" not in url] == []

    # Off: the watch is cleared and the warning goes.
    page.get_by_role("button", name=words["warn_off"]).click()
    assert page.locator("#warn").is_hidden()
    assert page.evaluate("Contamap.warning") is None
    assert errors == []
    page.close()


def test_the_warning_in_english(
    server: str, browser: Any, engine: Engine, proper_names: set[str]
) -> None:
    _run(browser, server, engine, "en", proper_names)


def test_the_warning_in_azerbaijani(
    server: str, browser: Any, engine: Engine, proper_names: set[str]
) -> None:
    _run(browser, server, engine, "az", proper_names)
