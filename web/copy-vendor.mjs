// Copy the front-end assets from node_modules to app/static/vendor/, where the app serves them:
// MapLibre GL JS for the map, Swagger UI and Redoc for the API documentation (no CDN).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
const modules = join(web, "node_modules");
const target = join(web, "..", "app", "static", "vendor");
const files = {
  "maplibre-gl/dist/maplibre-gl.js": "maplibre-gl.js",
  "maplibre-gl/dist/maplibre-gl.css": "maplibre-gl.css",
  "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-bundle.js",
  "swagger-ui-dist/swagger-ui.css": "swagger-ui.css",
  "redoc/bundles/redoc.standalone.js": "redoc.standalone.js",
};
mkdirSync(target, { recursive: true });
for (const [source, name] of Object.entries(files)) {
  copyFileSync(join(modules, source), join(target, name));
}
console.log(`copied ${Object.values(files).join(", ")} to ${target}`);
