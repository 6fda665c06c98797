// The chart of a district's HTML page: contaminated and released km² and incidents by year,
// from /stats/timeseries, drawn with Chart.js (installed from npm, served by the service).
window.addEventListener("DOMContentLoaded", async () => {
  const canvas = document.getElementById("district-years");
  const response = await fetch(canvas.dataset.timeseries, { headers: { Accept: "application/json" } });
  const { years } = await response.json();
  window.districtChart = new Chart(canvas, {
    data: {
      labels: years.map((row) => row.year),
      datasets: [
        { type: "bar", label: "Contaminated km² at year end", data: years.map((row) => row.contaminated_km2), backgroundColor: "#c0392b" },
        { type: "bar", label: "Released km² in the year", data: years.map((row) => row.released_km2), backgroundColor: "#2e8b57" },
        { type: "line", label: "Incidents", data: years.map((row) => row.incidents), yAxisID: "incidents", borderColor: "#6a1b9a" },
      ],
    },
    options: {
      scales: {
        y: { title: { display: true, text: "km²" }, beginAtZero: true },
        incidents: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false } },
      },
    },
  });
});
