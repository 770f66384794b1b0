// The helpers every map (grids, sources, stations) shares.
// EnvGrid.mapLegend(container, items) replaces the box's rows with one row per item: a colour swatch
// (.eg-legend .swatch in envgrid.css) and the item's name as text; items are {colour, name}.
// EnvGrid.escapeHtml(text): text made safe to put into a tooltip or popup's HTML (names are user data).
(function () {
  "use strict";
  window.EnvGrid = window.EnvGrid || {};
  window.EnvGrid.escapeHtml = function (text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  };
  window.EnvGrid.mapLegend = function (container, items) {
    if (!container) return;
    container.replaceChildren(...items.map((item) => {
      const row = document.createElement("div");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = item.colour;
      row.append(swatch, document.createTextNode(item.name));
      return row;
    }));
    container.dataset.items = String(items.length);
  };
})();
