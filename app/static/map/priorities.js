// The Priorities panel: the zones /stats/priorities ranks first for the weights set here, each
// with the parts of its score (why it ranks there), outlined and numbered on the map.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.PRIORITY_LIMIT = 10;
// Colours of the score's parts, in the order of the answer's weights.
Contamap.PART_COLOURS = ["#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#d62728", "#8c564b", "#7f7f7f"];
Contamap.priorities = null; // the last answer, and its zones as GeoJSON, for the browser test
Contamap.priorityZones = Contamap.EMPTY;

const state = { weights: null, nearKm: null, loads: 0, markers: [], selected: null };

const partName = (name) => Contamap.word("part", name);

const partColour = (names, name) => Contamap.PART_COLOURS[names.indexOf(name) % Contamap.PART_COLOURS.length];

// The query: the defaults until a weight or the distance is changed here.
const query = (format) => {
  const params = new URLSearchParams({ limit: String(Contamap.PRIORITY_LIMIT), as_of: Contamap.asOf });
  if (state.nearKm !== null) params.set("near_km", String(state.nearKm));
  for (const [name, value] of Object.entries(state.weights || {})) params.set(`w_${name}`, String(value));
  if (format) params.set("f", format);
  return `/stats/priorities?${params}`;
};

const weightsChanged = Contamap.debounce(() => {
  const form = document.getElementById("priority-weights");
  const near = form.elements.near_km;
  state.weights = {};
  for (const input of form.querySelectorAll("input[data-weight]")) state.weights[input.dataset.weight] = Number(input.value);
  state.nearKm = near.checkValidity() && near.value !== "" ? Number(near.value) : null;
  if (!Object.values(state.weights).some((weight) => weight > 0)) {
    document.getElementById("priority-status").textContent = Contamap.t("priorities_need_weight");
    return;
  }
  loadPriorities();
}, 300);

// One slider per part of the score, from the answer's default weights; the distance below.
const buildWeights = (answer) => {
  const form = document.getElementById("priority-weights");
  if (form.childElementCount) return;
  const names = Object.keys(answer.weights);
  for (const [name, weight] of Object.entries(answer.weights)) {
    const label = Contamap.element("label", "weight");
    const swatch = Contamap.element("span", "swatch");
    swatch.style.background = partColour(names, name);
    const input = Object.assign(document.createElement("input"), { type: "range", min: "0", max: "1", step: "0.05" });
    input.value = String(weight);
    input.dataset.weight = name;
    const output = Contamap.element("output", "", Number(weight).toFixed(2));
    input.addEventListener("input", () => { output.textContent = Number(input.value).toFixed(2); weightsChanged(); });
    label.append(swatch, Contamap.element("span", "weight-name", partName(name)), input, output);
    form.append(label);
  }
  const near = Contamap.element("label", "near", `${Contamap.t("priorities_near")} `);
  const input = Object.assign(document.createElement("input"), { type: "number", name: "near_km", min: "0.5", max: "50", step: "0.5" });
  input.value = String(answer.near_km);
  input.addEventListener("input", weightsChanged);
  near.append(input, " km");
  form.append(near);
};

// A bar of the score's parts: the contributions add up to the score, at most 1 (full width).
const partsBar = (zone, names) => {
  const bar = Contamap.element("div", "parts");
  for (const name of names) {
    const part = zone.parts[name];
    if (!part || !part.contribution) continue;
    const piece = Contamap.element("span");
    piece.style.width = `${100 * Math.min(1, part.contribution)}%`;
    piece.style.background = partColour(names, name);
    piece.title = Contamap.t("priorities_part", {
      part: partName(name), raw: name === "risk" ? Contamap.word("risk", part.raw) : part.raw, normalised: Number(part.normalised).toFixed(2),
      weight: part.weight, adds: Number(part.contribution).toFixed(3),
    });
    bar.append(piece);
  }
  return bar;
};

const why = (zone, names) => names
  .filter((name) => zone.parts[name] && zone.parts[name].contribution > 0)
  .sort((a, b) => zone.parts[b].contribution - zone.parts[a].contribution)
  .map((name) => `${partName(name)} ${Number(zone.parts[name].contribution).toFixed(2)}`)
  .join(" · ");

