import json, os, sys, time
from pathlib import Path
from sqlalchemy import create_engine, text
sys.path.insert(0, "/work/main")
from tests.browser.conftest import CHROMIUM_ARGS, poll, wait_until_ready, console_errors, MESSAGES, serious_accessibility_violations
WORDS = MESSAGES["en"]
SERVER = "http://127.0.0.1:8124"  # your server
DB = os.environ["DATABASE_URL"]  # your evidence database
OUT = Path("/work/main/docs/evidence/issue-24")
PW = {"leyla.mammadova": "evidence password for leyla 24", "rashad.aliyev": "evidence password for rashad 24"}
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 1024, "height": 768}
engine = create_engine(DB)

def free_spots():
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT d.id, d.name, ST_X(p) AS lon, ST_Y(p) AS lat FROM "
            "(SELECT id, name, geom, ST_PointOnSurface(geom) AS p FROM districts) d "
            "WHERE ST_Contains(d.geom, ST_Expand(d.p, 0.05)) AND NOT EXISTS "
            "(SELECT 1 FROM contaminated_zones z WHERE ST_DWithin(z.geom, d.p, 0.1)) "
            "AND NOT EXISTS (SELECT 1 FROM tasks t WHERE ST_DWithin(t.geom, d.p, 0.1)) ORDER BY d.id")).all())

def open_edit(browser, viewport=DESKTOP, context=None):
    ctx = context or browser.new_context(viewport=viewport)
    page = ctx.new_page()
    errors = console_errors(page)
    page.goto(f"{SERVER}/map?edit=1", wait_until="load")
    wait_until_ready(page)
    poll(page, "document.getElementById('edit-who')?.textContent.length > 0", "no edit panel")
    return page, errors

def sign_in(page, name):
    page.locator("#auth-open").click()
    page.locator("#auth-username").fill(name)
    page.locator("#auth-password").fill(PW[name])
    page.locator("#auth-form button[type=submit]").click()
    poll(page, "Contamap.editReady === true", "the edit mode never started")

def go_to(page, lon, lat, zoom=12):
    page.evaluate("([lon, lat, zoom]) => Contamap.map.jumpTo({center: [lon, lat], zoom})", [lon, lat, zoom])
    page.wait_for_timeout(300)
    poll(page, "Contamap.map.loaded() && !Contamap.map.isMoving()", "the map never settled")

def map_centre(page):
    box = page.evaluate("(() => { const r = Contamap.map.getCanvas().getBoundingClientRect(); return [r.width, r.height]; })()")
    panel = page.evaluate("document.getElementById('panel').getBoundingClientRect().right")
    drawers = page.evaluate("document.getElementById('drawers').getBoundingClientRect().left")
    return ((panel + drawers) / 2, box[1] / 2)

def open_zone(page, lon, lat, code):
    poll(page, f"Contamap.map.queryRenderedFeatures(Contamap.map.project([{lon}, {lat}]), {{layers: ['zones-fill']}}).some((f) => f.properties.code === '{code}')", f"{code} is not drawn")
    point = page.evaluate(f"Contamap.map.project([{lon}, {lat}])")
    page.mouse.click(point["x"], point["y"])
    page.locator(".edit-popup").get_by_role("button", name=WORDS["edit_this"]).click()
    poll(page, f"document.getElementById('edit-field-code')?.value === '{code}'", "not opened")

def shot(page, name):
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / name), type="png")
    print("saved", name, (OUT / name).stat().st_size)

def launch(p):
    return p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
