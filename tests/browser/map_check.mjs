// Drive headless Chromium through the map page and print what it saw as JSON.
// Usage: node map_check.mjs URL SCREENSHOT CANDIDATES_JSON
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
const { chromium } = createRequire(join(web, "package.json"))("playwright-core");
const [url, screenshot, candidatesJson] = process.argv.slice(2);
const candidates = JSON.parse(candidatesJson);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
  ],
});
let page;
const result = { consoleErrors: [], layers: {}, clicked: null, popup: null, error: null };
try {
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (message) => {
    if (message.type() === "error") result.consoleErrors.push(`${message.text()} ${message.location().url}`);
  });
  page.on("pageerror", (error) => result.consoleErrors.push(String(error)));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.Contamap && window.Contamap.ready === true, null, { timeout: 60000 });
  result.layers = await page.evaluate(() => {
    const counts = {};
    for (const feature of Contamap.map.queryRenderedFeatures()) {
      counts[feature.sourceLayer] = (counts[feature.sourceLayer] || 0) + 1;
    }
    return counts;
  });
  // The first candidate district that is on screen and not under the side panel.
  const panel = await page.evaluate(() => document.getElementById("panel").getBoundingClientRect().right);
  for (const candidate of candidates) {
    const point = await page.evaluate(([lon, lat]) => Contamap.map.project([lon, lat]), [candidate.lon, candidate.lat]);
    if (point.x > panel + 20 && point.x < 1240 && point.y > 20 && point.y < 780) {
      result.clicked = candidate.id;
      await page.mouse.click(point.x, point.y);
      break;
    }
  }
  if (result.clicked !== null) {
    const popup = page.locator(".maplibregl-popup-content");
    await popup.waitFor({ timeout: 10000 });
    await page.waitForTimeout(500); // let the statistics, if any, arrive
    result.popup = await popup.innerText();
  }
  await page.screenshot({ path: screenshot });
} catch (error) {
  result.error = String(error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
