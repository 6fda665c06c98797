// "What is near this place": the nearest contaminated zone, the zones and incidents within 1, 2
// and 5 km, the district and the honest words, from /stats/near, for a point of the map, a
// place found by name or the user's own position (sent to /stats/near only, never kept).
"use strict";

window.Contamap = window.Contamap || {};

Contamap.NEAR_KM = 5; // the farthest of the answer's counts
Contamap.NEAR_LISTED = 5; // zones and incidents named, nearest first
Contamap.nearAnswer = null; // the last answer, for the browser test

const state = { loads: 0, marker: null, asked: null };
const { element } = Contamap;

const distance = (km) => Number(km).toLocaleString(Contamap.lang, { maximumFractionDigits: km < 1 ? 2 : 1 });
const risk = (level) => Contamap.t(`risk_${level}`);

// The answer in one line: how far the nearest zone is and how dangerous it is.
const headline = (answer) => {
  const zone = answer.nearest_zone;
  const box = element("div", "near-headline");
  if (!zone) {
    box.append(element("p", "", answer.advice[Contamap.lang].no_zone));
    return box;
  }
  box.classList.add(`risk-${zone.risk_level}`);
  box.append(
    element("p", "label", answer.advice[Contamap.lang].nearest_zone),
    element("p", "distance", zone.distance_km === 0
      ? Contamap.t("inside_zone") : Contamap.t("km_away", { km: distance(zone.distance_km) })),
    ...(zone.bearing_deg === null || zone.bearing_deg === undefined ? [] : [
      element("p", "direction", Contamap.t("direction_to", { direction: Contamap.direction(zone.bearing_deg) }))]),
    element("p", "", `${risk(zone.risk_level)} · ${Contamap.t("zone", { code: zone.code })} (${zone.hazard_class})`),
  );
  return box;
};

const countsTable = (counts) => {
  const table = element("table", "near-counts");
  const radii = Object.keys(counts);
  const head = table.createTHead().insertRow();
  head.append(element("th", "", Contamap.t("within")));
  for (const radius of radii) head.append(Object.assign(element("th", "", `${radius} km`), { scope: "col" }));
  const body = table.createTBody();
  for (const kind of ["zones", "incidents"]) {
    const row = body.insertRow();
    row.append(Object.assign(element("th", "", Contamap.t(kind)), { scope: "row" }));
    for (const radius of radii) row.insertCell().textContent = String(counts[radius][kind]);
  }
  return table;
};

const nearestList = (title, items, text) => {
  if (!items.length) return [];
  const list = element("ul", "near-list");
  for (const item of items.slice(0, Contamap.NEAR_LISTED)) {
    list.append(element("li", "", `${text(item)} · ${distance(item.distance_km)} km`));
  }
  return [element("h3", "", title), list];
};

const districtPart = (s) => {
  if (!s) return [element("p", "note", Contamap.t("no_district"))];
  const section = Contamap.section(`${Contamap.t("district")}: ${s.name}`, Contamap.districtRows(s).slice(0, 6));
  if (Contamap.statsAvailable) {
    const open = element("button", "open-district", Contamap.t("open_district"));
    open.type = "button";
    open.addEventListener("click", () => Contamap.openDistrict(s.id, s.name));
    section.append(open);
  }
  return [section];
};

const advicePart = (words) => {
  const box = element("div", "near-advice");
  box.append(
    element("p", "warning", words.not_a_guarantee),
    element("p", "", words.schematic),
    element("h3", "", Contamap.t("what_to_do_title")),
    element("p", "", words.what_to_do),
  );
  return box;
};

const render = (answer, place, here) => {
  const body = document.getElementById("near-body");
  body.textContent = "";
  body.append(
    element("p", "note near-place", place),
    headline(answer),
    countsTable(answer.counts),
    ...nearestList(Contamap.t("nearest_zones"), answer.zones,
      (zone) => `${Contamap.t("zone", { code: zone.code })}, ${risk(zone.risk_level)}`),
    ...nearestList(Contamap.t("nearest_incidents"), answer.incidents,
      (incident) => Contamap.t("incident_on", { date: incident.occurred_on })),
    ...districtPart(answer.district),
  );
  if (here) body.append(element("h3", "", Contamap.t("at_this_point")), here);
  body.append(advicePart(answer.advice[Contamap.lang]), element("p", "note", Contamap.t("as_of", { date: answer.as_of })));
};


// Opens the sheet on a point: its name when known (else its coordinates), what the map shows
// there (a DOM node, for the phone, where a tap opens no popup). Resolves once it is drawn.
Contamap.openNear = async ([lon, lat], { name = null, here = null } = {}) => {
  const load = ++state.loads;
  state.asked = [[lon, lat], { name, here }];
  const body = document.getElementById("near-body");
  body.textContent = Contamap.t("loading");
  document.getElementById("near-panel").lang = Contamap.lang;
  Contamap.openDrawer("near-panel");
  if (state.marker) state.marker.remove();
  const place = name ? `${name} · ${Contamap.coordinates([lon, lat])}` : Contamap.coordinates([lon, lat]);
  const pin = element("div", "near-marker");
  pin.setAttribute("role", "img");
  pin.setAttribute("aria-label", place);
  state.marker = new maplibregl.Marker({ element: pin }).setLngLat([lon, lat]).addTo(Contamap.map);
  try {
    const params = new URLSearchParams({ lon: String(lon), lat: String(lat), within_km: String(Contamap.NEAR_KM), as_of: Contamap.asOf });
    const answer = await Contamap.getJSON(`/stats/near?${params}`);
    if (load !== state.loads) return false;
    Contamap.nearAnswer = answer;
    render(answer, place, here);
    return true;
  } catch (error) {
    if (load === state.loads) body.textContent = Contamap.t("near_failed", { error: error.message });
    return false;
  }
};

Contamap.asOfListeners.push(Contamap.debounce(() => {
  if (state.asked && Contamap.isOpen("near-panel")) Contamap.openNear(...state.asked);
}, 600));

Contamap.drawerClosers["near-panel"] = () => {
  state.loads += 1; // an answer still on its way is dropped
  if (state.marker) state.marker.remove();
  state.marker = null;
};

// A click on the map. On a phone the sheet answers at once, with what the map shows there (no
// popup); on a wider screen the popup asks "What is near here?", and where no popup applies
// (outside the districts) the panel answers at once.
Contamap.clickNear = (map, event) => {
  const { lng, lat } = event.lngLat;
  if (Contamap.PHONE.matches) {
    Contamap.setPanelOpen(false);
    Contamap.openNear([lng, lat], { here: Contamap.popupContent(map, event.point, false) })
      .then(() => Contamap.showPlace({ lon: lng, lat }));
    return;
  }
  const content = Contamap.popupContent(map, event.point);
  if (!content) {
    Contamap.openNear([lng, lat]);
    return;
  }
  const ask = element("button", "what-is-near", Contamap.t("what_is_near"));
  ask.type = "button";
  content.prepend(ask);
  const popup = new maplibregl.Popup({ maxWidth: "340px" }).setLngLat(event.lngLat).setDOMContent(content).addTo(map);
  ask.addEventListener("click", () => {
    popup.remove();
    Contamap.openNear([lng, lat]);
  });
};
