// The conflict view: someone saved the feature after it was opened here (412). Both versions
// are shown side by side, field by field, and the server's outline on the map; the user
// reloads the server's version, or reapplies the changes made here on top of it and saves
// again. Nothing is overwritten without that choice.
"use strict";

window.Contamap = window.Contamap || {};

const { element } = Contamap;
const THEIRS = "edit-theirs";
const { editSame: same, editShown: shown } = Contamap;
const vertices = (geometry) => (geometry ? JSON.stringify(geometry.coordinates).split("],[").length : 0);

const showTheirs = (geometry) => {
  const map = Contamap.map;
  const data = geometry ? { type: "Feature", geometry, properties: {} } : Contamap.EMPTY;
  if (map.getSource(THEIRS)) {
    map.getSource(THEIRS).setData(data);
    return;
  }
  map.addSource(THEIRS, { type: "geojson", data });
  map.addLayer({ id: THEIRS, type: "line", source: THEIRS, paint: { "line-color": "#b03a2e", "line-width": 3, "line-dasharray": [2, 1] } });
};

Contamap.editHideConflict = () => {
  document.getElementById("edit-conflict").hidden = true;
  if (Contamap.map.getSource(THEIRS)) Contamap.map.getSource(THEIRS).setData(Contamap.EMPTY);
};

// The table: a row per field of the form (and the geometry), yours beside theirs.
const table = (layer, mine, theirs) => {
  const box = element("table", "edit-versions");
  const head = box.createTHead().insertRow();
  for (const key of ["edit_field", "edit_yours", "edit_theirs"]) {
    head.append(Object.assign(element("th", "", Contamap.t(key)), { scope: "col" }));
  }
  const body = box.createTBody();
  const row = (label, a, b) => {
    const tr = body.insertRow();
    if (!same(a, b)) tr.className = "differs";
    tr.append(Object.assign(element("th", "", label), { scope: "row" }));
    tr.insertCell().textContent = shown(a);
    tr.insertCell().textContent = shown(b);
  };
  for (const [name, property] of Object.entries(layer.schema.properties.properties.properties)) {
    if (!property.readOnly) row(name, mine.properties[name], theirs.properties[name]);
  }
  const tr = body.insertRow();
  tr.className = same(mine.geometry, theirs.geometry) ? "" : "differs";
  tr.append(Object.assign(element("th", "", Contamap.t("edit_geometry")), { scope: "row" }));
  tr.insertCell().textContent = Contamap.t("edit_vertices", { count: vertices(mine.geometry) });
  tr.insertCell().textContent = Contamap.t("edit_vertices", { count: vertices(theirs.geometry) });
  return box;
};

// Open the view on a 412: read the server's current version and show it beside ``mine`` (the
// feature this page tried to save; null for a delete).
Contamap.editConflict = async (mine) => {
  const state = Contamap.edit;
  const { collection, id, base } = state.feature;
  const { response, data } = await Contamap.editFetch("GET", `/collections/${collection}/items/${id}`);
  const section = document.getElementById("edit-conflict");
  section.replaceChildren(element("h3", "", Contamap.t("edit_conflict_title")));
  section.hidden = false;
  Contamap.editStatus(Contamap.t("edit_conflict_status"), "error");
  if (!response.ok) {
    section.append(element("p", "", Contamap.t("edit_conflict_gone")));
    return;
  }
  const theirs = { etag: response.headers.get("ETag"), feature: data };
  state.conflict = { mine, theirs: data };
  const changedBy = (data.properties && data.properties.code) || id;
  section.append(element("p", "note", Contamap.t("edit_conflict_note", { code: changedBy })));
  if (mine) section.append(table(Contamap.editLayer(collection), mine, data));
  showTheirs(data.geometry);
  const reload = Object.assign(element("button", "", Contamap.t("edit_reload")), { type: "button", id: "edit-reload" });
  section.append(reload);
  reload.addEventListener("click", async () => {
    Contamap.editHideConflict();
    await Contamap.editFeature(collection, id);
  });
  if (!mine) return;
  const reapply = Object.assign(element("button", "", Contamap.t("edit_reapply")), { type: "button", id: "edit-reapply" });
  section.append(reapply);
  reapply.addEventListener("click", () => {
    // Only what was changed here goes onto their version; the rest stays theirs.
    const properties = { ...data.properties };
    for (const [name, value] of Object.entries(mine.properties)) {
      if (!same(value, base.properties[name])) properties[name] = value;
    }
    const geometry = same(mine.geometry, base.geometry) ? data.geometry : mine.geometry; // moved here?
    Contamap.editHideConflict();
    state.feature = { collection, id, etag: theirs.etag, base: data };
    // The changes are told against their version: its shape as terra-draw holds it.
    Contamap.editLoadGeometry(data.geometry);
    state.feature.drawn = Contamap.editGeometry();
    Contamap.editLoadGeometry(geometry);
    Contamap.editForm.write(properties);
    Contamap.editStatus(Contamap.t("edit_reapplied"));
    document.getElementById("edit-save").focus();
  });
  reload.focus();
};
