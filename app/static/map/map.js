// The web map: reads the public API only (TileJSON, vector tiles, countries, statistics).
"use strict";

const FIRST_DAY = "2020-11-10"; // the ceasefire that ended the occupation of the zone
const today = new Date().toISOString().slice(0, 10);

// Month starts from the ceasefire to today, and today itself, as the replay's steps.
const replayDays = () => {
  const days = [FIRST_DAY];
  const day = new Date(`${FIRST_DAY.slice(0, 7)}-01T00:00:00Z`);
  for (;;) {
    day.setUTCMonth(day.getUTCMonth() + 1);
    const iso = day.toISOString().slice(0, 10);
    if (iso >= today) break;
    days.push(iso);
  }
  days.push(today);
  return days;
};

const legendRow = (swatch, text) => {
  const row = document.createElement("div");
  row.className = "legend-row";
  const box = document.createElement("span");
  box.className = "swatch";
  Object.assign(box.style, swatch);
  const label = document.createElement("span");
  label.textContent = text;
  row.append(box, label);
  return row;
};

const drawLegend = () => {
  const legend = document.getElementById("legend");
  legend.textContent = "";
  const title = (text) => { const h = document.createElement("h2"); h.textContent = text; legend.append(h); };
  title("Contaminated share of district");
  if (Contamap.statsAvailable) {
    for (const [share, colour] of Contamap.SHARE_STOPS) {
      legend.append(legendRow({ background: colour }, `≥ ${Math.round(share * 100)} %`));
    }
  } else {
    legend.append(legendRow({ background: Contamap.PLAIN_DISTRICT }, "statistics unavailable: plain colours"));
  }
  title("Contaminated zones");
  for (const [risk, colour] of Object.entries(Contamap.RISK_COLOURS)) {
    legend.append(legendRow({ background: colour, opacity: 0.7 }, `${risk} risk`));
  }
  legend.append(legendRow({ border: "2px dashed #6c3483" }, "clearance in progress"));
  if (Contamap.wholeZonesZoom) {
    legend.append(legendRow({ background: Contamap.AREA_COLOUR, opacity: 0.7 },
      `below zoom ${Contamap.wholeZonesZoom}: contamination today, zones merged per district`));
  }
  legend.append(legendRow({ background: Contamap.RELEASED_COLOUR, opacity: 0.7 }, "released (cleared, reduced, cancelled)"));
  title("Settlements (GeoNames), by population");
  const steps = Contamap.SETTLEMENT_STEPS;
  steps.forEach((step, i) => {
    const size = `${2 * step.radius}px`;
    const next = steps[i + 1] && Contamap.count(steps[i + 1].population);
    const text = i === 0 ? `under ${next}, or unknown` : next ? `${Contamap.count(step.population)} to ${next}` : `${Contamap.count(step.population)} and more`;
    legend.append(legendRow({ width: size, height: size, border: "1.2px solid #34495e", borderRadius: "50%" }, text));
  });
  title("Other layers");
  legend.append(legendRow({ borderTop: "3px dashed #1b1b1b", height: "0" }, "former line of contact (1994–2020)"));
  legend.append(legendRow({ background: Contamap.INCIDENT_COLOUR, borderRadius: "50%" }, "incident, sized by killed + injured"));
  if (Contamap.wholeIncidentsZoom) {
    legend.append(legendRow({ background: Contamap.INCIDENT_COLOUR, opacity: 0.7, borderRadius: "50%" },
      `below zoom ${Contamap.wholeIncidentsZoom}: incidents gathered, sized by their number`));
  }
  legend.append(legendRow({ border: `2.5px solid ${Contamap.PRIORITY_COLOUR}` }, "priority zone (Priorities panel)"));
  legend.append(legendRow({ background: Contamap.COUNTRY_COLOUR, border: "1px solid #a09a90" }, "neighbouring country"));
};

const loadShares = async (map) => {
  if (!Contamap.statsAvailable) return;
  const response = await fetch(`${Contamap.BASE}/stats/districts?f=json&as_of=${Contamap.asOf}`);
  if (!response.ok) return;
  const body = await response.json();
  for (const district of body.districts || []) {
    const share = Number(district.contaminated_share);
    map.setFeatureState(
      { source: "contamap", sourceLayer: "districts", id: district.id },
      { share: Number.isFinite(share) ? share : null },
    );
  }
};

