from common import *
from playwright.sync_api import sync_playwright
import sys
size = sys.argv[1]
vp = DESKTOP if size == "desktop" else TABLET
with sync_playwright() as p:
    browser = launch(p)
    page, errors = open_edit(browser, vp)
    sign_in(page, "leyla.mammadova")
    lon, lat, code = 46.7347, 39.4056, "SCH-0766"
    go_to(page, lon, lat, 12.6)
    open_zone(page, lon, lat, code)
    print("status:", page.inner_text("#edit-status"))
    # drag one vertex of the zone outwards to show it being reshaped (not saved)
    ring = page.evaluate("Contamap.editGeometry()")
    c = ring["coordinates"][0][0][0] if ring["type"] == "MultiPolygon" else ring["coordinates"][0][0]
    pt = page.evaluate(f"Contamap.map.project([{c[0]}, {c[1]}])")
    page.mouse.move(pt["x"], pt["y"], steps=4); page.mouse.down()
    page.mouse.move(pt["x"] - 35, pt["y"] + 30, steps=10); page.mouse.up()
    page.wait_for_timeout(400)
    page.locator("#edit-field-risk_level").select_option("high")
    page.locator("#edit-panel, #edit-form").first.evaluate("e => e.scrollTop = 0")
    shot(page, f"01-edit-mode-zone-selected-{size}.png")
    print("axe:", serious_accessibility_violations(page, SERVER))
    if size == "tablet":
        # a required field left empty
        page.locator("#edit-field-source").fill("")
        page.get_by_role("button", name=WORDS["edit_save"]).click()
        page.wait_for_timeout(1500)
        print("status after empty source:", page.inner_text("#edit-status"))
        print("problems:", page.locator(".edit-problem").all_inner_texts())
        print("validation message:", page.locator("#edit-field-source").evaluate("e => e.validationMessage"))
        page.locator("#edit-field-source").evaluate("e => e.blur()")
        page.locator("#edit-field-source").scroll_into_view_if_needed()
        shot(page, "05-form-error-required-tablet.png")
    page.get_by_role("button", name=WORDS["edit_cancel"]).click()
    page.wait_for_timeout(500)
    with engine.connect() as conn:
        print("db after cancel:", conn.execute(text("select risk_level, source, ST_NPoints(geom) from contaminated_zones where code=:c"), {"c": code}).one())
    print("errors:", errors)
    browser.close()
