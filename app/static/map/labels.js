// Names on the map: HTML markers, since MapLibre needs glyph files to write text and none are
// served. Districts and settlements come from the tiles, countries from their GeoJSON.
"use strict";

window.Contamap = window.Contamap || {};

Contamap.HOME_COUNTRY = "031"; // Azerbaijan (ISO 3166 numeric): its districts carry the names
Contamap.COUNTRY_LABELS_BELOW = 8.5; // zoom
Contamap.settlementLabels = []; // elements shown from their data-min-zoom on

// A name, and below it the other name when given and different: the Azerbaijani one first on
// a map in Azerbaijani. Hidden from screen readers, to whom hundreds of names out of their
// places would be noise (the search box is their way to a place); MapLibre would otherwise
// call each a button named "Map marker".
const fillName = (element, name, nameAz) => {
  const [first, second] = Contamap.lang === "az" && nameAz ? [nameAz, name] : [name, nameAz];
  element.textContent = first;
  if (second && second !== first) {
    const other = document.createElement("small");
    other.textContent = second;
    element.append(other);
  }
};

const named = []; // [element, name, nameAz]: the labels to write again when the language changes

const nameElement = (className, name, nameAz) => {
  const element = document.createElement("div");
  element.className = className;
  element.setAttribute("aria-hidden", "true");
  element.translate = false; // proper names
  fillName(element, name, nameAz);
  if (nameAz) named.push([element, name, nameAz]);
  return element;
};

Contamap.languageListeners.push(() => {
  for (const [element, name, nameAz] of named) fillName(element, name, nameAz);
});

// A handler that adds a marker for each feature of a tile layer once its tiles have loaded.
Contamap.tileLabels = (map, sourceLayer, marker) => {
  const seen = new Set();
  return () => {
    for (const feature of map.querySourceFeatures("contamap", { sourceLayer })) {
      if (seen.has(feature.id)) continue;
      const made = marker(feature);
      if (!made) continue;
      seen.add(feature.id);
      made.addTo(map);
    }
  };
};

Contamap.districtLabel = (feature) => {
  const p = feature.properties;
  if (p.label_lon === undefined) return null;
  const element = nameElement(`district-label ${p.kind}`, p.name, p.name_az);
  return new maplibregl.Marker({ element }).setLngLat([p.label_lon, p.label_lat]);
};

// The step of the settlement's population (unknown counts as the smallest).
Contamap.settlementStep = (population) => {
  const steps = Contamap.SETTLEMENT_STEPS;
  return steps.findLast((step) => (population || 0) >= step.population) || steps[0];
};

Contamap.settlementLabel = (feature) => {
  const p = feature.properties;
  if (feature.geometry.type !== "Point") return null;
  const element = nameElement("settlement-label", p.name);
  element.dataset.minZoom = String(Contamap.settlementStep(p.population).labelZoom);
  element.classList.toggle("hidden", Contamap.map.getZoom() < Number(element.dataset.minZoom));
  Contamap.settlementLabels.push(element);
  return new maplibregl.Marker({ element, anchor: "left", offset: [7, 0] })
    .setLngLat(feature.geometry.coordinates);
};

// Which names show at the map's zoom.
Contamap.zoomLabels = (map) => () => {
  const zoom = map.getZoom();
  const container = map.getContainer();
  container.classList.toggle("zoom-countries", zoom < Contamap.COUNTRY_LABELS_BELOW);
  container.classList.toggle("zoom-districts", zoom >= 6.5);
  container.classList.toggle("zoom-cities", zoom >= 9);
  for (const element of Contamap.settlementLabels) {
    element.classList.toggle("hidden", zoom < Number(element.dataset.minZoom));
  }
};

const ringArea = (ring) => Math.abs(ring.reduce((sum, [x, y], i) => {
  const [nextX, nextY] = ring[(i + 1) % ring.length];
  return sum + x * nextY - nextX * y;
}, 0)) / 2;

const inRing = (ring, [x, y]) => {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};

// A point inside the largest polygon: the centre of its bounding box when inside, else the
// inside point nearest to it on a grid over the box (a clipped country can be any shape).
Contamap.labelPoint = (geometry) => {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const rings = polygons.reduce((a, b) => (ringArea(b[0]) > ringArea(a[0]) ? b : a));
  const xs = rings[0].map(([x]) => x);
  const ys = rings[0].map(([, y]) => y);
  const [west, east, south, north] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const centre = [(west + east) / 2, (south + north) / 2];
  const candidates = [centre];
  for (let i = 1; i < 16; i++) {
    for (let j = 1; j < 16; j++) candidates.push([west + ((east - west) * i) / 16, south + ((north - south) * j) / 16]);
  }
  const inside = (point) => inRing(rings[0], point) && !rings.slice(1).some((hole) => inRing(hole, point));
  const distance = ([x, y]) => Math.hypot(x - centre[0], y - centre[1]);
  return candidates.filter(inside).sort((a, b) => distance(a) - distance(b))[0] || null;
};

Contamap.countryLabels = (map, countries) => {
  for (const feature of countries.features) {
    if (feature.properties.iso_n3 === Contamap.HOME_COUNTRY || !feature.geometry) continue;
    const point = Contamap.labelPoint(feature.geometry);
    if (!point) continue;
    const element = nameElement("country-label", countryName(feature));
    element.dataset.country = feature.properties.iso_n3;
    new maplibregl.Marker({ element }).setLngLat(point).addTo(map);
  }
};

// A neighbouring country's name in the map's language (Natural Earth's English name else).
const countryName = (feature) => {
  const key = `country_${feature.properties.iso_n3}`;
  return key in Contamap.messages ? Contamap.t(key) : feature.properties.name;
};

Contamap.relabelCountries = () => {
  for (const element of document.querySelectorAll(".country-label[data-country]")) {
    const key = `country_${element.dataset.country}`;
    if (key in Contamap.messages) element.textContent = Contamap.t(key);
  }
};