const setAsOf = (map, asOf) => {
  Contamap.asOf = asOf;
  document.getElementById("as-of-label").textContent = asOf;
  map.setFilter("zones-fill", Contamap.zoneFilter(asOf));
  map.setFilter("zones-outline", ["all", Contamap.zoneFilter(asOf), ["==", ["get", "status"], "in_progress"]]);
  map.setPaintProperty("zones-fill", "fill-color", Contamap.zoneColour(asOf));
  map.setFilter("incidents", ["<=", ["get", "occurred_on"], asOf]);
  clearTimeout(Contamap.sharesTimer);
  Contamap.sharesTimer = setTimeout(() => loadShares(map), 150);
  for (const listener of Contamap.asOfListeners) listener(asOf);
};

const wireControls = (map) => {
  // A box switches its map layers, and its names through a class on the map (data-off-class).
  for (const box of document.querySelectorAll("input[data-layers], input[data-off-class]")) {
    box.addEventListener("change", () => {
      for (const layer of (box.dataset.layers || "").split(",").filter(Boolean)) {
        map.setLayoutProperty(layer, "visibility", box.checked ? "visible" : "none");
      }
      if (box.dataset.offClass) map.getContainer().classList.toggle(box.dataset.offClass, !box.checked);
    });
  }
  const priorities = document.getElementById("open-priorities");
  priorities.hidden = !Contamap.paths.has("/stats/priorities");
  priorities.addEventListener("click", Contamap.openPriorities);
  Contamap.wireDrawers();
  const days = replayDays();
  const slider = document.getElementById("as-of");
  slider.max = String(days.length - 1);
  slider.value = slider.max;
  slider.addEventListener("input", () => setAsOf(map, days[Number(slider.value)]));
  const play = document.getElementById("play");
  play.addEventListener("click", () => {
    if (Contamap.playing) {
      clearInterval(Contamap.playing);
      Contamap.playing = null;
      return;
    }
    slider.value = "0";
    setAsOf(map, days[0]);
    Contamap.playing = setInterval(() => {
      if (Number(slider.value) >= days.length - 1) {
        clearInterval(Contamap.playing);
        Contamap.playing = null;
        return;
      }
      slider.value = String(Number(slider.value) + 1);
      setAsOf(map, days[Number(slider.value)]);
    }, 500);
  });
};

const start = async () => {
  const [tilejson, openapi, countries] = await Promise.all([
    fetch(`${Contamap.BASE}/tiles/WebMercatorQuad/tilejson.json`).then((r) => r.json()),
    fetch(`${Contamap.BASE}/openapi.json`).then((r) => (r.ok ? r.json() : { paths: {} })),
    fetch(`${Contamap.BASE}/map/countries.geojson`).then((r) => r.json()),
    Contamap.loadMessages(),
  ]);
  // Asking the API description first spares the console a 404 when statistics are absent.
  Contamap.paths = new Set(Object.keys(openapi.paths || {}));
  Contamap.statsAvailable = Contamap.paths.has("/stats/districts");
  Contamap.asOf = today;
  const [west, south, east, north] = tilejson.bounds;
  // The zooms from which the zones and incidents are drawn whole, as the TileJSON says.
  const wholeFrom = (id) => tilejson.vector_layers.find((layer) => layer.id === id)?.minzoom;
  Contamap.wholeZonesZoom = wholeFrom("contaminated_zones");
  Contamap.wholeIncidentsZoom = wholeFrom("incidents");
  const map = new maplibregl.Map({
    container: "map",
    style: Contamap.style(today, countries),
    bounds: [[west, south], [east, north]],
    fitBoundsOptions: { padding: 20 },
    attributionControl: { customAttribution: tilejson.attribution },
  });
  Contamap.map = map;
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  drawLegend();
  wireControls(map);
  document.getElementById("as-of-label").textContent = today;
  const districtLabels = Contamap.tileLabels(map, "districts", Contamap.districtLabel);
  const settlementLabels = Contamap.tileLabels(map, "settlements", Contamap.settlementLabel);
  const labels = () => { districtLabels(); settlementLabels(); };
  const zoom = Contamap.zoomLabels(map);
  map.on("zoomend", zoom);
  map.on("sourcedata", (event) => { if (event.sourceId === "contamap" && event.isSourceLoaded) labels(); });
  Contamap.countryLabels(map, countries);
  map.on("click", (event) => Contamap.clickNear(map, event));
  map.on("mousemove", (event) => {
    const hits = map.queryRenderedFeatures(event.point, { layers: ["districts-base"] });
    map.getCanvas().style.cursor = hits.length ? "pointer" : "";
  });
  map.once("load", () => {
    zoom();
    loadShares(map);
    map.once("idle", () => { labels(); Contamap.ready = true; });
  });
};

start();
