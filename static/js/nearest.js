// The nearest-clinic page: "Use my location" and the map. The page works without this file:
// the search box and the result list are plain HTML.
(function () {
  "use strict";

  function setUpLocationButton(form) {
    var button = form.querySelector("[data-use-location]");
    var status = form.querySelector("[data-location-status]");
    if (!button || !("geolocation" in navigator)) return; // stays hidden: type a ZIP instead
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Finding your location…";
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var params = new URLSearchParams({
            lat: position.coords.latitude.toFixed(5),
            lng: position.coords.longitude.toFixed(5),
          });
          var radius = form.querySelector("[name=radius_miles]");
          if (radius && radius.value) params.set("radius_miles", radius.value);
          window.location.assign(form.action + "?" + params.toString());
        },
        function (error) {
          button.disabled = false;
          status.textContent =
            error.code === error.PERMISSION_DENIED
              ? "Location is turned off for this site. Type a ZIP code or a city instead."
              : "We could not find your location. Type a ZIP code or a city instead.";
          form.querySelector("input[name=q]").focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  function drawMap() {
    var holder = document.getElementById("clinic-map");
    var dataTag = document.getElementById("map-data");
    if (!holder || !dataTag || !window.L || !window.osmMap) return;
    var data = JSON.parse(dataTag.textContent);
    var map = window.osmMap(holder);
    var points = [[data.origin.latitude, data.origin.longitude]];
    L.circleMarker(points[0], { radius: 7, color: "#b3470e" }).addTo(map).bindTooltip(window.osmMap.text(data.origin.label));
    data.clinics.forEach(function (clinic) {
      var point = [clinic.latitude, clinic.longitude];
      points.push(point);
      var marker = L.marker(point, { title: clinic.name, alt: clinic.name, keyboard: false }).addTo(map);
      var link = document.createElement("a");
      link.href = clinic.url;
      link.textContent = clinic.name;
      marker.bindPopup(link);
    });
    map.fitBounds(points, { padding: [24, 24], maxZoom: 13 });
  }

  // Phones: a List/Map switch, so the map is one tap away instead of below every result.
  function setUpViewToggle() {
    var toggle = document.querySelector("[data-view-toggle]");
    var layout = document.querySelector(".results-layout");
    if (!toggle || !layout) return;
    toggle.hidden = false;
    layout.setAttribute("data-view", "list");
    toggle.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-show]");
      if (!button) return;
      layout.setAttribute("data-view", button.getAttribute("data-show"));
      toggle.querySelectorAll("button[data-show]").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      window.dispatchEvent(new Event("resize")); // the map sizes itself once it is shown
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.search-form").forEach(setUpLocationButton);
    setUpViewToggle();
    drawMap();
  });
})();
