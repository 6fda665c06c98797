// The map style: neighbouring countries, the districts as the base, then zones, the former
// line, priority zones, settlements and incidents.
"use strict";

window.Contamap = window.Contamap || {};
// The service's public root (it may sit behind a proxy under a prefix), set by the page.
Contamap.BASE = window.CONTAMAP_BASE || "";

Contamap.SHARE_STOPS = [
  [0, "#fff7ec"], [0.05, "#fdd49e"], [0.2, "#fc8d59"], [0.5, "#d7301f"], [0.9, "#7f0000"],
];
Contamap.RISK_COLOURS = { high: "#c0392b", medium: "#e67e22", low: "#f1c40f" };
Contamap.RELEASED_COLOUR = "#27ae60";
Contamap.AREA_COLOUR = "#a93226";  // zoomed out: a district's contaminated area, zones merged
Contamap.PLAIN_DISTRICT = "#f4f1ea";
Contamap.COUNTRY_COLOUR = "#e8e4dc";
Contamap.PRIORITY_COLOUR = "#1f4e9c";
Contamap.INCIDENT_COLOUR = "#8e44ad";
// Settlement circles by population (GeoNames; unknown counts as the smallest): the radius at
// zoom 8, and the zoom from which the place is named.
Contamap.SETTLEMENT_STEPS = [
  { population: 0, radius: 2.5, labelZoom: 10.5 },
  { population: 10000, radius: 3.5, labelZoom: 9 },
  { population: 50000, radius: 5, labelZoom: 7.5 },
  { population: 200000, radius: 7, labelZoom: 6 },
];
Contamap.EMPTY = { type: "FeatureCollection", features: [] };

// A zone is released as of a day when its released_on is on or before that day.
Contamap.releasedBy = (asOf) => ["all", ["has", "released_on"], ["<=", ["get", "released_on"], asOf]];

Contamap.zoneFilter = (asOf) => ["<=", ["get", "recorded_on"], asOf];

Contamap.zoneColour = (asOf) => [
  "case",
  Contamap.releasedBy(asOf), Contamap.RELEASED_COLOUR,
  ["match", ["get", "risk_level"],
    "high", Contamap.RISK_COLOURS.high,
    "medium", Contamap.RISK_COLOURS.medium,
    Contamap.RISK_COLOURS.low],
];

Contamap.shareColour = () => {
  const stops = Contamap.SHARE_STOPS.flat();
  return [
    "case",
    ["<", ["coalesce", ["feature-state", "share"], -1], 0], Contamap.PLAIN_DISTRICT,
    ["interpolate", ["linear"], ["feature-state", "share"], ...stops],
  ];
};

// The steps scaled for a zoom: smaller when the whole country shows, larger in close-up.
Contamap.settlementRadius = (scale) => {
  const [first, ...rest] = Contamap.SETTLEMENT_STEPS;
  return [
    "step", ["coalesce", ["get", "population"], 0], first.radius * scale,
    ...rest.flatMap((step) => [step.population, step.radius * scale]),
  ];
};

Contamap.style = (asOf, countries) => ({
  version: 8,
  sources: {
    contamap: { type: "vector", url: `${Contamap.BASE}/tiles/WebMercatorQuad/tilejson.json` },
    countries: { type: "geojson", data: countries },
    priorities: { type: "geojson", data: Contamap.EMPTY, promoteId: "zone_id" },
  },
  layers: [
    { id: "background", type: "background", paint: { "background-color": "#dfe9f0" } },
    {
      id: "countries-fill", type: "fill", source: "countries",
      paint: { "fill-color": Contamap.COUNTRY_COLOUR },
    },
    {
      id: "countries-outline", type: "line", source: "countries",
      paint: { "line-color": "#a09a90", "line-width": 0.8 },
    },
    {
      id: "districts-base", type: "fill", source: "contamap", "source-layer": "districts",
      paint: { "fill-color": Contamap.PLAIN_DISTRICT },
    },
    {
      id: "districts-share", type: "fill", source: "contamap", "source-layer": "districts",
      paint: { "fill-color": Contamap.shareColour(), "fill-opacity": 0.85 },
    },
    {
      id: "areas-fill", type: "fill", source: "contamap", "source-layer": "contaminated_areas",
      paint: { "fill-color": Contamap.AREA_COLOUR, "fill-opacity": 0.6 },
    },
    {
      id: "zones-fill", type: "fill", source: "contamap", "source-layer": "contaminated_zones",
      filter: Contamap.zoneFilter(asOf),
      paint: {
        "fill-color": Contamap.zoneColour(asOf),
        "fill-opacity": ["match", ["get", "status"], "in_progress", 0.4, 0.6],
      },
    },
    {
      id: "zones-outline", type: "line", source: "contamap", "source-layer": "contaminated_zones",
      filter: ["all", Contamap.zoneFilter(asOf), ["==", ["get", "status"], "in_progress"]],
      paint: { "line-color": "#6c3483", "line-width": 1.2, "line-dasharray": [2, 2] },
    },
    {
      id: "districts-outline", type: "line", source: "contamap", "source-layer": "districts",
      paint: { "line-color": "#555", "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.5, 10, 1.5] },
    },
    {
      id: "line-of-contact", type: "line", source: "contamap", "source-layer": "line_of_contact",
      paint: { "line-color": "#1b1b1b", "line-width": 2.5, "line-dasharray": [3, 1.5] },
    },
    {
      id: "priorities-outline", type: "line", source: "priorities",
      paint: {
        "line-color": Contamap.PRIORITY_COLOUR,
        "line-width": ["case", ["boolean", ["feature-state", "selected"], false], 5, 2.5],
      },
    },
    {
      id: "settlements", type: "circle", source: "contamap", "source-layer": "settlements",
      paint: {
        "circle-color": "#fff",
        "circle-stroke-color": "#34495e",
        "circle-stroke-width": 1.2,
        "circle-radius": [
          "interpolate", ["linear"], ["zoom"],
          5, Contamap.settlementRadius(0.5), 8, Contamap.settlementRadius(1), 12, Contamap.settlementRadius(1.6),
        ],
      },
    },
    {
      // Zoomed out: the incidents gathered on a grid (all dates), sized by their number.
      id: "incident-clusters", type: "circle", source: "contamap", "source-layer": "incident_clusters",
      paint: {
        "circle-color": Contamap.INCIDENT_COLOUR,
        "circle-opacity": 0.7,
        "circle-radius": ["interpolate", ["linear"], ["get", "incidents"], 1, 3, 10, 6, 100, 10, 1000, 16],
      },
    },
    {
      id: "incidents", type: "circle", source: "contamap", "source-layer": "incidents",
      filter: ["<=", ["get", "occurred_on"], asOf],
      paint: {
        "circle-color": Contamap.INCIDENT_COLOUR,
        "circle-stroke-color": "#fff",
        "circle-stroke-width": 1.5,
        "circle-radius": ["interpolate", ["linear"], ["get", "casualties"], 0, 4, 1, 6, 5, 11, 20, 18],
      },
    },
  ],
});
