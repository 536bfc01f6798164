// The head-office network map. The page works without this file: its tables hold every
// clinic, area and count the map draws.
(function () {
  "use strict";

  function clinicIcon(clinic) {
    return L.divIcon({
      className: "clinic-pin clinic-pin-" + clinic.status,
      html: window.osmMap.text(clinic.letter),
      iconSize: [22, 22],
      iconAnchor: [11, 11],
    });
  }

  // Area grows with the count: radius by square root, within readable limits.
  function sizeFor(count, largest) {
    return 5 + 20 * Math.sqrt(count / Math.max(largest, 1));
  }

  function largestCount(rows) {
    return rows.reduce(function (most, row) { return Math.max(most, row.count); }, 0);
  }

  function addClinics(data, layer, points) {
    data.clinics.forEach(function (clinic) {
      var point = [clinic.lat, clinic.lng];
      points.push(point);
      L.marker(point, { icon: clinicIcon(clinic), title: clinic.name + " (" + clinic.label + ")", keyboard: false })
        .bindTooltip(window.osmMap.text(clinic.name + ", " + clinic.place + ": " + clinic.label))
        .addTo(layer);
    });
  }

  function addSearches(data, layer, points) {
    var largest = largestCount(data.searches);
    data.searches.forEach(function (area) {
      var point = [area.lat, area.lng];
      points.push(point);
      L.circleMarker(point, { radius: sizeFor(area.count, largest), color: "#b3470e", weight: 2, fillOpacity: 0.35 })
        .bindTooltip(window.osmMap.text(area.area + ": " + area.count + " unserved " + (area.count === 1 ? "search" : "searches")))
        .addTo(layer);
    });
  }

  function addSignups(data, layer, points) {
    var largest = largestCount(data.signups);
    data.signups.forEach(function (area) {
      var point = [area.lat, area.lng];
      var side = Math.round(2 * sizeFor(area.count, largest));
      points.push(point);
      L.marker(point, {
        icon: L.divIcon({ className: "signup-square", iconSize: [side, side], iconAnchor: [side / 2, side / 2] }),
        keyboard: false,
      })
        .bindTooltip(window.osmMap.text(area.area + ": " + area.count + (area.count === 1 ? " sign-up" : " sign-ups")))
        .addTo(layer);
    });
  }

  function drawMap() {
    var holder = document.getElementById("network-map");
    var dataTag = document.getElementById("network-data");
    if (!holder || !dataTag || !window.L || !window.osmMap) return;
    var data = JSON.parse(dataTag.textContent);
    var map = window.osmMap(holder);
    var points = [];
    var layers = {
      "Unserved searches": L.layerGroup(),
      "Sign-ups": L.layerGroup(),
      "Clinics": L.layerGroup(),
    };
    addSearches(data, layers["Unserved searches"], points);
    addSignups(data, layers["Sign-ups"], points);
    addClinics(data, layers.Clinics, points);
    Object.keys(layers).forEach(function (name) { layers[name].addTo(map); });
    L.control.layers(null, layers, { collapsed: false }).addTo(map);
    if (points.length) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 10 });
    } else {
      map.setView([39.5, -98.35], 4); // the contiguous United States
    }
  }

  document.addEventListener("DOMContentLoaded", drawMap);
})();
