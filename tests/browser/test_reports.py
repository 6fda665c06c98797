"""Reporting on the phone (390 x 844): place a point, say what was seen, add a photo, read the
safety advice, send, get a receipt and look it up; the same form in Azerbaijani.
Screenshots: artifacts/report-{form,receipt,az}.png."""

import io
import re
from typing import Any

from PIL import Image
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

RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
SAFETY = (
    "report_safety_closer",
    "report_safety_touch",
    "report_safety_photo",
    "report_safety_leave",
)


def _photo() -> bytes:
    image = Image.new("RGB", (320, 240), (90, 120, 60))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 45.0, 0.0), 3: "E", 4: (46.0, 45.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_resident_reports_a_point_with_a_photo_and_looks_it_up(
    server: str, browser: Any, engine: Engine
) -> None:
    page, errors = open_map(browser, server, PHONE)
    words = MESSAGES["en"]
    page.get_by_role("button", name=words["report_open"]).click()
    panel = page.locator("#report-panel")
    panel.wait_for(state="visible")
    shown = panel.inner_text()
    for key in SAFETY:
        assert shown.count(words[key]) == 2  # at the top, and again above the send button
    page.get_by_role("button", name=words["report_pick"]).click()
    page.mouse.click(195, 250)  # on the map, above the sheet
    point = page.evaluate("Contamap.map.unproject([195, 250]).toArray()")
    poll(page, "document.getElementById('report-point').textContent.includes('°')", "no point")
    page.get_by_label(words["report_category_uxo"]).check()
    page.locator("#report-description").fill("a rusty shell in the field by the track")
    page.locator("#report-phone").fill("+994 50 123 45 67")
    assert page.inner_text("#report-photo-name") == words["report_photo_none"]
    page.set_input_files(
        "#report-photo", files=[{"name": "shell.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    assert page.inner_text("#report-photo-name") == "shell.jpg"  # beside the page's own button
    assert serious_accessibility_violations(page, server) == []
    _screenshot(page, "report-form.png")
    page.get_by_role("button", name=words["report_send"]).click()
    page.locator("#report-done").wait_for(state="visible", timeout=10_000)
    receipt = page.inner_text("#report-receipt").strip()
    assert RECEIPT.fullmatch(receipt)
    _screenshot(page, "report-receipt.png")

    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_X(geom), ST_Y(geom), category, phone, photo FROM reports "
                "WHERE receipt = :receipt"
            ),
            {"receipt": receipt},
        ).one()
    assert Geod(ellps="WGS84").inv(point[0], point[1], row[0], row[1])[2] < 1
    assert row[2] == "uxo" and row[3] == "+994 50 123 45 67"
    stored = Image.open(io.BytesIO(row[4]))
    assert stored.size == (320, 240) and len(stored.getexif()) == 0

    page.get_by_role("button", name=words["report_lookup_button"]).click()
    poll(page, "document.getElementById('report-lookup-status').dataset.status", "no status")
    assert page.inner_text("#report-lookup-status") == words["report_status_received"]
    page.locator("#report-code").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name=words["report_lookup_button"]).click()
    poll(
        page,
        f"document.getElementById('report-lookup-status').textContent === "
        f"{words['report_lookup_none']!r}",
        "an unknown code was not said",
    )
    assert [e for e in errors if "/reports/status/" not in e] == []  # the 404 of the lookup
    page.close()


def test_the_form_in_azerbaijani_with_the_location_on_request(server: str, browser: Any) -> None:
    lon, lat = 46.7512, 39.8123
    page, errors = open_map(
        browser,
        server,
        PHONE,
        locale="az-AZ",
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    )
    words, english = MESSAGES["az"], MESSAGES["en"]
    page.get_by_role("button", name=words["report_open"]).click()
    panel = page.locator("#report-panel")
    panel.wait_for(state="visible")
    page.get_by_role("button", name=words["report_here"]).click()
    poll(page, "document.getElementById('report-point').textContent.includes('°')", "no point")
    assert f"{lat:.5f}" in page.inner_text("#report-point")
    for element in panel.locator("[data-i18n]").all():
        key = element.get_attribute("data-i18n")
        if element.is_visible() and key != "report_no_point":
            assert element.inner_text().strip() == words[key], key
    shown = panel.inner_text()
    leftover = [
        key
        for key, value in english.items()
        if key.startswith("report_") and value != words[key] and value in shown
    ]
    assert leftover == []
    assert serious_accessibility_violations(page, server) == []
    _screenshot(page, "report-az.png")
    assert errors == []
    page.close()
