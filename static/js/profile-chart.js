/* A profile's "recognition by value" chart: the page's JSON drawn with the vendored Chart.js. */
(function () {
  "use strict";

  var data = document.getElementById("value-chart-data");
  var canvas = document.getElementById("value-chart");
  if (!data || !canvas || typeof window.Chart === "undefined") { return; }
  var chart = JSON.parse(data.textContent);
  var colours = ["#0b6e4f", "#1d4ed8", "#b7791f", "#b3261e", "#6b21a8", "#0e7490", "#4d7c0f", "#be185d"];
  chart.datasets.forEach(function (dataset, i) {
    dataset.backgroundColor = colours[i % colours.length];
  });
  new window.Chart(canvas, {
    type: "bar",
    data: chart,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
