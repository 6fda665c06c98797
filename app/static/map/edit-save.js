// Saving in the edit mode: POST a new feature, PATCH what was changed of a stored one with If-Match (a 412 opens the
// conflict view, never an overwrite), PATCH and POST the two pieces of a split, DELETE (soft, as
// the API does). A 422 is shown next to the fields, and an invalid geometry where it is on the
// map. After a save the tiles are fetched again and the district's figures shown moving.
"use strict";

window.Contamap = window.Contamap || {};

const { element } = Contamap;
const edit = () => Contamap.edit;
const markers = [];

Contamap.editClearMarkers = () => {
  while (markers.length) markers.pop().remove();
};

// PostGIS's reason, without the API's advice to programs (?make_valid=true).
const geometryReason = (sentence) => sentence.replace(/^geometry[^:]*: /, "").replace(/;.*$/, "");

// A marker where PostGIS says the geometry breaks ("Self-intersection[50.605 40.005]").
const markProblem = (sentence) => {
  const match = /\[(-?\d+(?:\.\d+)?(?:e-?\d+)?) (-?\d+(?:\.\d+)?(?:e-?\d+)?)\]/i.exec(sentence);
  if (!match) return;
  const reason = geometryReason(sentence);
  const pin = element("div", "edit-problem-marker");
  pin.setAttribute("role", "img");
  pin.setAttribute("aria-label", reason);
  pin.title = reason;
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 14, className: "edit-problem-popup" })
    .setText(reason.replace(/\[.*\]/, ""));
  const marker = new maplibregl.Marker({ element: pin })
    .setLngLat([Number(match[1]), Number(match[2])]).setPopup(popup).addTo(Contamap.map);
  marker.togglePopup();
  markers.push(marker);
};

// The answer's problems: next to their fields, on the map, or in the status line.
const showRefusal = (response, data) => {
  const problems = (data && data.problems) || [];
  const left = Contamap.editForm.showProblems(problems);
  const geometry = left.filter((item) => item.startsWith("geometry"));
  for (const problem of geometry) markProblem(problem);
  const sentences = [
    ...left.filter((item) => !item.startsWith("geometry")),
    ...geometry.map((item) => Contamap.t("edit_geometry_invalid", { reason: geometryReason(item) })),
  ];
  const text = sentences.length ? sentences.join(" · ") : problems.length ? Contamap.t("edit_fix_fields") : (data && data.description) || `${response.status}`;
  Contamap.editStatus(Contamap.t("edit_refused", { reason: text }), "error");
};

// The district under the middle of the geometry's first ring, from the map's districts.
const districtAt = (geometry) => {
  const ring = geometry.coordinates[0][0];
  const [lon, lat] = ring.slice(0, -1).reduce(([x, y], [a, b]) => [x + a / (ring.length - 1), y + b / (ring.length - 1)], [0, 0]);
  const [hit] = Contamap.map.queryRenderedFeatures(Contamap.map.project([lon, lat]), { layers: ["districts-base"] });
  return hit ? { id: hit.id, name: Contamap.bilingual(hit.properties) } : null;
};

const figuresOf = async (district) => {
  if (!district || !Contamap.statsAvailable) return null;
  try {
    return await Contamap.getJSON(`/stats/districts/${district.id}?as_of=${Contamap.asOf}`);
  } catch {
    return null;
  }
};

const showFigures = (district, before, after) => {
  const section = document.getElementById("edit-figures");
  edit().figures = { district: district.id, name: district.name, before, after };
  const km2 = (value) => Number(value).toFixed(3);
  const change = Number(after.contaminated_km2) - Number(before.contaminated_km2);
  const sign = change >= 0 ? "+" : "−";
  section.replaceChildren(
    element("h3", "", Contamap.t("edit_figures", { district: district.name })),
    element("p", "edit-moving", Contamap.t("edit_contaminated_moved", {
      before: km2(before.contaminated_km2), after: km2(after.contaminated_km2), change: `${sign}${km2(Math.abs(change))}`,
    })),
    element("p", "note", Contamap.t("edit_share_moved", {
      before: Contamap.percent(before.contaminated_share), after: Contamap.percent(after.contaminated_share),
    })),
  );
  section.hidden = false;
  section.classList.remove("moved");
  void section.offsetWidth; // restart the highlight
  section.classList.add("moved");
};

// The tiles are asked for again (each is revalidated with its ETag, so only changed ones come
// back), and the as-of date is applied again so that shares and open panels reload.
Contamap.editRefresh = () => {
  const source = Contamap.map.getSource("contamap");
  if (source && source.tiles) source.setTiles(source.tiles);
  document.getElementById("as-of").dispatchEvent(new Event("input"));
};

// One write; the answer, with its refusal shown; a 412 opens the conflict view.
const write = async (method, path, body, etag, mine) => {
  const headers = etag ? { "If-Match": etag } : {};
  const type = method === "PATCH" ? "application/merge-patch+json" : "application/geo+json";
  const answer = await Contamap.editFetch(method, path, { body, headers, type });
  if (answer.response.status === 412) {
    await Contamap.editConflict(mine);
  } else if (!answer.response.ok) {
    showRefusal(answer.response, answer.data);
  }
  return answer;
};

const saved = async (district, before, text) => {
  Contamap.editRefresh();
  Contamap.editReset();
  Contamap.editStatus(text, "ok");
  const after = await figuresOf(district);
  if (district && before && after) showFigures(district, before, after);
};

