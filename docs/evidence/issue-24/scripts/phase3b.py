from common import *
import httpx
from playwright.sync_api import sync_playwright
lon, lat, code, fid = 46.725, 39.225, "SCH-0864", 864
KEY = open("/tmp/e24.key").read().strip()
with sync_playwright() as p:
    browser = launch(p)
    page, errors = open_edit(browser, DESKTOP)
    sign_in(page, "leyla.mammadova")
    go_to(page, lon, lat, 12.6)
    open_zone(page, lon, lat, code)
    # meanwhile, at the office, a program with an API key changes the zone
    r = httpx.get(f"{SERVER}/collections/contaminated_zones/items/{fid}")
    office = httpx.patch(f"{SERVER}/collections/contaminated_zones/items/{fid}",
        json={"properties": {"status": "in_progress", "estimated_devices": 40}},
        headers={"Authorization": f"Bearer {KEY}", "If-Match": r.headers["etag"], "Content-Type": "application/merge-patch+json"})
    print("office PATCH:", office.status_code, office.headers.get("etag"))
    page.locator("#edit-field-estimated_devices").fill("55")
    page.locator("#edit-field-name").fill("Gubadly, checked by team 2")
    page.get_by_role("button", name=WORDS["edit_save"]).click()
    conflict = page.locator("#edit-conflict")
    conflict.wait_for(timeout=10000)
    print("status:", page.inner_text("#edit-status"))
    page.evaluate("document.getElementById('edit-status').scrollIntoView({block: 'start'})")
    print("differs:", [tr.inner_text().replace('\t', ' | ') for tr in conflict.locator("tr.differs").all()])
    shot(page, "04b-conflict-api-desktop.png")
    with engine.connect() as conn:
        print("db:", conn.execute(text("select name, status, estimated_devices from contaminated_zones where id=:i"), {"i": fid}).one())
    page.get_by_role("button", name=WORDS["edit_reload"]).click()
    page.wait_for_timeout(800)
    print("after reload: ", page.locator("#edit-field-status").input_value(), page.locator("#edit-field-estimated_devices").input_value(), page.locator("#edit-field-name").input_value())
    print("errors:", errors)
    browser.close()
