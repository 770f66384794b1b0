// Cases on the desk and the phone: the case page's small map, the point picker for reports (grid
// outlines, no base-map tiles needed), the action forms' cancel button and the queue's check-all box.
(function () {
  "use strict";
  const EnvGrid = (window.EnvGrid = window.EnvGrid || {});

  function baseMap(el) {
    const map = L.map(el, { zoomSnap: 0.25, tap: true });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  // --- the case page's map: the case's point inside its grid's outline --------------------------
  function initCaseMap(root) {
    const el = (root || document).querySelector("[data-map]");
    if (!el || el.dataset.ready || typeof L === "undefined") return;
    const source = document.getElementById(el.dataset.map);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    el.dataset.ready = "1";
    const map = baseMap(el);
    const point = L.latLng(data.lat, data.lon);
    const outline = data.outline ? L.geoJSON(data.outline, { style: { color: "#1f7a4d", weight: 2, fillOpacity: 0.08 } }) : null;
    // The view first: Leaflet cannot draw vectors on a map that has none yet.
    map.fitBounds(outline ? outline.getBounds().extend(point) : L.latLngBounds([point, point]), { padding: [16, 16], maxZoom: 17 });
    if (outline) outline.addTo(map);
    L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: "#d63384", fillOpacity: 1 }).addTo(map);
  }
  EnvGrid.initCaseMap = initCaseMap;

  // --- grid lookup ------------------------------------------------------------------------------
  EnvGrid.lookupGrid = function (url, lon, lat, crs) {
    const query = new URLSearchParams({ lon: String(lon), lat: String(lat), crs: crs || "wgs84" });
    return fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      (r) => (r.status === 404 ? null : r.ok ? r.json() : Promise.reject(new Error(String(r.status))))
    );
  };

  function showGrid(el, found) {
    const out = document.getElementById("picked-grid");
    if (!out) return;
    if (found === undefined) {
      out.textContent = el.dataset.textFailed || "";
    } else if (found === null) {
      out.textContent = el.dataset.textOutside || "";
      out.dataset.grid = "";
    } else {
      out.textContent = found.name + " · " + found.community.name + " · " + found.street.name;
      out.dataset.grid = found.code;
    }
  }
  EnvGrid.showGrid = showGrid;

  // --- the point picker: tap the map, the point goes into the form's hidden lon/lat/crs ---------
  EnvGrid.initPicker = function (el) {
    if (!el || typeof L === "undefined") return null;
    if (el._picker) {
      el._picker.map.invalidateSize();
      return el._picker;
    }
    const map = baseMap(el);
    map.setView([34.8, 113.6], 12);
    let marker = null;
    const crs = el.dataset.crs || "wgs84";
    const input = (name) => document.getElementById(el.dataset[name]);
    fetch(el.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((data) => {
        const layer = L.geoJSON(data, {
          style: (f) => ({ color: "#ffffff", weight: 1, fillColor: f.properties.colour, fillOpacity: 0.35 }),
          interactive: false,
        }).addTo(map);
        if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        el.dataset.drawn = String(data.features.length);
      })
      .catch(() => {
        el.dataset.drawn = "0";
      });
    function place(latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#d63384", fillOpacity: 1 }).addTo(map);
      input("lonInput").value = latlng.lng.toFixed(7);
      input("latInput").value = latlng.lat.toFixed(7);
      if (input("crsInput")) input("crsInput").value = crs;
      const text = document.getElementById("picked-point");
      if (text) text.textContent = latlng.lat.toFixed(6) + ", " + latlng.lng.toFixed(6);
      el.dataset.picked = "1";
      el.dispatchEvent(new CustomEvent("picked", { bubbles: true }));
      EnvGrid.lookupGrid(el.dataset.lookup, latlng.lng, latlng.lat, crs)
        .then((found) => showGrid(el, found))
        .catch(() => showGrid(el, undefined));
    }
    map.on("click", (e) => place(e.latlng));
    el._picker = { map: map, place: place };
    return el._picker;
  };

  // --- small behaviours -------------------------------------------------------------------------
  document.addEventListener("click", (e) => {
    const cancel = e.target.closest("[data-dismiss-form]");
    if (cancel) {
      const slot = document.getElementById("case-action-form");
      if (slot) slot.innerHTML = "";
    }
  });
  document.addEventListener("change", (e) => {
    if (e.target.matches("[data-check-all]")) {
      const table = e.target.closest("table");
      table.querySelectorAll('input[name="ids"]').forEach((box) => (box.checked = e.target.checked));
    }
  });
  document.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target.id === "case-panel") initCaseMap(e.detail.target);
    if (e.detail.target.id === "case-action-form" && e.detail.target.firstElementChild) {
      e.detail.target.scrollIntoView({ block: "nearest", behavior: "smooth" });
      const first = e.detail.target.querySelector("textarea, select, input:not([type=hidden])");
      if (first && window.matchMedia("(pointer: fine)").matches) first.focus();
    }
  });

  function ready() {
    initCaseMap(document);
    document.querySelectorAll(".eg-picker:not(.d-none)").forEach((el) => EnvGrid.initPicker(el));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
