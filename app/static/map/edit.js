// Edit mode (/map?edit=1): a signed-in editor (or an operator, for its organisation's tasks and
// land released) draws, reshapes, splits and deletes polygons with terra-draw, and fills a form
// generated from the layer's JSON Schema. Everything else of the map stays as it is; nothing of
// this runs, and no drawing library is loaded, without ?edit=1.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.editing = new URLSearchParams(window.location.search).get("edit") === "1";

// The scripts of the edit mode, loaded in this order once the page asks for it.
const EDIT_SCRIPTS = [
  "vendor/terra-draw.umd.js", "vendor/terra-draw-maplibre-gl-adapter.umd.js",
  "map/edit-form.js", "map/edit-split.js", "map/edit-conflict.js", "map/edit-history.js",
  "map/edit-save.js",
];
// The map layer a click picks a feature of, by collection (zones are drawn by the map's style).
const PICK_LAYERS = { contaminated_zones: "zones-fill" };
const OUTLINES = { tasks: "#1f4e9c", land_release: "#1e8449" };
// Zoomed out, the tiles gather them on a grid: one circle per cell, sized by their number.
const CLUSTERS = { tasks: ["task_clusters", "tasks"], land_release: ["land_release_clusters", "records"] };

const loadScript = (path) => new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = `${Contamap.BASE}/static/${path}`;
  if (path.startsWith("map/")) script.type = "module"; // each keeps its helpers to itself
  script.addEventListener("load", resolve);
  script.addEventListener("error", () => reject(new Error(`${path} did not load`)));
  document.head.append(script);
});

// What the edit mode is doing: the layers the user may change, the feature being edited (its
// collection, id, ETag and the version it was read at) and the terra-draw instance.
const edit = {
  layers: [], // [{ id, title, schema }]
  draw: null,
  feature: null, // { collection, id, etag, base } of a stored feature; null for a new one
  collection: null,
  split: null, // { kept, ids, firstSaved } while a split waits for its save
  finishedAt: 0, // when the last drawing ended (its last click is not a pick)
  figures: null, // { district, name, before, after } of the last save, for the page and tests
};
Contamap.edit = edit;

const byId = (id) => document.getElementById(id);
const { element } = Contamap;
const t = (key, values) => Contamap.t(key, values);

// The JSON body of an API call made with the session (its CSRF header on changes), with the
// response kept for its status and headers.
Contamap.editFetch = async (method, path, { body, headers = {}, type = "application/geo+json" } = {}) => {
  const init = { method, headers: { Accept: "application/geo+json, application/json", ...headers } };
  if (method !== "GET") Object.assign(init.headers, Contamap.csrfHeaders()); // auth.js
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = type;
  }
  const response = await fetch(`${Contamap.BASE}${path}`, init);
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { response, data };
};

Contamap.editHint = (key, values) => { byId("edit-hint").textContent = key ? t(key, values) : ""; };
Contamap.editStatus = (text, kind = "") => {
  const status = byId("edit-status");
  status.textContent = text;
  status.className = `edit-status ${kind}`;
};

// An element whose words are a key of the catalogue: the language switch redraws them.
const said = (tag, className, key) => {
  const node = element(tag, className, t(key));
  node.dataset.i18n = key;
  return node;
};

const panel = () => {
  const aside = element("aside", "drawer edit-panel");
  aside.id = "edit-panel";
  aside.setAttribute("aria-labelledby", "edit-title");
  aside.lang = Contamap.lang;
  const header = element("header");
  const title = said("h2", "", "edit_title");
  title.id = "edit-title";
  title.tabIndex = -1;
  const leave = said("a", "edit-leave", "edit_leave");
  leave.href = `${Contamap.BASE}/map`;
  header.append(title, leave);
  const who = element("p", "note");
  who.id = "edit-who";
  const tools = element("div", "edit-tools");
  tools.setAttribute("role", "toolbar");
  tools.dataset.i18nLabel = "edit_tools";
  tools.setAttribute("aria-label", t("edit_tools"));
  tools.hidden = true;
  tools.id = "edit-tools";
  const layerLabel = said("label", "", "edit_layer");
  const layer = element("select");
  layer.id = "edit-layer";
  layerLabel.htmlFor = "edit-layer";
  const layerBox = element("div", "edit-layer-label");
  layerBox.append(layerLabel, layer);
  const button = (id, key) => Object.assign(said("button", "", key), { id, type: "button" });
  tools.append(
    layerBox,
    button("edit-draw", "edit_draw"), button("edit-split", "edit_split"),
    button("edit-delete", "edit_delete"), button("edit-cancel", "edit_cancel"),
  );
  const hint = element("p", "note edit-hint");
  hint.id = "edit-hint";
  hint.setAttribute("role", "status");
  const confirm = element("div", "edit-confirm");
  confirm.id = "edit-confirm";
  confirm.hidden = true;
  const form = element("form", "edit-form");
  form.id = "edit-form";
  form.noValidate = true;
  form.hidden = true;
  form.dataset.i18nLabel = "edit_form";
  form.setAttribute("aria-label", t("edit_form"));
  const status = element("p", "edit-status");
  status.id = "edit-status";
  status.setAttribute("role", "status");
  const [figures, conflict, history] = ["edit-figures", "edit-conflict", "edit-history"].map((id) => {
    const section = element("section", id);
    section.id = id;
    section.hidden = true;
    return section;
  });
  aside.append(header, who, tools, hint, status, confirm, conflict, figures, history, form);
  return aside;
};

