// The district panel: a district's figures on the as-of date (/stats/districts/{id}) and a
// chart of its years since the ceasefire (/stats/timeseries), drawn with Chart.js on a canvas
// (loaded with the first chart).
"use strict";

window.Contamap = window.Contamap || {};

Contamap.CHART_FROM = 2020; // the year of the ceasefire
Contamap.districtChart = null; // the Chart.js instance, for the browser test

// The figures of a district's statistics row, named in the catalogue's language; absent ones
// are left out of the table.
Contamap.districtRows = (s) => [
  ["area", Contamap.km2(s.area_km2, 0)],
  ["contaminated", Contamap.km2(s.contaminated_km2)],
  ["share", Contamap.percent(s.contaminated_share)],
  ["released", Contamap.km2(s.released_km2)],
  ["incidents", Contamap.count(s.incidents)],
  ["killed", Contamap.count(s.killed)],
  ["injured", Contamap.count(s.injured)],
  ["settlements_near", Contamap.count(s.settlements_near_contamination)],
  ["population_near", Contamap.count(s.population_near_contamination)],
].map(([key, value]) => [Contamap.t(key), value]);

// Chart.js, loaded the first time a district's years are drawn: most visits never need it.
let chartLibrary = null;
const loadChartLibrary = () => {
  chartLibrary ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = `${Contamap.BASE}/static/vendor/chart.umd.js`;
    script.addEventListener("load", resolve);
    script.addEventListener("error", () => {
      chartLibrary = null;
      reject(new Error("Chart.js did not load"));
    });
    document.head.append(script);
  });
  return chartLibrary;
};

const district = { id: null, loads: 0 };

const loadFigures = async () => {
  const { id } = district;
  const load = ++district.loads;
  const figures = document.getElementById("district-figures");
  try {
    const s = await Contamap.getJSON(`/stats/districts/${id}?as_of=${Contamap.asOf}`);
    if (load !== district.loads) return;
    figures.textContent = "";
    figures.append(Contamap.section(Contamap.t("as_of", { date: s.as_of || Contamap.asOf }), Contamap.districtRows(s)));
  } catch (error) {
    if (load === district.loads) figures.textContent = Contamap.t("no_figures", { error: error.message });
  }
};

const drawChart = (years) => {
  if (Contamap.districtChart) Contamap.districtChart.destroy();
  const series = (field) => years.map((year) => year[field]);
  Contamap.districtChart = new Chart(document.getElementById("district-chart"), {
    data: {
      labels: years.map((year) => String(year.year)),
      datasets: [
        { type: "bar", label: Contamap.t("chart_contaminated"), data: series("contaminated_km2"),
          backgroundColor: Contamap.RISK_COLOURS.high, yAxisID: "km2" },
        { type: "bar", label: Contamap.t("chart_released"), data: series("released_km2"),
          backgroundColor: Contamap.RELEASED_COLOUR, yAxisID: "km2" },
        { type: "line", label: Contamap.t("incidents"), data: series("incidents"), borderColor: Contamap.INCIDENT_COLOUR,
          backgroundColor: Contamap.INCIDENT_COLOUR, yAxisID: "incidents" },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        km2: { position: "left", beginAtZero: true, title: { display: true, text: "km²" } },
        incidents: {
          position: "right", beginAtZero: true, ticks: { precision: 0 },
          grid: { drawOnChartArea: false }, title: { display: true, text: Contamap.t("incidents") },
        },
      },
      plugins: {
        legend: { labels: { boxWidth: 12, font: { size: 11 } } },
        tooltip: {
          callbacks: {
            afterLabel: (item) => (item.dataset.yAxisID === "incidents"
              ? Contamap.t("chart_casualties", years[item.dataIndex]) : ""),
          },
        },
      },
    },
  });
};

const loadYears = async () => {
  const { id } = district;
  const status = document.getElementById("district-chart-status");
  status.textContent = Contamap.t("loading_years");
  try {
    const [body] = await Promise.all([
      Contamap.getJSON(`/stats/timeseries?district=${id}&from=${Contamap.CHART_FROM}`), loadChartLibrary(),
    ]);
    if (id !== district.id) return;
    status.textContent = "";
    drawChart(body.years || []);
  } catch (error) {
    if (id === district.id) status.textContent = Contamap.t("no_years", { error: error.message });
  }
};

Contamap.openDistrict = (id, title) => {
  district.id = id;
  document.getElementById("district-title").textContent = title;
  document.getElementById("district-figures").textContent = Contamap.t("loading_figures");
  Contamap.openDrawer("district-panel");
  loadFigures();
  loadYears();
};

Contamap.drawerClosers["district-panel"] = () => {
  district.id = null;
  if (Contamap.districtChart) Contamap.districtChart.destroy();
  Contamap.districtChart = null;
};

Contamap.asOfListeners.push(Contamap.debounce(() => {
  if (district.id !== null && Contamap.isOpen("district-panel")) loadFigures();
}, 400));

Contamap.languageListeners.push(() => {
  if (district.id !== null && Contamap.isOpen("district-panel")) {
    loadFigures();
    loadYears();
  }
});