// What was changed here, as a JSON merge patch of the stored feature: the fields whose value
// differs (null for one emptied) and the geometry only when a corner was moved. The API
// serves coordinates rounded and terra-draw rounds them too: an untouched shape is not sent,
// so that no rounding is recorded as a change nobody made.
const changesOf = (feature, properties) => {
  const patch = {};
  const changed = {};
  for (const name of Contamap.editForm.names()) {
    const value = properties[name] ?? null;
    if (!Contamap.editSame(value, feature.base.properties[name])) changed[name] = value;
  }
  if (Object.keys(changed).length) patch.properties = changed;
  const drawn = Contamap.editGeometry();
  if (!Contamap.editSame(drawn, feature.drawn)) patch.geometry = drawn;
  return patch;
};

Contamap.editSave = async () => {
  const state = edit();
  const geometry = Contamap.editGeometry();
  const properties = Contamap.editForm.read();
  Contamap.editForm.clearProblems();
  Contamap.editClearMarkers();
  if (!geometry) {
    Contamap.editStatus(Contamap.t("edit_no_geometry"), "error");
    return;
  }
  Contamap.editStatus(Contamap.t("edit_saving"));
  const district = districtAt(geometry);
  const before = await figuresOf(district);
  const feature = { type: "Feature", geometry, properties };
  const collection = state.collection;
  if (state.split) {
    await saveSplit(state.split, feature, district, before);
    return;
  }
  if (!state.feature) {
    const { response } = await write("POST", `/collections/${collection}/items`, feature, null, null);
    if (response.ok) await saved(district, before, Contamap.t("edit_created", { code: properties.code }));
    return;
  }
  const patch = changesOf(state.feature, properties);
  if (!Object.keys(patch).length) {
    Contamap.editStatus(Contamap.t("edit_unchanged"));
    return;
  }
  // The conflict view shows this page's version: the stored one with the changes made here.
  const mine = { type: "Feature", geometry: patch.geometry || state.feature.base.geometry,
    properties: { ...state.feature.base.properties, ...patch.properties } };
  const path = `/collections/${state.feature.collection}/items/${state.feature.id}`;
  const { response } = await write("PATCH", path, patch, state.feature.etag, mine);
  if (response.ok) await saved(district, before, Contamap.t("edit_saved", { code: properties.code }));
};

// A split: the stored feature keeps the first piece (a PATCH of its geometry, If-Match), then
// the second piece is created with the form's properties. A refused creation leaves the first
// piece saved and the form open for the second.
const saveSplit = async (split, feature, district, before) => {
  const state = edit();
  const path = `/collections/${state.feature.collection}/items/${state.feature.id}`;
  // Each piece as terra-draw holds it now (it may have been reshaped since the cut).
  const piece = (id) => state.draw.getSnapshotFeature(id).geometry.coordinates;
  if (!split.firstSaved) {
    const first = { type: "MultiPolygon", coordinates: [...split.kept, piece(split.ids[0])] };
    const mine = { type: "Feature", geometry: first, properties: state.feature.base.properties };
    const { response } = await write("PATCH", path, { geometry: first }, state.feature.etag, mine);
    if (!response.ok) return;
    split.firstSaved = true;
  }
  const second = { ...feature, geometry: { type: "MultiPolygon", coordinates: [piece(split.ids[1])] } };
  const { response } = await write("POST", `/collections/${state.collection}/items`, second, null, null);
  if (response.ok) await saved(district, before, Contamap.t("edit_split_saved", { code: feature.properties.code }));
};

// A line was drawn: split the stored feature by it and open the form for the new piece.
Contamap.editSplit = (lineId, line) => {
  const state = edit();
  const geometry = Contamap.editGeometry();
  state.draw.removeFeatures([lineId]);
  const pieces = geometry && Contamap.splitGeometry(geometry, line);
  if (!pieces) {
    state.draw.setMode("select");
    Contamap.editHint("edit_split_missed");
    return;
  }
  state.draw.clear();
  const ids = [state.draw.getFeatureId(), state.draw.getFeatureId()];
  // The parts the line did not cross stay as they are, out of terra-draw.
  state.split = { kept: pieces.first.coordinates.slice(0, -1), ids, firstSaved: false };
  state.draw.addFeatures([pieces.first, pieces.second].map((piece, i) => ({
    id: ids[i], type: "Feature", geometry: { type: "Polygon", coordinates: piece.coordinates.at(-1) },
    properties: { mode: "polygon" },
  })));
  state.draw.setMode("select");
  const copy = { ...state.feature.base.properties, code: `${state.feature.base.properties.code}-2` };
  Contamap.editForm.write(copy);
  Contamap.editHint("edit_split_done");
};

// Delete asks once more, inline, then sends DELETE with If-Match.
Contamap.editAskDelete = () => {
  const state = edit();
  if (!state.feature) return;
  const box = document.getElementById("edit-confirm");
  const yes = Object.assign(element("button", "danger", Contamap.t("edit_delete_yes")), { type: "button" });
  const no = Object.assign(element("button", "", Contamap.t("edit_delete_no")), { type: "button" });
  box.replaceChildren(element("p", "", Contamap.t("edit_delete_ask", { code: state.feature.base.properties.code })), yes, no);
  box.hidden = false;
  yes.focus();
  no.addEventListener("click", () => { box.hidden = true; });
  yes.addEventListener("click", async () => {
    box.hidden = true;
    const geometry = state.feature.base.geometry;
    const district = geometry && districtAt(geometry.type === "Polygon" ? { coordinates: [geometry.coordinates] } : geometry);
    const before = await figuresOf(district);
    const path = `/collections/${state.feature.collection}/items/${state.feature.id}`;
    const { response } = await write("DELETE", path, undefined, state.feature.etag, null);
    if (response.ok) await saved(district, before, Contamap.t("edit_deleted", { code: state.feature.base.properties.code }));
  });
};

document.addEventListener("submit", (event) => {
  if (event.target.id !== "edit-form") return;
  event.preventDefault();
  Contamap.editSave();
});