// The polygons terra-draw holds, as one MultiPolygon (null when none is drawn).
Contamap.editGeometry = () => {
  const polygons = edit.draw.getSnapshot().filter((feature) => feature.geometry.type === "Polygon");
  if (!polygons.length) return null;
  return { type: "MultiPolygon", coordinates: polygons.map((feature) => feature.geometry.coordinates) };
};

// Put a geometry (Polygon or MultiPolygon) into terra-draw, each part a polygon to reshape.
Contamap.editLoadGeometry = (geometry) => {
  edit.draw.clear();
  if (!geometry) return;
  const parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const ids = parts.map(() => edit.draw.getFeatureId());
  edit.draw.addFeatures(parts.map((coordinates, i) => ({
    id: ids[i], type: "Feature", geometry: { type: "Polygon", coordinates }, properties: { mode: "polygon" },
  })));
  edit.draw.setMode("select");
  if (ids.length === 1) edit.draw.selectFeature(ids[0]);
};

const setPressed = (id) => {
  for (const button of byId("edit-tools").querySelectorAll("button[aria-pressed]")) {
    button.setAttribute("aria-pressed", String(button.id === id));
  }
};

// Back to nothing being edited: the drawing, the form and the messages go.
Contamap.editReset = () => {
  edit.feature = null;
  edit.split = null;
  edit.draw.clear();
  edit.draw.setMode("select");
  setPressed(null);
  Contamap.editForm.clear();
  Contamap.editClearMarkers();
  byId("edit-confirm").hidden = true;
  byId("edit-conflict").hidden = true;
  byId("edit-history").hidden = true;
  Contamap.editHint("edit_pick");
  byId("edit-split").disabled = true;
  byId("edit-delete").disabled = true;
};

Contamap.editLayer = (id) => edit.layers.find((layer) => layer.id === id);

// Open the form for a layer's feature: a new one (just drawn) or one read from the API.
Contamap.editOpen = (collection, properties) => {
  edit.collection = collection;
  byId("edit-layer").value = collection;
  Contamap.editForm.build(Contamap.editLayer(collection).schema, properties);
  byId("edit-split").disabled = !(edit.feature && edit.feature.collection === collection);
  byId("edit-delete").disabled = !edit.feature;
};

// Read a stored feature with its ETag, and open it in terra-draw and the form.
Contamap.editFeature = async (collection, id) => {
  Contamap.editStatus(t("loading"));
  const { response, data } = await Contamap.editFetch("GET", `/collections/${collection}/items/${id}`);
  if (!response.ok) {
    Contamap.editStatus(t("edit_failed", { error: (data && data.description) || response.status }), "error");
    return;
  }
  Contamap.editReset();
  edit.feature = { collection, id, etag: response.headers.get("ETag"), base: data };
  Contamap.editLoadGeometry(data.geometry);
  edit.feature.drawn = Contamap.editGeometry(); // as terra-draw holds it, to tell a change
  Contamap.editOpen(collection, data.properties);
  if (data.geometry) Contamap.revealBox(boundsOf(data.geometry)); // its corners can be reached
  Contamap.editHint("edit_reshape");
  Contamap.editStatus(t("edit_editing", { code: data.properties.code || id }));
};

