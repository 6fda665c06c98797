from common import *
from playwright.sync_api import sync_playwright
lon, lat, code = 46.7529, 39.1971, "SCH-0885"
with sync_playwright() as p:
    browser = launch(p)
    pages = []
    for name in ("leyla.mammadova", "rashad.aliyev"):
        ctx = browser.new_context(viewport=DESKTOP)
        page, errors = open_edit(browser, context=ctx)
        sign_in(page, name)
        go_to(page, lon, lat, 14)
        open_zone(page, lon, lat, code)
        pages.append((page, errors))
    (leyla, lerr), (rashad, rerr) = pages
    before = leyla.evaluate("Contamap.editGeometry()")
    # Rashad saves first: risk level low -> medium
    rashad.locator("#edit-field-risk_level").select_option("medium")
    rashad.get_by_role("button", name=WORDS["edit_save"]).click()
    poll(rashad, "document.getElementById('edit-status').classList.contains('ok')", "never saved")
    print("rashad:", rashad.inner_text("#edit-status"))
    # Leyla, still on the old version: estimated devices 13 -> 20 and a corner moved
    leyla.locator("#edit-field-estimated_devices").fill("20")
    g = before["coordinates"][0][0][1] if before["type"] == "MultiPolygon" else before["coordinates"][0][1]
    pt = leyla.evaluate(f"Contamap.map.project([{g[0]}, {g[1]}])")
    leyla.mouse.move(pt["x"], pt["y"], steps=4); leyla.mouse.down()
    leyla.mouse.move(pt["x"] + 40, pt["y"] + 25, steps=10); leyla.mouse.up()
    leyla.wait_for_timeout(400)
    after = leyla.evaluate("Contamap.editGeometry()")
    print("geometry moved:", before != after)
    leyla.get_by_role("button", name=WORDS["edit_save"]).click()
    conflict = leyla.locator("#edit-conflict")
    conflict.wait_for(timeout=10000)
    print("conflict text:\n", conflict.inner_text())
    print("status:", leyla.inner_text("#edit-status"))
    with engine.connect() as conn:
        print("db:", conn.execute(text("select risk_level, estimated_devices, ST_NPoints(geom) from contaminated_zones where code=:c"), {"c": code}).one())
    print("axe:", serious_accessibility_violations(leyla, SERVER))
    shot(leyla, "04-conflict-desktop.png")
    conflict.scroll_into_view_if_needed()
    # reapply and save
    leyla.get_by_role("button", name=WORDS["edit_reapply"]).click()
    leyla.wait_for_timeout(500)
    print("after reapply:", leyla.inner_text("#edit-status"), leyla.locator("#edit-field-risk_level").input_value(), leyla.locator("#edit-field-estimated_devices").input_value())
    leyla.get_by_role("button", name=WORDS["edit_save"]).click()
    poll(leyla, "document.getElementById('edit-status').classList.contains('ok')", "never saved")
    print("leyla:", leyla.inner_text("#edit-status"))
    with engine.connect() as conn:
        print("db:", conn.execute(text("select risk_level, estimated_devices, ST_NPoints(geom) from contaminated_zones where code=:c"), {"c": code}).one())
    # a third edit by rashad: the name
    rashad.wait_for_timeout(500)
    go_to(rashad, lon, lat, 14)
    open_zone(rashad, lon, lat, code)
    rashad.locator("#edit-field-name").fill("Checked on site by team 4")
    rashad.get_by_role("button", name=WORDS["edit_save"]).click()
    poll(rashad, "document.getElementById('edit-status').classList.contains('ok')", "never saved")
    print("rashad 2:", rashad.inner_text("#edit-status"))
    # history from the popup in leyla's page
    go_to(leyla, lon, lat, 14)
    leyla.wait_for_timeout(800)
    pt = leyla.evaluate(f"Contamap.map.project([{lon}, {lat}])")
    leyla.mouse.click(pt["x"], pt["y"])
    leyla.locator(".edit-popup").get_by_role("button", name=WORDS["edit_history"]).click()
    leyla.locator("#edit-history .edit-history-list li").first.wait_for(timeout=10000)
    leyla.wait_for_timeout(500)
    print("history:\n", leyla.inner_text("#edit-history"))
    print("axe:", serious_accessibility_violations(leyla, SERVER))
    shot(leyla, "06-history-desktop.png")
    print("errors leyla:", lerr); print("errors rashad:", rerr)
    browser.close()
