// Station map: every visible station as a circle coloured by its latest AQI (HJ 633-2012 Table 2 levels,
// Appendix A colours), its outline by device status. Polls the data URL and restyles the markers in place, so
// colours change as live data arrives.
// Works without base-map tiles (offline intranet).
(function () {
  "use strict";
  const el = document.getElementById("station-map");
  if (!el) return;
  const NO_AQI = "#9e9e9e";
  const map = L.map(el, { zoomSnap: 0.25 });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  const markers = new Map();
  // The grids (outlines, lightly tinted by street) under the stations: the map carries its own context offline.
  map.createPane("grids").style.zIndex = 350; // below the stations (overlay pane: 400)
  const gridLayer = L.layerGroup().addTo(map);
  if (el.dataset.gridsSource) {
    fetch(el.dataset.gridsSource, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return;
        L.geoJSON(data, {
          interactive: false,
          pane: "grids",
          style: (f) => ({ color: "#90a4ae", weight: 0.8, fillColor: f.properties.colour, fillOpacity: 0.12 }),
        }).addTo(gridLayer);
      })
      .catch(() => {});
  }
  const kindSelect = document.getElementById("map-kind");
  const legend = document.getElementById("aqi-legend");
  let fitted = false;
  let timer = null;

  const esc = EnvGrid.escapeHtml;

  function style(s) {
    const control = s.kind === "national" || s.kind === "provincial";
    return {
      radius: control ? 11 : 8,
      fillColor: s.aqi ? s.aqi.color : NO_AQI,
      fillOpacity: s.status === "offline" ? 0.45 : 0.9,
      color: s.status_color,
      weight: control ? 3 : 2,
      dashArray: s.status === "offline" ? "3 3" : null,
    };
  }

  function label(s) {
    const aqi = s.aqi
      ? "AQI <b>" + esc(s.aqi.aqi) + "</b> " + esc(s.aqi.category) +
        (s.aqi.primary_pollutants.length ? " · " + esc(s.aqi.primary_pollutants.join(", ")) : "")
      : esc(el.dataset.noAqi);
    return "<b>" + esc(s.name) + "</b><br><small class='font-monospace'>" + esc(s.mn) + "</small><br>" +
      esc(s.kind_label) + (s.grid ? " · " + esc(s.grid) : "") + "<br>" + aqi + "<br>" +
      "<span style='color:" + esc(s.status_color) + "'>●</span> " + esc(s.status_label);
  }

  function draw(data) {
    const seen = new Set();
    data.stations.forEach((s) => {
      seen.add(s.id);
      let m = markers.get(s.id);
      if (!m) {
        m = L.circleMarker([s.lat, s.lon], style(s)).addTo(map);
        m.bindPopup("");
        m.on("popupopen", () => m.closeTooltip());
        markers.set(s.id, m);
      } else {
        m.setLatLng([s.lat, s.lon]);
        m.setStyle(style(s));
      }
      m.setPopupContent(label(s) + "<br><a href='" + esc(s.url) + "'>" + esc(el.dataset.openText) + "</a>");
      m.bindTooltip(label(s));
      const path = m.getElement && m.getElement();
      if (path) {
        path.setAttribute("data-mn", s.mn);
        path.setAttribute("data-aqi", s.aqi ? s.aqi.aqi : "");
        path.setAttribute("data-testid", "station-marker");
      }
    });
    for (const [id, m] of markers) {
      if (!seen.has(id)) { m.remove(); markers.delete(id); }
    }
    // The AQI bands (HJ 633 colours), then the grey of a station with no AQI yet.
    const bands = data.legend.map((b) => ({ colour: b.color, name: b.range + " " + b.category }));
    EnvGrid.mapLegend(legend, bands.concat([{ colour: NO_AQI, name: el.dataset.noAqi }]));
    document.getElementById("station-count").textContent = data.stations.length;
    document.getElementById("map-refreshed").textContent = data.refreshed_at.slice(11, 19);
    const top = document.getElementById("map-top");
    top.innerHTML = "";
    data.stations.filter((s) => s.aqi).sort((a, b) => b.aqi.aqi - a.aqi.aqi).slice(0, 10).forEach((s) => {
      const li = document.createElement("li");
      li.className = "list-group-item py-1";
      li.innerHTML = "<span class='badge' style='background:" + esc(s.aqi.color) + ";color:" + esc(s.aqi.text_color) +
        "'>" + esc(s.aqi.aqi) + "</span> <a href='" + esc(s.url) + "'>" + esc(s.name) + "</a>";
      top.appendChild(li);
    });
    if (!fitted) {
      if (data.stations.length) {
        map.fitBounds(L.latLngBounds(data.stations.map((s) => [s.lat, s.lon])), { padding: [30, 30], maxZoom: 15 });
      } else {
        map.setView([34.8, 113.6], 12);
      }
      fitted = true;
    }
    el.dataset.drawn = String(data.stations.length);
    el.dataset.refreshedAt = data.refreshed_at;
  }

  function load() {
    const url = new URL(el.dataset.source, window.location.href);
    if (kindSelect.value) url.searchParams.set("kind", kindSelect.value);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(draw)
      .catch((err) => { el.dataset.error = err.message; console.error(el.dataset.errorText, err); });
  }

  function schedule() {
    const seconds = parseInt(el.dataset.refreshSeconds, 10) || 30;
    clearInterval(timer);
    timer = setInterval(() => { if (!document.hidden) load(); }, seconds * 1000);
  }

  kindSelect.addEventListener("change", () => { fitted = false; load(); });
  window.envgridStationMap = { map, load, markers };
  load().then(schedule);
})();
