// The web map: reads the public API only (TileJSON, vector tiles, statistics).
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
  legend.append(legendRow({ background: Contamap.RELEASED_COLOUR, opacity: 0.7 }, "released (cleared, reduced, cancelled)"));
  title("Other layers");
  legend.append(legendRow({ borderTop: "3px dashed #1b1b1b", height: "0" }, "former line of contact (1994–2020)"));
  legend.append(legendRow({ background: "#8e44ad", borderRadius: "50%" }, "incident, sized by killed + injured"));
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

const showLabels = (map) => {
  const seen = new Set();
  return () => {
    for (const feature of map.querySourceFeatures("contamap", { sourceLayer: "districts" })) {
      const p = feature.properties;
      if (seen.has(feature.id) || p.label_lon === undefined) continue;
      seen.add(feature.id);
      const element = document.createElement("div");
      element.className = `district-label ${p.kind}`;
      element.textContent = p.name;
      if (p.name_az && p.name_az !== p.name) {
        const az = document.createElement("small");
        az.textContent = p.name_az;
        element.append(az);
      }
      new maplibregl.Marker({ element }).setLngLat([p.label_lon, p.label_lat]).addTo(map);
    }
  };
};

const zoomClasses = (map) => () => {
  const container = map.getContainer();
  container.classList.toggle("zoom-districts", map.getZoom() >= 6.5);
  container.classList.toggle("zoom-cities", map.getZoom() >= 9);
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
};

const wireControls = (map) => {
  for (const box of document.querySelectorAll("input[data-layers]")) {
    box.addEventListener("change", () => {
      for (const layer of box.dataset.layers.split(",")) {
        map.setLayoutProperty(layer, "visibility", box.checked ? "visible" : "none");
      }
    });
  }
  document.querySelector("input[data-labels]").addEventListener("change", (event) => {
    map.getContainer().classList.toggle("labels-off", !event.target.checked);
  });
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
  const [tilejson, openapi] = await Promise.all([
    fetch(`${Contamap.BASE}/tiles/WebMercatorQuad/tilejson.json`).then((r) => r.json()),
    fetch(`${Contamap.BASE}/openapi.json`).then((r) => (r.ok ? r.json() : { paths: {} })),
  ]);
  // Asking the API description first spares the console a 404 when statistics are absent.
  Contamap.statsAvailable = "/stats/districts" in (openapi.paths || {});
  Contamap.asOf = today;
  const [west, south, east, north] = tilejson.bounds;
  const map = new maplibregl.Map({
    container: "map",
    style: Contamap.style(today),
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
  const labels = showLabels(map);
  const zoom = zoomClasses(map);
  map.on("zoomend", zoom);
  map.on("sourcedata", (event) => { if (event.sourceId === "contamap" && event.isSourceLoaded) labels(); });
  map.on("click", (event) => {
    const content = Contamap.popupContent(map, event.point);
    if (content) new maplibregl.Popup({ maxWidth: "340px" }).setLngLat(event.lngLat).setDOMContent(content).addTo(map);
  });
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
