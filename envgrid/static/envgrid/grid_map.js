// Grid map: draws every visible grid coloured by its street; a click loads the grid's card.
// Works with no base-map tiles at all (offline intranet): the outlines carry the map.
(function () {
  "use strict";
  const el = document.getElementById("grid-map");
  if (!el) return;
  const map = L.map(el, { zoomSnap: 0.25 });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  const card = document.getElementById("grid-card");
  const cardUrl = (id) => el.dataset.cardUrl.replace(/0\/$/, id + "/");
  let selected = null;

  function baseStyle(feature) {
    const c = feature.properties.colour;
    return { color: "#ffffff", weight: 1, fillColor: c, fillOpacity: 0.55 };
  }

  fetch(el.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then((data) => {
      const layer = L.geoJSON(data, {
        style: baseStyle,
        onEachFeature: (feature, lyr) => {
          const p = feature.properties, esc = EnvGrid.escapeHtml;
          lyr.bindTooltip(esc(p.name) + "<br><small>" + esc(p.community) + " · " + esc(p.street) + "</small>", { sticky: true });
          lyr.on("click", () => {
            if (selected) selected.setStyle(baseStyle(selected.feature));
            selected = lyr;
            lyr.setStyle({ color: "#111", weight: 3, fillOpacity: 0.75 });
            htmx.ajax("GET", cardUrl(feature.properties.id), { target: card, swap: "innerHTML" });
          });
        },
      }).addTo(map);
      el.dataset.drawn = String(data.features.length);
      document.getElementById("grid-count").textContent = data.features.length;
      EnvGrid.mapLegend(document.getElementById("grid-legend"), data.legend);
      if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      else map.setView([34.8, 113.6], 12);
    })
    .catch((err) => { card.innerHTML = '<div class="alert alert-danger">' + EnvGrid.escapeHtml((el.dataset.errorText || "Map data failed to load") + " (" + err.message + ")") + "</div>"; });
})();
