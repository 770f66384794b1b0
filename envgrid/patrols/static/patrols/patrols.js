// Inspection phone pages: objects near the GPS position; on the record form the position, the joint
// units only for a joint inspection, a note and the category hint when an item is not met.
(function () {
  "use strict";

  function locate(onFound, onFailed) {
    if (!("geolocation" in navigator)) { onFailed(); return; }
    navigator.geolocation.getCurrentPosition(onFound, onFailed, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function say(status, key, value) {
    if (!status) return;
    status.textContent = (status.dataset[key] || "").replace("%s", value === undefined ? "" : value);
    status.dataset.state = key;
  }

  // --- start page: nearby objects ---------------------------------------------------------------
  const nearby = document.getElementById("nearby-status");
  if (nearby && window.htmx) {
    say(nearby, "textLocating");
    locate((pos) => {
      say(nearby, "textFound", Math.round(pos.coords.accuracy));
      const url = nearby.dataset.url + "?lon=" + pos.coords.longitude.toFixed(7) + "&lat=" + pos.coords.latitude.toFixed(7);
      htmx.ajax("GET", url, { target: "#object-list" });
    }, () => say(nearby, "textDenied"));
  }

  // --- the record form ------------------------------------------------------------------------------
  const form = document.getElementById("inspection-form");
  if (!form) return;
  const status = document.getElementById("gps-status");
  const lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
  const accuracy = document.getElementById("id_accuracy");
  if (lon && !lon.value) {
    say(status, "textLocating");
    locate((pos) => {
      lon.value = pos.coords.longitude.toFixed(7);
      lat.value = pos.coords.latitude.toFixed(7);
      accuracy.value = Math.round(pos.coords.accuracy);
      say(status, "textFound", Math.round(pos.coords.accuracy));
    }, () => say(status, "textDenied"));
  }

  const joint = document.getElementById("joint-units");
  function showJoint() {
    const kind = form.querySelector('input[name="kind"]:checked');
    if (joint) joint.classList.toggle("eg-hidden", !kind || kind.value !== "joint");
  }
  const category = document.getElementById("id_category");
  function markItems(changed) {
    form.querySelectorAll(".eg-check-item").forEach((card) => {
      const chosen = card.querySelector('input[type="radio"]:checked');
      card.classList.toggle("eg-failed", !!chosen && chosen.value === "fail");
    });
    if (changed && changed.value === "fail" && category && !category.value && changed.dataset.category) {
      category.value = changed.dataset.category;
    }
  }
  form.addEventListener("change", (e) => {
    if (e.target.name === "kind") showJoint();
    if (e.target.matches('.eg-check-item input[type="radio"]')) markItems(e.target);
  });
  showJoint();
  markItems(null);
})();