const select = (zone) => {
  const map = Contamap.map;
  if (state.selected !== null) map.setFeatureState({ source: "priorities", id: state.selected }, { selected: false });
  state.selected = zone.zone_id;
  map.setFeatureState({ source: "priorities", id: zone.zone_id }, { selected: true });
  Contamap.showPlace({ bbox: zone.bbox });
};

const row = (zone, names) => {
  const button = Contamap.element("button", "priority-row");
  button.type = "button";
  const head = Contamap.element("div", "priority-head");
  head.append(
    Contamap.element("strong", "", `${zone.rank}. ${zone.code}`),
    zone.district ? Contamap.datum(zone.district) : "",
    Contamap.element("span", "score", Number(zone.score).toFixed(2)),
  );
  const nearest = zone.nearest_settlement;
  const facts = [
    zone.risk_level && Contamap.t(`risk_${zone.risk_level}`), zone.hazard_class, Contamap.km2(zone.area_km2, 2),
    nearest && Contamap.t("priorities_from", { km: Number(nearest.distance_km).toFixed(1), place: Contamap.bilingual(nearest) }),
  ].filter(Boolean).join(" · ");
  button.append(head, Contamap.element("div", "facts", facts), partsBar(zone, names), Contamap.element("div", "why", why(zone, names)));
  button.addEventListener("click", () => select(zone));
  const item = document.createElement("li");
  item.append(button);
  return item;
};

const rankMarkers = (zones) => {
  for (const marker of state.markers) marker.remove();
  state.markers = zones.map((zone) => {
    const [west, south, east, north] = zone.bbox;
    const element = Contamap.element("div", "priority-rank", String(zone.rank));
    element.setAttribute("role", "img");
    element.setAttribute("aria-label", `${zone.rank}. ${zone.code}`);
    return new maplibregl.Marker({ element }).setLngLat([(west + east) / 2, (south + north) / 2]).addTo(Contamap.map);
  });
};

const show = (answer, zones) => {
  buildWeights(answer);
  // The note and the method are the catalogue's (priorities_note, priorities_method), which the
  // service reads too, so the panel shows them in the map's language.
  document.getElementById("priority-status").textContent = Contamap.t("priorities_status", {
    n: answer.zones.length, total: answer.total, date: answer.as_of, km: answer.near_km, years: answer.incident_years,
  });
  const names = Object.keys(answer.weights);
  const list = document.getElementById("priority-rows");
  list.textContent = "";
  for (const zone of answer.zones) list.append(row(zone, names));
  state.selected = null;
  Contamap.map.removeFeatureState({ source: "priorities" });
  Contamap.map.getSource("priorities").setData(zones);
  rankMarkers(answer.zones);
};

const loadPriorities = async () => {
  const load = ++state.loads;
  document.getElementById("priority-status").textContent = Contamap.t("priorities_loading");
  try {
    const [answer, zones] = await Promise.all([Contamap.getJSON(query()), Contamap.getJSON(query("geojson"))]);
    if (load !== state.loads || !Contamap.isOpen("priorities")) return;
    Contamap.priorities = answer;
    Contamap.priorityZones = zones;
    show(answer, zones);
  } catch (error) {
    if (load === state.loads) document.getElementById("priority-status").textContent = Contamap.t("priorities_failed", { error: error.message });
  }
};

Contamap.openPriorities = () => {
  Contamap.openDrawer("priorities");
  loadPriorities();
};

Contamap.drawerClosers.priorities = () => {
  state.loads += 1; // an answer still on its way is dropped
  for (const marker of state.markers) marker.remove();
  state.markers = [];
  Contamap.map.getSource("priorities").setData(Contamap.EMPTY);
};

Contamap.asOfListeners.push(Contamap.debounce(() => {
  if (Contamap.isOpen("priorities")) loadPriorities();
}, 600));

// The weights' names and the rows in the new language (the weights set are kept).
Contamap.languageListeners.push(() => {
  if (!Contamap.isOpen("priorities")) return;
  const form = document.getElementById("priority-weights");
  for (const label of form.querySelectorAll("label.weight")) {
    label.querySelector(".weight-name").textContent = partName(label.querySelector("input").dataset.weight);
  }
  const near = form.querySelector("label.near");
  if (near) near.firstChild.textContent = `${Contamap.t("priorities_near")} `;
  loadPriorities();
});
