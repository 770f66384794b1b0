// Supervised objects on a Leaflet map: points (roads as lines) coloured by source family, a red ring
// when nobody answers for the object today; a click opens the object page. Works without base tiles.
(function () {
  "use strict";
  function tiles(map, el) {
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  const escape = EnvGrid.escapeHtml;
  const big = document.getElementById("source-map");
  if (big) {
    const map = L.map(big, { zoomSnap: 0.25, preferCanvas: true });
    tiles(map, big);
    const detail = (id) => big.dataset.detailUrl.replace(/0\/$/, id + "/");
    // Grid outlines under the objects, for orientation when there are no base tiles (offline intranets).
    if (big.dataset.grids) {
      fetch(big.dataset.grids, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((grids) => {
          if (!grids) return;
          L.geoJSON(grids, { interactive: false, style: (f) => ({ color: "#ffffff", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.18 }) })
            .addTo(map).bringToBack();
        })
        .catch(() => {});
    }
    fetch(big.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then((data) => {
        const layer = L.geoJSON(data, {
          style: (f) => ({ color: f.properties.owned ? f.properties.colour : "#dc3545", weight: f.properties.owned ? 4 : 6 }),
          pointToLayer: (f, latlng) => L.circleMarker(latlng, {
            radius: 6, fillColor: f.properties.colour, fillOpacity: 0.9,
            color: f.properties.owned ? "#ffffff" : "#dc3545", weight: f.properties.owned ? 1 : 3,
          }),
          onEachFeature: (f, lyr) => {
            const p = f.properties;
            lyr.bindTooltip(escape(p.name) + "<br><small>" + escape(p.code) + " · " + escape(p.family) + "<br>" +
              (p.owned ? escape(big.dataset.ownerText + ": " + p.owner) : escape(big.dataset.noOwnerText)) + "</small>", { sticky: true });
            lyr.on("click", () => { window.location.href = detail(p.id); });
          },
        }).addTo(map);
        big.dataset.drawn = String(data.features.length);
        document.getElementById("source-count").textContent = data.features.length;
        EnvGrid.mapLegend(document.getElementById("source-legend"), data.legend);
        if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
        else map.setView([34.8, 113.55], 12);
      })
      .catch((err) => { big.insertAdjacentHTML("afterend", '<div class="alert alert-danger mt-2">' + escape(String(err.message)) + "</div>"); });
  }
  const small = document.getElementById("object-map");
  if (small) {
    const map = L.map(small, { zoomSnap: 0.25 });
    tiles(map, small);
    const lon = parseFloat(small.dataset.lon), lat = parseFloat(small.dataset.lat);
    const script = document.getElementById("object-geometry");
    const line = script ? JSON.parse(script.textContent) : null;
    if (line && line.coordinates) {
      const layer = L.geoJSON(line, { style: { color: "#0d6efd", weight: 5 } }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [20, 20] });
    } else if (!isNaN(lon) && !isNaN(lat)) {
      L.circleMarker([lat, lon], { radius: 8, color: "#0d6efd", fillOpacity: 0.8 }).addTo(map);
      map.setView([lat, lon], 16);
    }
    small.dataset.drawn = "1";
  }
})();
