// The district's HTML page: its chart (contaminated km² at year end, released km² by kind from
// the approved land-release records, incidents, by year; drawn with Chart.js, installed from
// npm and served by the service) and its operations' tables, from /stats/release and
// /stats/items.
const KINDS = { cancelled: "#7fb3d5", reduced: "#f0b27a", cleared: "#2e8b57" };

// The words, from the one message catalogue, in the page's language (the server chose it).
let messages = {};
const t = (key, values = {}) => (messages[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
const word = (vocabulary, value) => (`${vocabulary}_${value}` in messages ? t(`${vocabulary}_${value}`) : String(value).replaceAll("_", " "));

async function loadMessages() {
  const script = document.querySelector("script[src$='district-page.js']");
  const url = new URL("../i18n/messages.json", script.src);
  const catalogue = await fetch(url).then((response) => (response.ok ? response.json() : {}));
  messages = { ...catalogue.en, ...catalogue[document.documentElement.lang] };
}

async function figures(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function row(table, cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    td.append(cell instanceof Node ? cell : String(cell));
    tr.appendChild(td);
  }
  table.appendChild(tr);
}

const km2 = (value) => value.toFixed(3);

// A name from the data (an organisation's): not the page's words, never translated.
const datum = (value) => {
  const span = document.createElement("span");
  span.translate = false;
  span.textContent = value;
  return span;
};

async function fillOperations() {
  const byKind = document.getElementById("district-release-kind");
  const byOrganisation = document.getElementById("district-release-organisation");
  const items = document.getElementById("district-items");
  const [kinds, organisations, found] = await Promise.all(
    [byKind, byOrganisation, items].map((table) => figures(table.dataset.source)),
  );
  for (const group of kinds.groups) row(byKind, [word("release_kind", group.key), km2(group.released_km2), group.records]);
  row(byKind, [t("total"), km2(kinds.total_km2), ""]);
  for (const group of organisations.groups) {
    row(byOrganisation, [datum(group.key), km2(group.released_km2), ...Object.values(group.by_kind).map(km2)]);
  }
  if (!organisations.groups.length) row(byOrganisation, [t("none"), "", "", "", ""]);
  for (const group of found.groups) {
    row(items, [word("item", group.key), group.items, group.by_action.destroyed_in_situ, group.by_action.removed]);
  }
  row(items, [t("total"), found.total, "", ""]);
  const schematic = kinds.schematic || found.schematic;
  const sources = [...kinds.sources, ...found.sources].map((item) => `${item.layer}: ${item.source}`);
  // The layers' and sources' names are data (translate="no"); the words around them are not.
  const [before, after] = (messages.operations_sources || "{sources}").split("{sources}");
  const names = document.createElement("span");
  names.translate = false;
  names.textContent = sources.join("; ");
  const parts = sources.length ? [names] : [t("none")];
  if (schematic) parts.push(` ${t("operations_schematic")}`);
  document.getElementById("operations-sources").replaceChildren(before, ...parts, after ?? "");
}

async function drawChart() {
  const canvas = document.getElementById("district-years");
  const [{ years }, released] = await Promise.all([
    figures(canvas.dataset.timeseries),
    figures(canvas.dataset.releaseYears),
  ]);
  const byYear = Object.fromEntries(released.groups.map((group) => [Number(group.key), group.by_kind]));
  const labels = [...new Set([...years.map((item) => item.year), ...Object.keys(byYear).map(Number)])].sort();
  const contaminated = Object.fromEntries(years.map((item) => [item.year, item]));
  window.districtChart = new Chart(canvas, {
    data: {
      labels,
      datasets: [
        { type: "bar", label: t("chart_contaminated"), data: labels.map((year) => contaminated[year]?.contaminated_km2 ?? null), backgroundColor: "#c0392b", stack: "contaminated" },
        ...Object.entries(KINDS).map(([kind, colour]) => ({
          type: "bar",
          label: t("chart_released_kind", { kind: word("release_kind", kind) }),
          data: labels.map((year) => byYear[year]?.[kind] ?? 0),
          backgroundColor: colour,
          stack: "released",
        })),
        { type: "line", label: t("incidents"), data: labels.map((year) => contaminated[year]?.incidents ?? null), yAxisID: "incidents", borderColor: "#6a1b9a" },
      ],
    },
    options: {
      scales: {
        x: { stacked: true },
        y: { stacked: true, title: { display: true, text: "km²" }, beginAtZero: true },
        incidents: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false } },
      },
    },
  });
}

window.addEventListener("DOMContentLoaded", async () => {
  await loadMessages();
  drawChart();
  fillOperations();
});
