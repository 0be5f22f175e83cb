// Draw the statistics dashboard's charts with Apache ECharts, from the JSON the page carries
// in <script type="application/json" id="statistics-data"> (no inline script: the
// Content-Security-Policy allows scripts from this site's files only). Every chart repeats
// the table under it, which screen readers and keyboards use; a suppressed count ("<5") is
// drawn as a gap and named in the tooltip as the table shows it.
(function () {
  "use strict";
  const source = document.getElementById("statistics-data");
  if (!source || !window.echarts) {
    return;
  }
  const data = JSON.parse(source.textContent);
  // One colour per measure on every chart, so that "enrolments" is always the same blue.
  const colours = {
    enrolled: "#1d4ed8",
    completed: "#15803d",
    not_completed: "#b45309",
    withdrawn: "#b91c1c",
    classes: "#6d28d9",
  };
  const charts = [];

  function tooltip(chart) {
    return (params) => {
      const items = Array.isArray(params) ? params : [params];
      const lines = [items[0].name];
      items.forEach((item) => {
        lines.push(item.seriesName + ": " + chart.series[item.seriesIndex].shown[item.dataIndex]);
      });
      return lines.join("\n");
    };
  }

  function option(chart, narrow) {
    const line = chart.type === "line";
    const many = chart.categories.length > 6;
    // Bars run sideways so that long names (occupations, institutions) stay readable.
    const horizontal = !line;
    const categoryAxis = {
      type: "category",
      data: chart.categories,
      inverse: horizontal,
      axisLabel: {
        width: narrow ? 110 : 200,
        fontSize: narrow ? 11 : 12,
        overflow: "truncate",
        interval: 0,
        rotate: line && many && narrow ? 45 : 0,
      },
    };
    const valueAxis = { type: "value", minInterval: 1 };
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText", formatter: tooltip(chart) },
      // A plain legend wraps onto a second line on a phone; the plot starts below it.
      legend: { top: 0, itemGap: 8, itemWidth: 14, textStyle: { fontSize: narrow ? 11 : 12 } },
      grid: { left: 8, right: 16, top: narrow ? 64 : 36, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: chart.series.map((s) => ({
        name: s.name,
        itemStyle: { color: colours[s.key] },
        lineStyle: line ? { color: colours[s.key] } : undefined,
        type: line ? "line" : "bar",
        data: s.data,
        connectNulls: false,
        barMaxWidth: 18,
      })),
    };
  }

  function height(chart) {
    if (chart.type === "line") {
      return 300;
    }
    return Math.max(220, 90 + chart.categories.length * chart.series.length * 14);
  }

  data.charts.forEach((chart) => {
    const element = document.getElementById("chart-" + chart.id);
    if (!element || chart.categories.length === 0) {
      return;
    }
    element.style.height = height(chart) + "px";
    const narrow = element.clientWidth < 500;
    const instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(option(chart, narrow));
    charts.push(instance);
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
