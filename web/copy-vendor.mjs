// Copy the front-end assets from node_modules to app/static/vendor/, where the app serves them:
// MapLibre GL JS for the map, Chart.js for the district panel's chart, Swagger UI and Redoc
// for the API documentation (no CDN), terra-draw for the edit mode, and axe-core, which only the browser tests inject.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
const modules = join(web, "node_modules");
const target = join(web, "..", "app", "static", "vendor");
const files = {
  "maplibre-gl/dist/maplibre-gl.js": "maplibre-gl.js",
  "maplibre-gl/dist/maplibre-gl.css": "maplibre-gl.css",
  "chart.js/dist/chart.umd.min.js": "chart.umd.js",
  "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "swagger-ui-dist/swagger-ui.css": "swagger-ui.css",
  "redoc/bundles/redoc.standalone.js": "redoc.standalone.js",
  "axe-core/axe.min.js": "axe.min.js",
  // terra-draw and its MapLibre adapter, loaded by the map's edit mode only (?edit=1)
  "terra-draw/dist/terra-draw.umd.js": "terra-draw.umd.js",
  "terra-draw-maplibre-gl-adapter/dist/terra-draw-maplibre-gl-adapter.umd.js": "terra-draw-maplibre-gl-adapter.umd.js",
};
mkdirSync(target, { recursive: true });
for (const [source, name] of Object.entries(files)) {
  copyFileSync(join(modules, source), join(target, name));
}
// Redoc's menu shows a logo fetched from its makers' CDN: the service makes no request
// off-site, so the image gets an empty source (it then hides itself, as on any failure).
const redoc = join(target, "redoc.standalone.js");
const logo = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';
const bundle = readFileSync(redoc, "utf8");
if (!bundle.includes(logo)) throw new Error(`redoc.standalone.js no longer holds ${logo}`);
writeFileSync(redoc, bundle.replace(logo, '""'));
console.log(`copied ${Object.values(files).join(", ")} to ${target}`);
