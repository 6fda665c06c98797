// Click popups: the district under the pointer, and the settlement, zone or incident there.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.LABELS = {
  hazard_class: { SHA: "Suspected hazardous area (SHA)", CHA: "Confirmed hazardous area (CHA)" },
};

Contamap.humanise = (value) => String(value).replaceAll("_", " ");
Contamap.km2 = (value, digits = 1) => (value === undefined || value === null ? null : `${Number(value).toFixed(digits)} km²`);
Contamap.percent = (share) => (share === undefined || share === null ? null : `${(Number(share) * 100).toFixed(1)} %`);
Contamap.bilingual = (p) => (p.name_az && p.name_az !== p.name ? `${p.name} (${p.name_az})` : p.name);
Contamap.count = (value) => (value === undefined || value === null ? null : Number(value).toLocaleString("en"));

// A titled table of label/value rows, built with textContent so no data becomes markup.
Contamap.section = (title, rows) => {
  const section = document.createElement("section");
  const heading = document.createElement("h3");
  heading.textContent = title;
  section.append(heading);
  const table = document.createElement("table");
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === "") continue;
    const row = table.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = value;
  }
  section.append(table);
  return section;
};

Contamap.districtSection = (feature) => {
  const p = feature.properties;
  const title = Contamap.bilingual(p);
  const section = Contamap.section(title, [["Kind", p.kind], ["Region", p.region]]);
  section.classList.add("district");
  const stats = document.createElement("p");
  stats.className = "stats";
  stats.textContent = Contamap.statsAvailable ? "Loading statistics…" : "";
  section.append(stats);
  if (Contamap.statsAvailable) {
    Contamap.fillDistrictStats(stats, feature.id);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open-district";
    open.textContent = Contamap.t("open_district");
    open.addEventListener("click", () => Contamap.openDistrict(feature.id, title));
    section.append(open);
  }
  return section;
};

Contamap.fillDistrictStats = async (element, id) => {
  const response = await fetch(`${Contamap.BASE}/stats/districts/${id}?as_of=${Contamap.asOf}`);
  if (!response.ok) {
    element.textContent = "No statistics for this district.";
    return;
  }
  const s = await response.json();
  element.textContent = "";
  // Area, contaminated and share: the rest is in the district panel.
  element.append(Contamap.section("Statistics", [
    ...Contamap.districtRows(s).slice(0, 3),
    ["As of", s.as_of || Contamap.asOf],
  ]));
};

Contamap.settlementSection = (p) => Contamap.section(Contamap.bilingual(p), [
  ["Population", p.population ? `${Contamap.count(p.population)}, as recorded by GeoNames` : "unknown (none recorded by GeoNames)"],
  ["District", p.district],
  ["GeoNames", p.geonames_id],
  ["Source", p.source],
  ["Accuracy", p.accuracy],
]);

Contamap.zoneSection = (p) => Contamap.section(`Zone ${p.code}`, [
  ["Class", Contamap.LABELS.hazard_class[p.hazard_class] || p.hazard_class],
  ["Contamination", (p.contamination || "").split(",").map(Contamap.humanise).join(", ")],
  ["Risk", p.risk_level],
  ["Status", Contamap.humanise(p.status)],
  ["Recorded", p.recorded_on],
  ["Released", p.released_on],
  ["Estimated devices", p.estimated_devices],
  ["Source", p.source],
  ["Accuracy", p.accuracy],
]);

Contamap.incidentSection = (p) => Contamap.section(`Incident of ${p.occurred_on}`, [
  ["Place", p.place],
  ["Reported district", p.reported_district],
  ["Device", Contamap.humanise(p.device)],
  ["Activity", Contamap.humanise(p.activity)],
  ["Killed", p.killed],
  ["Injured", p.injured],
  ["Victim", p.victim_category],
  ["Location accuracy", p.location_accuracy],
  ["Location note", p.location_note],
  ["Source", p.source],
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
