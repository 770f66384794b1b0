// The one map legend helper: every map (grids, sources, stations) fills its legend box through it.
// EnvGrid.mapLegend(container, items) replaces the box's rows with one row per item: a colour swatch
// (.eg-legend .swatch in envgrid.css) and the item's name as text; items are {colour, name}.
(function () {
  "use strict";
  window.EnvGrid = window.EnvGrid || {};
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
