"""Phone screenshots for issue 25: report form, receipt, AZ form, queue, warnings."""
import io, json, sys, time
from pathlib import Path
from PIL import Image
from playwright.sync_api import sync_playwright

BASE = "http://127.0.0.1:8125"
OUT = Path("/work/main/docs/evidence/issue-25")
MSG = json.loads(Path("/work/main/app/static/i18n/messages.json").read_text())
PHONE = {"width": 390, "height": 844}
ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
PHOTO = Path("/tmp/e25-gps.jpg").read_bytes()
PHONE_NO = "+994 50 777 12 34"
NAME = "Rashad Aliyev"
results = {}

def poll(page, expr, what, tries=300):
    for _ in range(tries):
        v = page.evaluate(expr)
        if v: return v
        page.wait_for_timeout(200)
    raise AssertionError(what)

def open_map(browser, **ctx):
    context = browser.new_context(viewport=PHONE, **ctx)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{BASE}/map", wait_until="load")
    poll(page, "window.Contamap !== undefined && window.Contamap.ready === true", "never ready")
    return page, errors

def axe(page):
    if not page.evaluate("window.axe !== undefined"):
        page.add_script_tag(url=f"{BASE}/static/vendor/axe.min.js")
    r = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']} {v['id']}" for v in r["violations"] if v["impact"] in ("serious", "critical")]

def shot(page, name):
    page.screenshot(path=str(OUT / name), type="png")
    print("shot", name, (OUT / name).stat().st_size)

def settle(page):
    page.wait_for_timeout(300)
    poll(page, "!Contamap.map.isMoving() && Contamap.map.areTilesLoaded()", "never settled", 150)
    page.wait_for_timeout(500)

