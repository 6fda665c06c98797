// Copy MapLibre GL JS from node_modules to app/static/vendor/, where the app serves it.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(fileURLToPath(import.meta.url));
const source = join(web, "node_modules", "maplibre-gl", "dist");
const target = join(web, "..", "app", "static", "vendor");
mkdirSync(target, { recursive: true });
for (const name of ["maplibre-gl.js", "maplibre-gl.css"]) {
  copyFileSync(join(source, name), join(target, name));
}
console.log(`copied maplibre-gl.{js,css} to ${target}`);