// A geometry's [west, south, east, north].
const boundsOf = (geometry) => {
  const flat = geometry.coordinates.flat(Infinity);
  const xs = flat.filter((_, i) => i % 2 === 0);
  const ys = flat.filter((_, i) => i % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
};

// In edit mode a click on the map picks a feature of an editable layer (its popup offers to
// edit it or show its history); while drawing, the click belongs to terra-draw. Returns
// whether it took the click.
Contamap.editClick = (event) => {
  if (!edit.draw || !edit.layers.length) return false;
  // While something is drawn or open in the form, the map's clicks are the drawing's: no
  // popup covers it, and no other feature replaces it before it is saved or cancelled.
  if (edit.draw.getMode() !== "select" || edit.draw.getSnapshot().length) {
    if (Date.now() - edit.finishedAt < 500) return true; // the click that ended a drawing
    const onDrawing = edit.draw.getFeaturesAtLngLat(event.lngLat, { includePolygonsWithinPointerDistance: true }).length;
    if (!onDrawing && edit.draw.getMode() === "select") Contamap.editHint("edit_busy");
    return true;
  }
  for (const layer of edit.layers) {
    const mapLayer = PICK_LAYERS[layer.id] || `edit-${layer.id}`;
    if (!Contamap.map.getLayer(mapLayer)) continue;
    const [hit] = Contamap.map.queryRenderedFeatures(event.point, { layers: [mapLayer] });
    if (hit && hit.id !== undefined) {
      Contamap.editPopup(event.lngLat, layer, hit);
      return true;
    }
  }
  return false;
};

Contamap.editPopup = (lngLat, layer, hit) => {
  const content = element("div", "contamap-popup edit-popup");
  content.append(element("h3", "", `${layer.title}: ${hit.properties.code || hit.id}`));
  const open = Object.assign(element("button", "", t("edit_this")), { type: "button" });
  const history = Object.assign(element("button", "", t("edit_history")), { type: "button" });
  content.append(open, history);
  const popup = new maplibregl.Popup({ maxWidth: "300px" }).setLngLat(lngLat).setDOMContent(content).addTo(Contamap.map);
  open.addEventListener("click", () => { popup.remove(); Contamap.editFeature(layer.id, hit.id); });
  history.addEventListener("click", () => { popup.remove(); Contamap.editShowHistory(layer.id, hit.id, hit.properties.code); });
};

// Outlines of the layers the base map does not draw (tasks, land released), to pick them.
const addOutlines = (map) => {
  const source = map.getSource("contamap");
  const known = new Set((source && source.vectorLayerIds) || []);
  for (const layer of edit.layers) {
    const colour = OUTLINES[layer.id];
    if (!colour || !known.has(layer.id) || map.getLayer(`edit-${layer.id}`)) continue;
    map.addLayer({
      id: `edit-${layer.id}`, type: "fill", source: "contamap", "source-layer": layer.id,
      paint: { "fill-color": colour, "fill-opacity": 0.15, "fill-outline-color": colour },
    });
    const [clusters, count] = CLUSTERS[layer.id];
    if (!known.has(clusters)) continue;
    map.addLayer({
      id: `edit-${clusters}`, type: "circle", source: "contamap", "source-layer": clusters,
      paint: {
        "circle-color": colour, "circle-opacity": 0.5,
        "circle-radius": ["interpolate", ["linear"], ["get", count], 1, 3, 10, 6, 100, 10, 1000, 16],
      },
    });
  }
};

// The polygon layers the signed-in user may add to: those whose OPTIONS answer allows POST.
const editableLayers = async () => {
  const collections = await Contamap.getJSON("/collections");
  const layer = async (collection) => {
    const options = await fetch(`${Contamap.BASE}/collections/${collection.id}/items`, { method: "OPTIONS" });
    if (!(options.headers.get("Allow") || "").includes("POST")) return null;
    const schema = await Contamap.getJSON(`/collections/${collection.id}/schema`);
    if (!JSON.stringify(schema.properties.geometry).includes("Polygon")) return null;
    return { id: collection.id, title: collection.title, schema };
  };
  const layers = await Promise.all((collections.collections || []).map(layer));
  return layers.filter(Boolean);
};

const terraDrawFor = (map) => {
  const { TerraDraw, TerraDrawPolygonMode, TerraDrawLineStringMode, TerraDrawSelectMode } = window.terraDraw;
  const editable = { draggable: true, midpoints: true, deletable: true };
  const draw = new TerraDraw({
    adapter: new window.terraDrawMaplibreGlAdapter.TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawPolygonMode({ styles: { fillColor: "#1f4e9c", outlineColor: "#1f4e9c", outlineWidth: 2 } }),
      new TerraDrawLineStringMode({ styles: { lineStringColor: "#6c3483", lineStringWidth: 3 } }),
      new TerraDrawSelectMode({
        allowManualDeselection: false,
        flags: {
          polygon: { feature: { draggable: false, selfIntersectable: true, coordinates: editable } },
          linestring: { feature: { draggable: false, coordinates: editable } },
        },
        styles: { selectedPolygonColor: "#1f4e9c", selectedPolygonOutlineColor: "#0b2b5c", selectionPointColor: "#ffffff" },
      }),
    ],
  });
  draw.start();
  return draw;
};

