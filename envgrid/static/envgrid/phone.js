// Phone pages (WeChat's in-app browser): the position from GPS, or a point tapped on the map when
// GPS is off or refused; a count and preview of the photos taken. No hover, no outside assets.
(function () {
  "use strict";
  const EnvGrid = window.EnvGrid || {};

  // --- photos: show how many were taken, with small previews ------------------------------------
  document.addEventListener("change", (e) => {
    const input = e.target;
    if (!input.matches("[data-photo-count]")) return;
    const label = input.closest("label");
    const text = label && label.querySelector("[data-photo-label]");
    const n = input.files ? input.files.length : 0;
    if (text && n) text.textContent = (label.dataset.textChosen || "%s").replace("%s", n);
    const preview = input.form && input.form.querySelector(".eg-photo-preview");
    if (preview && window.URL && URL.createObjectURL) {
      preview.innerHTML = "";
      Array.prototype.slice.call(input.files || [], 0, 9).forEach((file) => {
        const img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        preview.appendChild(img);
      });
    }
  });

  // --- the report page: GPS first, the map when GPS fails ---------------------------------------
  const form = document.getElementById("phone-report-form");
  if (!form) return;
  const status = document.getElementById("gps-status");
  const picker = document.getElementById("point-picker");
  const pickButton = document.getElementById("pick-on-map");
  const lon = document.getElementById("id_lon");
  const lat = document.getElementById("id_lat");
  const crs = document.getElementById("id_crs");
  const accuracy = document.getElementById("id_accuracy");

  function say(key, value) {
    status.textContent = (status.dataset[key] || "").replace("%s", value === undefined ? "" : value);
    status.dataset.state = key;
  }

  function showMap() {
    picker.classList.remove("d-none");
    pickButton.classList.add("d-none");
    if (EnvGrid.initPicker) EnvGrid.initPicker(picker);
  }

  picker.addEventListener("picked", () => {
    if (accuracy) accuracy.value = "";
    say("textPicked");
  });
  pickButton.addEventListener("click", showMap);

  if (lon.value && lat.value) {
    // The form came back with an error: keep the point it already had.
    say("textPicked");
    return;
  }
  if (!("geolocation" in navigator)) {
    say("textUnsupported");
    showMap();
    return;
  }
  say("textLocating");
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      if (picker.dataset.picked) return; // the user already tapped the map
      lon.value = pos.coords.longitude.toFixed(7);
      lat.value = pos.coords.latitude.toFixed(7);
      crs.value = "wgs84";
      if (accuracy) accuracy.value = Math.round(pos.coords.accuracy);
      say("textFound", Math.round(pos.coords.accuracy));
      if (EnvGrid.lookupGrid) {
        EnvGrid.lookupGrid(picker.dataset.lookup, lon.value, lat.value, "wgs84")
          .then((found) => EnvGrid.showGrid(picker, found))
          .catch(() => EnvGrid.showGrid(picker, undefined));
      }
    },
    () => {
      say("textDenied");
      showMap();
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
  );
})();
