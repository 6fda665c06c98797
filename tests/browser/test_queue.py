"""The editors' queue on the phone (390 x 844): an editor signs in, sees a report sent through
POST /reports (with its photo and a marker near the mapped zones), verifies it as an SHA with a
radius, and it leaves the pending list; axe finds no serious or critical violation.
Screenshot: artifacts/queue.png."""

import io
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from pyproj import Geod
from shapely.geometry import shape
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.services.accounts import create_user
from tests.browser.conftest import (
    ARTIFACTS,
    MESSAGES,
    PHONE,
    open_map,
    poll,
    serious_accessibility_violations,
)

EDITOR = "queue.editor"
PASSWORD = "a long queue password"
RADIUS_M = 250
GEOD = Geod(ellps="WGS84")


@pytest.fixture
def editor(engine: Engine) -> Iterator[str]:
    """An editor, committed for the server to read, removed afterwards."""
    with Session(engine) as session, session.begin():
        create_user(session, EDITOR, "editor", None, PASSWORD)
    yield EDITOR
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM users WHERE name = :name"), {"name": EDITOR})


def _photo() -> bytes:
    image = Image.new("RGB", (320, 240), (150, 110, 60))
    for x in range(120, 200):
        for y in range(100, 140):
            image.putpixel((x, y), (40, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def _near_a_zone(engine: Engine) -> tuple[float, float]:
    """A point about 400 m east of a point inside the first bundled zone."""
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
                "FROM contaminated_zones ORDER BY id LIMIT 1) AS z"
            )
        ).one()
    east_lon, east_lat, _ = GEOD.fwd(lon, lat, 90, 400)
    return east_lon, east_lat


def _send(server: str, engine: Engine, description: str) -> int:
    """A report sent through POST /reports near a mapped zone; its id."""
    lon, lat = _near_a_zone(engine)
    sent = httpx.post(
        f"{server}/reports",
        data={"lon": str(lon), "lat": str(lat), "category": "mine", "description": description},
        files={"photo": ("p.jpg", _photo(), "image/jpeg")},
    )
    assert sent.status_code == 201, sent.text
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text("SELECT id FROM reports WHERE receipt = :r"), {"r": sent.json()["receipt"]}
            )
        )


def _queue(browser: Any, server: str, editor: str, report_id: int) -> tuple[Any, list[str]]:
    """The phone map, the editor signed in, the queue open with the report in it."""
    page, errors = open_map(browser, server, PHONE)
    assert not page.locator("#queue-open").is_visible()  # no one signed in
    page.locator("#panel-toggle").click()
    page.locator("#auth-open").click()
    page.fill("#auth-username", editor)
    page.fill("#auth-password", PASSWORD)
    page.locator("#auth-form button[type=submit]").click()
    poll(page, "Contamap.session !== null", "never signed in")
    page.get_by_role("button", name=MESSAGES["en"]["queue_open"]).click()
    poll(page, f"(Contamap.queueReports || []).includes({report_id})", "the report is not queued")
    return page, errors


def test_an_editor_verifies_a_report_as_an_sha_from_the_queue(
    server: str, browser: Any, engine: Engine, editor: str
) -> None:
    report_id = _send(server, engine, "a queue test")
    words = MESSAGES["en"]
    page, errors = _queue(browser, server, editor, report_id)
    item = page.locator(f"#queue-item-{report_id}")
    shown = item.inner_text()
    assert words["report_category_mine"] in shown and "a queue test" in shown
    assert item.locator("img.queue-photo").evaluate("(img) => img.decode().then(() => true)")
    assert item.locator("img.queue-photo").evaluate("(img) => img.naturalWidth") == 320
    newest = page.locator("#queue-list > li").first.get_attribute("id")
    assert newest == f"queue-item-{report_id}"  # newest first
    assert page.locator(".queue-marker").count() >= 1
    item.get_by_role("button", name=words["queue_show"]).click()
    poll(page, "Contamap.map.getZoom() >= 13.9 && !Contamap.map.isMoving()", "never flew there")
    page.wait_for_timeout(800)  # the tiles around the report
    zones = page.evaluate("Contamap.map.queryRenderedFeatures({layers: ['zones-fill']}).length")
    assert zones > 0  # the mapped zones around the report are drawn
    assert serious_accessibility_violations(page, server) == []
    assert page.locator("#queue-panel").is_visible()
    item.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "queue.png"))
    item.get_by_label(words["queue_radius"]).fill(str(RADIUS_M))
    item.get_by_role("button", name=words["queue_verify_sha"]).click()
    poll(
        page,
        f"Contamap.queueReports && !Contamap.queueReports.includes({report_id})",
        "the verified report is still pending",
    )
    expected = words["queue_done_verify"].replace("{ref}", f"R-{report_id:05d}")
    assert page.locator("#queue-status").inner_text() == expected
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, verified_as, feature_id FROM reports WHERE id = :i"),
            {"i": report_id},
        ).one()
        actor = conn.scalar(
            text("SELECT actor FROM report_events WHERE report_id = :i AND action = 'verified'"),
            {"i": report_id},
        )
    assert (row.status, row.verified_as, actor) == ("verified", "sha", EDITOR)
    zone = httpx.get(f"{server}/collections/contaminated_zones/items/{row.feature_id}").json()
    area = abs(GEOD.geometry_area_perimeter(shape(zone["geometry"]))[0])
    assert area == pytest.approx(math.pi * RADIUS_M**2, rel=0.01)
    # The new zone goes again, through the API, so the other tests see the bundled figures.
    token = page.evaluate("Contamap.session.csrf_token")
    gone = page.request.delete(
        f"{server}/collections/contaminated_zones/items/{row.feature_id}",
        headers={"X-CSRF-Token": token},
    )
    assert gone.status in (200, 204), gone.text()
    assert errors == []
    page.close()


def test_an_editor_merges_a_report_into_the_nearest_zone(
    server: str, browser: Any, engine: Engine, editor: str
) -> None:
    report_id = _send(server, engine, "a merge test")
    words = MESSAGES["en"]
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM reports WHERE id = :i"), {"i": report_id}
        ).one()
    nearest = httpx.get(f"{server}/stats/near", params={"lon": lon, "lat": lat}).json()
    zone = nearest["nearest_zone"]
    page, errors = _queue(browser, server, editor, report_id)
    item = page.locator(f"#queue-item-{report_id}")
    item.get_by_role("button", name=words["queue_merge_nearest"]).click()
    confirm = item.get_by_role(
        "button", name=words["queue_merge_confirm"].replace("{code}", zone["code"])
    )
    confirm.click()
    poll(
        page,
        f"Contamap.queueReports && !Contamap.queueReports.includes({report_id})",
        "the merged report is still pending",
    )
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT status, merged_into, feature_id FROM reports WHERE id = :i"),
            {"i": report_id},
        ).one()
    assert tuple(row) == ("merged", "contaminated_zones", zone["id"])
    receipt_status = page.locator("#queue-status").inner_text()
    assert receipt_status == words["queue_done_merge"].replace("{ref}", f"R-{report_id:05d}")
    assert errors == []
    page.close()