const wireTools = () => {
  const layer = byId("edit-layer");
  layer.replaceChildren(...edit.layers.map((item) => Object.assign(element("option", "", item.title), { value: item.id })));
  byId("edit-draw").setAttribute("aria-pressed", "false");
  byId("edit-split").setAttribute("aria-pressed", "false");
  byId("edit-draw").addEventListener("click", () => {
    Contamap.editReset();
    edit.collection = layer.value;
    edit.draw.setMode("polygon");
    setPressed("edit-draw");
    Contamap.editHint("edit_drawing");
  });
  byId("edit-split").addEventListener("click", () => {
    if (!edit.feature) return;
    edit.draw.setMode("linestring");
    setPressed("edit-split");
    Contamap.editHint("edit_splitting");
  });
  byId("edit-delete").addEventListener("click", () => Contamap.editAskDelete());
  byId("edit-cancel").addEventListener("click", () => { Contamap.editReset(); Contamap.editStatus(""); });
  edit.draw.on("finish", (id, context) => {
    if (context && context.action && context.action !== "draw") return;
    const feature = edit.draw.getSnapshotFeature(id);
    if (!feature) return;
    edit.finishedAt = Date.now();
    setPressed(null);
    if (feature.geometry.type === "LineString") {
      Contamap.editSplit(id, feature.geometry.coordinates);
      return;
    }
    edit.draw.setMode("select");
    edit.draw.selectFeature(id);
    // An operator's new task names its organisation already (the only one it may write).
    const own = Contamap.session && Contamap.session.organisation;
    if (!edit.feature && !byId("edit-form").childElementCount) Contamap.editOpen(edit.collection, own ? { organisation: own } : {});
    Contamap.editHint("edit_fill");
  });
};

const showWho = (session) => {
  const who = byId("edit-who");
  if (!session) {
    who.textContent = t("edit_sign_in");
    byId("edit-tools").hidden = true;
    return false;
  }
  const organisation = session.organisation ? `, ${session.organisation}` : "";
  who.textContent = t("edit_signed_in", { name: session.name, role: `${session.role}${organisation}` });
  return true;
};

// Start once the map has loaded (map.js calls it) and again on each sign-in or sign-out.
const begin = async (map) => {
  const session = Contamap.session || await Contamap.refreshSession(); // auth.js
  if (!showWho(session)) return;
  edit.layers = await editableLayers();
  if (!edit.layers.length) {
    byId("edit-who").textContent += ` ${t("edit_no_layers")}`;
    return;
  }
  addOutlines(map);
  if (!edit.draw) {
    edit.draw = terraDrawFor(map);
    wireTools();
  }
  byId("edit-tools").hidden = false;
  Contamap.editReset();
  Contamap.editReady = true;
};

if (Contamap.editing) {
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = `${Contamap.BASE}/static/map/edit.css`;
  document.head.append(css);
  const scripts = EDIT_SCRIPTS.reduce((loaded, path) => loaded.then(() => loadScript(path)), Promise.resolve());
  Contamap.startEdit = async (map) => {
    byId("drawers").prepend(panel());
    await scripts;
    let starting = null;
    const ensure = () => { starting ||= begin(map).finally(() => { starting = null; }); return starting; };
    document.addEventListener("contamap:session", (event) => {
      if (!event.detail) {
        if (edit.draw) Contamap.editReset();
        Contamap.editReady = false;
        showWho(null);
        Contamap.editStatus("");
      } else if (!Contamap.editReady) {
        ensure();
      }
    });
    await ensure();
  };
}