def report_flow(browser, lang):
    w = MSG[lang]
    page, errors = open_map(browser, locale="en-GB")
    if lang == "az":
        page.locator("#lang-switch button[lang=az]").click()
        poll(page, "Contamap.lang === 'az'", "switch failed")
        results["lang_switch_stored"] = page.evaluate("localStorage.getItem(Contamap.LANG_STORAGE)")
    page.evaluate("Contamap.map.jumpTo({center: [46.80, 39.14], zoom: 10.3})")
    settle(page)
    page.get_by_role("button", name=w["report_open"]).click()
    panel = page.locator("#report-panel"); panel.wait_for(state="visible")
    if lang == "en":
        shot(page, "report-form-top.png")  # the safety advice at the top
    page.get_by_role("button", name=w["report_pick"]).click()
    page.mouse.click(195, 200)
    poll(page, "document.getElementById('report-point').textContent.includes('°')", "no point")
    page.get_by_label(w["report_category_uxo"]).check()
    page.locator("#report-description").fill(f"rusty shell by the track, seen by {NAME}" if lang == "en" else f"yolun kənarında paslı mərmi, {NAME}")
    page.locator("#report-phone").fill(PHONE_NO)
    page.set_input_files("#report-photo", files=[{"name": "shell.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}])
    results[f"axe_form_{lang}"] = axe(page)
    page.locator("#report-categories").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('report-categories').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    shot(page, f"report-form-middle{'-az' if lang == 'az' else ''}.png")
    page.locator("#report-send").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot(page, f"report-form{'-az' if lang == 'az' else ''}.png")
    page.get_by_role("button", name=w["report_send"]).click()
    page.locator("#report-done").wait_for(state="visible", timeout=10_000)
    receipt = page.inner_text("#report-receipt").strip()
    results[f"receipt_{lang}"] = receipt
    page.locator("#report-done").scroll_into_view_if_needed()
    page.get_by_role("button", name=w["report_lookup_button"]).click()
    poll(page, "document.getElementById('report-lookup-status').dataset.status", "no status")
    results[f"lookup_{lang}"] = page.inner_text("#report-lookup-status")
    page.locator("#report-done").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    results[f"axe_receipt_{lang}"] = axe(page)
    shot(page, f"report-receipt{'-az' if lang == 'az' else ''}.png")
    # English leftovers in the panel (AZ only)
    if lang == "az":
        shown = panel.inner_text()
        results["az_leftover_keys"] = [k for k, v in MSG["en"].items() if k.startswith("report_") and v != MSG["az"].get(k) and v in shown]
    results[f"errors_report_{lang}"] = errors
    page.context.close()

def queue_flow(browser):
    w = MSG["en"]
    page, errors = open_map(browser)
    page.locator("#panel-toggle").click()
    page.locator("#auth-open").click()
    page.fill("#auth-username", "e25.editor")
    page.fill("#auth-password", "a long evidence password")
    page.locator("#auth-form button[type=submit]").click()
    poll(page, "Contamap.session !== null", "never signed in")
    page.get_by_role("button", name=w["queue_open"]).click()
    poll(page, "(Contamap.queueReports || []).length > 0", "queue empty")
    results["queue_reports"] = page.evaluate("Contamap.queueReports")
    first = page.locator("#queue-list > li").first
    page.wait_for_timeout(1500)
    results["queue_count_text"] = page.inner_text("#queue-count")
    shot(page, "queue-list.png")
    results["queue_first_id"] = first.get_attribute("id")
    first.get_by_role("button", name=w["queue_show"]).click()
    poll(page, "Contamap.map.getZoom() >= 13.9 && !Contamap.map.isMoving()", "never flew there")
    page.wait_for_timeout(1200)
    results["queue_zones_drawn"] = page.evaluate("Contamap.map.queryRenderedFeatures({layers: ['zones-fill']}).length")
    results["queue_markers"] = page.locator(".queue-marker").count()
    results["queue_photo_width"] = first.locator("img.queue-photo").evaluate("(img) => img.decode().then(() => img.naturalWidth)")
    results["axe_queue"] = axe(page)
    first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot(page, "queue.png")
    results["errors_queue"] = errors
    page.context.close()

def warn_flow(browser, inside, near, lang):
    w = MSG[lang]
    page, errors = open_map(browser, locale="az-AZ" if lang == "az" else "en-GB",
                            geolocation={"longitude": inside[0], "latitude": inside[1]}, permissions=["geolocation"])
    page.evaluate("([lon, lat]) => Contamap.map.jumpTo({center: [lon, lat], zoom: 12})", list(inside))
    settle(page)
    page.get_by_role("button", name=w["warn_on"]).click()
    poll(page, "Contamap.warning && Contamap.warning.level === 'inside'", "no inside warning")
    page.wait_for_timeout(800)
    results[f"warn_inside_{lang}"] = [page.inner_text(s) for s in ("#warn-title", "#warn-detail", "#warn-guarantee")]
    results[f"axe_warn_{lang}"] = axe(page)
    shot(page, f"warn-inside{'-az' if lang == 'az' else ''}.png")
    if lang == "en":
        page.context.set_geolocation({"longitude": near[0], "latitude": near[1]})
        poll(page, "Contamap.warning && Contamap.warning.level === 'near'", "no near warning")
        page.evaluate("([lon, lat]) => Contamap.map.jumpTo({center: [lon, lat - 0.006], zoom: 13.5})", list(near))
        settle(page)
        results["warn_near_en"] = [page.inner_text(s) for s in ("#warn-title", "#warn-detail", "#warn-guarantee")]
        shot(page, "warn-near.png")
    results[f"errors_warn_{lang}"] = errors
    page.context.close()

if __name__ == "__main__":
    which = sys.argv[1:]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        if "report" in which:
            report_flow(b, "en")
        if "reportaz" in which:
            report_flow(b, "az")
        if "queue" in which:
            queue_flow(b)
        if "warn" in which:
            pts = json.loads(Path("/tmp/e25/points.json").read_text())
            warn_flow(b, pts["inside"], pts["near"], "en")
            if "az" in which: warn_flow(b, pts["inside"], pts["near"], "az")
        b.close()
    print(json.dumps(results, indent=1, ensure_ascii=False))
    prev = Path("/tmp/e25/shots.json"); old = json.loads(prev.read_text()) if prev.exists() else {}
    old.update(results); prev.write_text(json.dumps(old, indent=1, ensure_ascii=False))
