// Draw each budget's available, committed and paid money as stacked bars with Apache
// ECharts, from the JSON the page carries in <script type="application/json" id="funds-data">
// (no inline script). The table under the chart gives the same numbers.
(function () {
  "use strict";
  const source = document.getElementById("funds-data");
  const element = document.getElementById("funds-chart");
  if (!source || !element || !window.echarts) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(element, null, { renderer: "svg" });
  const bar = (name, values, color) => ({
    name: name, type: "bar", stack: "budget", data: values, itemStyle: { color: color }, barMaxWidth: 28,
  });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value" },
    yAxis: { type: "category", data: data.categories },
    series: [
      bar(data.labels.paid, data.paid, "#1d4ed8"),
      bar(data.labels.committed, data.committed, "#b45309"),
      bar(data.labels.available, data.available, "#15803d"),
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
