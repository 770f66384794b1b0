// Station page charts (Apache ECharts, vendored): recent hours, recent days, one pollutant at a chosen
// interval, and the wind rose. Data from the station's series and wind endpoints (JSON).
(function () {
  "use strict";
  const box = document.getElementById("station-charts");
  if (!box || !window.echarts) return;
  const locale = (document.documentElement.lang || "zh-hans").toLowerCase().startsWith("zh") ? "ZH" : "EN";
  const charts = {};
  const NO_AQI = "#9e9e9e";
  const LINE = { pm25: "#7b1fa2", pm10: "#ef6c00", so2: "#5d4037", no2: "#1565c0", co: "#455a64", o3: "#2e7d32" };

  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), null, { locale: locale, renderer: "canvas" });
    return charts[id];
  }

  function get(url, params) {
    const u = new URL(url, window.location.href);
    Object.entries(params || {}).forEach(([k, v]) => u.searchParams.set(k, v));
    return fetch(u, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function times(points, day) {
    return points.map((p) => (day ? p.data_time.slice(5, 10) : p.data_time.slice(5, 16).replace("T", " ")));
  }

  function empty(c) {
    c.setOption({ title: { text: box.dataset.textEmpty, left: "center", top: "middle", textStyle: { color: "#999", fontSize: 13 } } }, true);
  }

  function aqiChart(id, data, day) {
    const c = chart(id);
    const points = data.points;
    c.getDom().dataset.points = String(points.length);
    if (!points.length) return empty(c);
    const hasAqi = points.some((p) => p.aqi != null);
    const series = [];
    if (hasAqi) {
      series.push({
        name: box.dataset.textAqi, type: "bar", yAxisIndex: 1,
        data: points.map((p) => ({ value: p.aqi, itemStyle: { color: p.color || p.color_hex || NO_AQI } })),
      });
    }
    const lines = day ? ["pm25"] : ["pm25", "pm10"];
    lines.forEach((k) => series.push({
      name: k === "pm25" ? "PM2.5" : "PM10", type: "line", smooth: true, showSymbol: false,
      itemStyle: { color: LINE[k] }, data: points.map((p) => p[k]),
    }));
    c.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 45, right: 45, top: 30, bottom: 30 },
      xAxis: { type: "category", data: times(points, day) },
      yAxis: [{ type: "value", name: "µg/m³" }, { type: "value", name: "AQI", splitLine: { show: false } }],
      series: series,
    }, true);
  }

  function pollutantChart() {
    const select = document.getElementById("pollutant-select");
    const key = select.value;
    const unit = select.selectedOptions[0].dataset.unit;
    const interval = document.getElementById("pollutant-interval").value;
    return get(box.dataset.seriesUrl, { interval: interval }).then((data) => {
      const c = chart("chart-pollutant");
      const points = data.points.filter((p) => p[key] != null);
      c.getDom().dataset.points = String(points.length);
      if (!points.length) return empty(c);
      c.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, top: 30, bottom: 30 },
        xAxis: { type: "category", data: times(points, interval === "day") },
        yAxis: { type: "value", name: unit },
        dataZoom: [{ type: "inside" }],
        series: [{ name: select.selectedOptions[0].textContent, type: "line", showSymbol: points.length < 60,
          itemStyle: { color: LINE[key] }, areaStyle: { opacity: 0.08 }, data: points.map((p) => p[key]) }],
      }, true);
    });
  }

  function windChart() {
    return get(box.dataset.windUrl, { hours: 24 }).then((data) => {
      const c = chart("chart-wind");
      c.getDom().dataset.points = String(data.total);
      if (!data.total) return empty(c);
      const bounds = data.speed_classes;
      const names = bounds.map((b, i) => (i ? bounds[i - 1] : 0) + "–" + b).concat(["≥" + bounds[bounds.length - 1]]);
      const colours = ["#b3e5fc", "#4fc3f7", "#0288d1", "#01579b", "#1a237e"];
      c.setOption({
        tooltip: { trigger: "item", valueFormatter: (v) => v + " %" },
        legend: { top: 0, data: names, textStyle: { fontSize: 10 } },
        angleAxis: { type: "category", data: data.sectors, boundaryGap: false, startAngle: 90 + 360 / 32 },
        radiusAxis: { axisLabel: { show: false }, axisLine: { show: false }, axisTick: { show: false } },
        polar: { center: ["50%", "56%"], radius: "70%" },
        series: data.percent.map((row, i) => ({
          type: "bar", coordinateSystem: "polar", stack: "wind", name: names[i] + " m/s",
          itemStyle: { color: colours[i] }, data: row,
        })),
      }, true);
      c.setOption({ legend: { data: names.map((n) => n + " m/s") } });
    });
  }

  function refresh() {
    return Promise.all([
      get(box.dataset.seriesUrl, { interval: "hour" }).then((d) => aqiChart("chart-hours", d, false)),
      get(box.dataset.seriesUrl, { interval: "day" }).then((d) => aqiChart("chart-days", d, true)),
      pollutantChart(),
      windChart(),
    ]).then(() => { box.dataset.drawn = "1"; })
      .catch((err) => { box.dataset.error = err.message; console.error(err); });
  }

  document.getElementById("pollutant-select").addEventListener("change", pollutantChart);
  document.getElementById("pollutant-interval").addEventListener("change", pollutantChart);
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, 60000);
})();
