// Draw the talent pool's size per quarter against the year's goal with Apache ECharts, from
// the JSON the page carries in <script type="application/json" id="talent-data"> (no inline
// script). The table under the chart gives the same numbers for screen readers and keyboards.
(function () {
  "use strict";
  const source = document.getElementById("talent-data");
  const element = document.getElementById("talent-chart");
  if (!source || !element || !window.echarts) {
    return;
  }
  const data = JSON.parse(source.textContent);
  const chart = window.echarts.init(element, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.categories },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.count, type: "bar", data: data.counts, itemStyle: { color: "#1d4ed8" }, barMaxWidth: 24 },
      { name: data.labels.goal, type: "line", step: "end", data: data.goals, connectNulls: false, itemStyle: { color: "#b45309" } },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();
