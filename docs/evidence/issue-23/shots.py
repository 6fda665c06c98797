"""Issue 23 evidence: the monthly report printed to PDF (A4) and its print rendering as a PNG,
and the district's page (figures, chart, operations' tables) after the session.

    BASE=http://127.0.0.1:8123 /work/main/.venv/bin/python docs/evidence/issue-23/shots.py
"""

import json
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
BASE = os.environ.get("BASE", "http://127.0.0.1:8123")
MONTH = "2026-12"
ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        errors: list[str] = []

        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{BASE}/reports/monthly/{MONTH}", wait_until="networkidle")
        page.pdf(path=str(HERE / f"monthly-{MONTH}.pdf"), format="A4", print_background=True,
                 prefer_css_page_size=True)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.screenshot(path=str(HERE / f"monthly-{MONTH}-print.png"), full_page=True, type="png")
        page.close()

        # A tall viewport from the start: a full-page screenshot resizes the page, and Chart.js
        # (animated on this page) would redraw from zero in the shot.
        page = browser.new_page(viewport={"width": 1280, "height": 2150})
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{BASE}/stats/districts/2?f=html", wait_until="networkidle")
        page.wait_for_timeout(3000)
        chart = page.evaluate(
            "window.districtChart ? {labels: window.districtChart.data.labels, datasets: "
            "window.districtChart.data.datasets.map(d => ({label: d.label, data: d.data}))} : null"
        )
        tables = {
            t: page.locator(f"#{t}").inner_text()
            for t in ("district-release-kind", "district-release-organisation", "district-items")
        }
        page.screenshot(path=str(HERE / "district-2-after.png"), type="png")
        page.close()
        browser.close()
    (HERE / "district-2-after-page.json").write_text(
        json.dumps({"chart": chart, "tables": tables, "browser_errors": errors}, indent=1, ensure_ascii=False)
    )
    print(json.dumps({"chart": chart, "tables": tables, "errors": errors}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
