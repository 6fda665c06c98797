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
  const { t } = Contamap;
  const legend = document.getElementById("legend");
  legend.textContent = "";
  const title = (text) => { const h = document.createElement("h2"); h.textContent = text; legend.append(h); };
  title(t("legend_share"));
  if (Contamap.statsAvailable) {
    for (const [share, colour] of Contamap.SHARE_STOPS) {
      legend.append(legendRow({ background: colour }, `≥ ${Math.round(share * 100)} %`));
    }
  } else {
    legend.append(legendRow({ background: Contamap.PLAIN_DISTRICT }, t("legend_no_stats")));
  }
  title(t("layer_contaminated_zones"));
  for (const [risk, colour] of Object.entries(Contamap.RISK_COLOURS)) {
    legend.append(legendRow({ background: colour, opacity: 0.7 }, t(`risk_${risk}`)));
  }
  legend.append(legendRow({ border: "2px dashed #6c3483" }, t("status_in_progress")));
  if (Contamap.wholeZonesZoom) {
    legend.append(legendRow({ background: Contamap.AREA_COLOUR, opacity: 0.7 },
      t("legend_areas", { zoom: Contamap.wholeZonesZoom })));
  }
  legend.append(legendRow({ background: Contamap.RELEASED_COLOUR, opacity: 0.7 }, t("legend_released")));
  title(t("legend_settlements"));
  const steps = Contamap.SETTLEMENT_STEPS;
  steps.forEach((step, i) => {
    const size = `${2 * step.radius}px`;
    const next = steps[i + 1] && Contamap.count(steps[i + 1].population);
    const from = Contamap.count(step.population);
    const text = i === 0 ? t("legend_under", { n: next }) : next ? t("legend_range", { from, to: next }) : t("legend_more", { n: from });
    legend.append(legendRow({ width: size, height: size, border: "1.2px solid #34495e", borderRadius: "50%" }, text));
  });
  title(t("legend_other"));
  legend.append(legendRow({ borderTop: "3px dashed #1b1b1b", height: "0" }, t("legend_line")));
  legend.append(legendRow({ background: Contamap.INCIDENT_COLOUR, borderRadius: "50%" }, t("legend_incident")));
  if (Contamap.wholeIncidentsZoom) {
    legend.append(legendRow({ background: Contamap.INCIDENT_COLOUR, opacity: 0.7, borderRadius: "50%" },
      t("legend_incident_clusters", { zoom: Contamap.wholeIncidentsZoom })));
  }
  legend.append(legendRow({ border: `2.5px solid ${Contamap.PRIORITY_COLOUR}` }, t("legend_priority")));
  legend.append(legendRow({ background: Contamap.COUNTRY_COLOUR, border: "1px solid #a09a90" }, t("legend_country")));
};

// MapLibre's buttons named again after the language changed (its locale is read once).
const renameControls = () => {
  const names = Contamap.mapLocale();
  for (const [selector, key] of [
    [".maplibregl-ctrl-zoom-in", "NavigationControl.ZoomIn"],
    [".maplibregl-ctrl-zoom-out", "NavigationControl.ZoomOut"],
    [".maplibregl-ctrl-compass", "NavigationControl.ResetBearing"],
  ]) {
    for (const button of document.querySelectorAll(selector)) {
      button.title = names[key];
      button.setAttribute("aria-label", names[key]);
    }
  }
};

// The credits come from the TileJSON in English; its one phrase of words (not a name) is
// written in the map's language whenever MapLibre writes the credits again.
const creditWords = () => {
  const box = document.querySelector(".maplibregl-ctrl-attrib-inner");
  if (!box) return;
  const now = Contamap.t("attribution_schematic");
  const phrases = Object.values(Contamap.catalogue).map((words) => words.attribution_schematic).filter(Boolean);
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const phrase of phrases) {
      if (phrase !== now && node.data.includes(phrase)) node.data = node.data.replace(phrase, now);
    }
  }
};

const watchCredits = () => {
  const box = document.querySelector(".maplibregl-ctrl-attrib-inner");
  if (box) new MutationObserver(creditWords).observe(box, { childList: true, subtree: true });
  creditWords();
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
    // The credits come from the TileJSON (the tiles' source); never folded behind a button,
    // so a phone's first screen, and every one after a drag, names GeoNames and Natural Earth.
    attributionControl: { compact: false },
    locale: Contamap.mapLocale(),
  });
  Contamap.map = map;
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  watchCredits();
  drawLegend();
  Contamap.languageListeners.push(() => {
    drawLegend();
    renameControls();
    creditWords();
    Contamap.relabelCountries();
    for (const listener of Contamap.asOfListeners) listener(Contamap.asOf); // the open drawers
  });
  wireControls(map);
  document.getElementById("as-of-label").textContent = today;
  const districtLabels = Contamap.tileLabels(map, "districts", Contamap.districtLabel);
  const settlementLabels = Contamap.tileLabels(map, "settlements", Contamap.settlementLabel);
  const labels = () => { districtLabels(); settlementLabels(); };
  const zoom = Contamap.zoomLabels(map);
  map.on("zoomend", zoom);
  map.on("sourcedata", (event) => { if (event.sourceId === "contamap" && event.isSourceLoaded) labels(); });
  Contamap.countryLabels(map, countries);
  // Edit mode (edit.js, ?edit=1): it takes the clicks that pick or draw features.
  map.on("click", (event) => (Contamap.editing && Contamap.editClick(event))
    || Contamap.pickReportPoint(event) || Contamap.clickNear(map, event));
  map.on("mousemove", (event) => {
    const hits = map.queryRenderedFeatures(event.point, { layers: ["districts-base"] });
    map.getCanvas().style.cursor = hits.length ? "pointer" : "";
  });
  map.once("load", () => {
    zoom();
    loadShares(map);
    map.once("idle", () => { labels(); Contamap.ready = true; });
    if (Contamap.editing) Contamap.startEdit(map); // edit.js, with ?edit=1
  });
};

start();
