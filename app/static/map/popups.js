// Click popups: the district under the pointer, and the settlement, zone or incident there.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.humanise = (value) => String(value).replaceAll("_", " ");
Contamap.km2 = (value, digits = 1) => (value === undefined || value === null ? null : `${Number(value).toFixed(digits)} km²`);
Contamap.percent = (share) => (share === undefined || share === null ? null : `${(Number(share) * 100).toFixed(1)} %`);
Contamap.count = (value) => (value === undefined || value === null ? null : Number(value).toLocaleString("en"));

// A value from the data that no catalogue translates (a name, a code, a source's words): marked
// translate="no", and in English when it is free text (lang), so that a screen reader says it
// right and the browser test of the Azerbaijani map can tell it from the map's own words.
Contamap.datum = (value, lang = null) => {
  const span = document.createElement("span");
  span.translate = false;
  if (lang) span.lang = lang;
  span.textContent = String(value);
  return span;
};

// A titled table of label/value rows, built with textContent so no data becomes markup; a
// value may be a node (Contamap.datum).
Contamap.section = (title, rows) => {
  const section = document.createElement("section");
  const heading = document.createElement("h3");
  heading.append(title);
  section.append(heading);
  const table = document.createElement("table");
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    const row = table.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().append(value instanceof Node ? value : String(value));
  }
  section.append(table);
  return section;
};

const { t } = Contamap;
const name = (p) => Contamap.datum(Contamap.bilingual(p));
const english = (value) => (value === undefined || value === null || value === "" ? null : Contamap.datum(value, "en"));

// A place's names: the one of the map's language first, the other in brackets.
Contamap.bilingual = (p) => {
  const [first, second] = Contamap.lang === "az" && p.name_az ? [p.name_az, p.name] : [p.name, p.name_az];
  return second && second !== first ? `${first} (${second})` : first;
};

Contamap.districtSection = (feature) => {
  const p = feature.properties;
  const title = Contamap.bilingual(p);
  const section = Contamap.section(name(p), [[t("kind"), Contamap.word("kind", p.kind)], [t("region"), p.region && Contamap.datum(p.region)]]);
  section.classList.add("district");
  const stats = document.createElement("p");
  stats.className = "stats";
  stats.textContent = Contamap.statsAvailable ? t("loading_stats") : "";
  section.append(stats);
  if (Contamap.statsAvailable) {
    Contamap.fillDistrictStats(stats, feature.id);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open-district";
    open.textContent = t("open_district");
    open.addEventListener("click", () => Contamap.openDistrict(feature.id, title));
    section.append(open);
  }
  return section;
};

Contamap.fillDistrictStats = async (element, id) => {
  const response = await fetch(`${Contamap.BASE}/stats/districts/${id}?as_of=${Contamap.asOf}`);
  if (!response.ok) {
    element.textContent = t("no_stats");
    return;
  }
  const s = await response.json();
  element.textContent = "";
  // Area, contaminated and share: the rest is in the district panel.
  element.append(Contamap.section(t("statistics"), [
    ...Contamap.districtRows(s).slice(0, 3),
    [t("as_of_row"), s.as_of || Contamap.asOf],
  ]));
};

Contamap.settlementSection = (p) => Contamap.section(name(p), [
  [t("population_label"), p.population ? t("population_geonames", { n: Contamap.count(p.population) }) : t("population_unknown")],
  [t("district"), p.district && Contamap.datum(p.district)],
  [t("geonames"), p.geonames_id],
  [t("source"), english(p.source)],
  [t("accuracy"), english(p.accuracy)],
]);

const list = (vocabulary, values) => (values || "").split(",").filter(Boolean)
  .map((value) => Contamap.word(vocabulary, value)).join(", ");

Contamap.zoneSection = (p) => Contamap.section(t("zone", { code: p.code }), [
  [t("hazard_class"), Contamap.word("hazard_class", p.hazard_class)],
  [t("contamination"), list("contamination", p.contamination)],
  [t("risk"), Contamap.word("risk", p.risk_level)],
  [t("status"), Contamap.word("status", p.status)],
  [t("recorded"), p.recorded_on],
  [t("released"), p.released_on],
  [t("estimated_devices"), p.estimated_devices],
  [t("source"), english(p.source)],
  [t("accuracy"), english(p.accuracy)],
]);

Contamap.incidentSection = (p) => Contamap.section(t("incident_on", { date: p.occurred_on }), [
  [t("place"), english(p.place)],
  [t("reported_district"), p.reported_district && Contamap.datum(p.reported_district)],
  [t("device"), Contamap.word("device", p.device)],
  [t("activity"), Contamap.word("activity", p.activity)],
  [t("killed"), p.killed],
  [t("injured"), p.injured],
  [t("victim"), Contamap.word("victim", p.victim_category)],
  [t("location_accuracy"), Contamap.word("location_accuracy", p.location_accuracy)],
  [t("location_note"), english(p.location_note)],
  [t("source"), english(p.source)],
]);

// What the map shows at a point, or null: the district (unless withDistrict is false) and the
// settlements, incidents and zones there.
Contamap.popupContent = (map, point, withDistrict = true) => {
  const content = document.createElement("div");
  content.className = "contamap-popup";
  const hit = (layer) => (map.getLayer(layer) && map.getLayoutProperty(layer, "visibility") !== "none"
    ? map.queryRenderedFeatures(point, { layers: [layer] }) : []);
  const district = withDistrict && map.queryRenderedFeatures(point, { layers: ["districts-base"] })[0];
  if (district) content.append(Contamap.districtSection(district));
  for (const feature of hit("settlements").slice(0, 3)) content.append(Contamap.settlementSection(feature.properties));
  for (const feature of hit("incidents").slice(0, 3)) content.append(Contamap.incidentSection(feature.properties));
  for (const feature of hit("zones-fill").slice(0, 3)) content.append(Contamap.zoneSection(feature.properties));
  return content.childElementCount ? content : null;
};
