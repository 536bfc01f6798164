// The head-office network map. The page works without this file: its tables hold every
// clinic, area and count the map draws.
//
// Four layers, each clustered on its own (Leaflet.markercluster, static/vendor/): open
// clinics, clinics in the pipeline, unserved searches and sign-ups. A cluster shows how many
// clinics, searches or sign-ups it holds; clicking it zooms in. Every name and count reaches
// the page as text (window.osmMap.text), never as HTML.
(function () {
  "use strict";

  // Which layer a clinic of each status is drawn on.
  var PIPELINE = { planned: true, coming_soon: true };

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

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  // A cluster's icon: the total it holds, and in words for a screen reader ("12 clinics here:
  // zoom in"). ``kind`` names the CSS class; ``weigh`` gives each marker's share of the total.
  function clusterGroup(kind, one, many, weigh) {
    return L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      iconCreateFunction: function (cluster) {
        var total = cluster.getAllChildMarkers().reduce(function (sum, marker) { return sum + weigh(marker); }, 0);
        var holder = document.createElement("span");
        var shown = document.createElement("span");
        var words = document.createElement("span");
        shown.textContent = total > 9999 ? Math.round(total / 1000) + "k" : String(total);
        words.className = "visually-hidden";
        words.textContent = " " + (total === 1 ? one : many) + " here: zoom in";
        holder.appendChild(shown);
        holder.appendChild(words);
        var size = total < 10 ? 30 : total < 100 ? 36 : 44;
        return L.divIcon({ html: holder, className: "map-cluster map-cluster-" + kind, iconSize: [size, size] });
      },
    });
  }

  function one() { return 1; }
  function counted(marker) { return marker.options.count || 0; }

  function addClinics(data, layers, points) {
    return data.clinics.map(function (clinic) {
      var point = [clinic.lat, clinic.lng];
      points.push(point);
      var marker = L.marker(point, { icon: clinicIcon(clinic), title: clinic.name + " (" + clinic.label + ")", keyboard: false })
        .bindTooltip(window.osmMap.text(clinic.name + ", " + clinic.place + ": " + clinic.label));
      var layer = PIPELINE[clinic.status] ? layers.pipeline : layers.open;
      layer.addLayer(marker);
      return { marker: marker, layer: layer };
    });
  }

  function addSearches(data, layer, points) {
    var largest = largestCount(data.searches);
    data.searches.forEach(function (area) {
      var point = [area.lat, area.lng];
      var side = Math.round(2 * sizeFor(area.count, largest));
      points.push(point);
      layer.addLayer(L.marker(point, {
        icon: L.divIcon({ className: "search-dot", iconSize: [side, side], iconAnchor: [side / 2, side / 2] }),
        keyboard: false, count: area.count,
      }).bindTooltip(window.osmMap.text(area.area + ": " + plural(area.count, "unserved search", "unserved searches"))));
    });
  }

  function addSignups(data, layer, points) {
    var largest = largestCount(data.signups);
    data.signups.forEach(function (area) {
      var point = [area.lat, area.lng];
      var side = Math.round(2 * sizeFor(area.count, largest));
      points.push(point);
      layer.addLayer(L.marker(point, {
        icon: L.divIcon({ className: "signup-square", iconSize: [side, side], iconAnchor: [side / 2, side / 2] }),
        keyboard: false, count: area.count,
      }).bindTooltip(window.osmMap.text(area.area + ": " + plural(area.count, "sign-up", "sign-ups"))));
    });
  }

  // A "Show on the map" button beside each clinic in the table: zooms until the clinic's pin
  // is out of its cluster, then shows its tooltip. The way to a pin by keyboard.
  function addShowButtons(map, drawn, holder) {
    var rows = document.querySelectorAll("#clinic-table tbody tr");
    Array.prototype.forEach.call(rows, function (row, index) {
      var entry = drawn[index];
      var cell = row.querySelector("th");
      if (!entry || !cell) return;
      var button = document.createElement("button");
      var name = document.createElement("span");
      button.type = "button";
      button.className = "show-on-map";
      name.className = "visually-hidden";
      name.textContent = " " + (entry.marker.options.title || "");
      button.appendChild(document.createTextNode("Show on the map"));
      button.appendChild(name);
      button.addEventListener("click", function () {
        if (!map.hasLayer(entry.layer)) map.addLayer(entry.layer);
        holder.scrollIntoView({ block: "nearest" });
        entry.layer.zoomToShowLayer(entry.marker, function () { entry.marker.openTooltip(); });
      });
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(button);
    });
  }

  function drawMap() {
    var holder = document.getElementById("network-map");
    var dataTag = document.getElementById("network-data");
    if (!holder || !dataTag || !window.L || !L.markerClusterGroup || !window.osmMap) return;
    var data = JSON.parse(dataTag.textContent);
    var map = window.osmMap(holder);
    var points = [];
    var clinics = {
      open: clusterGroup("open", "clinic", "clinics", one),
      pipeline: clusterGroup("pipeline", "clinic in the pipeline", "clinics in the pipeline", one),
    };
    var searches = clusterGroup("searches", "unserved search", "unserved searches", counted);
    var signups = clusterGroup("signups", "sign-up", "sign-ups", counted);
    addSearches(data, searches, points);
    addSignups(data, signups, points);
    var drawn = addClinics(data, clinics, points);
    var layers = {
      "Open clinics": clinics.open,
      "Clinics in the pipeline": clinics.pipeline,
      "Unserved searches": searches,
      "Sign-ups": signups,
    };
    Object.keys(layers).forEach(function (name) { layers[name].addTo(map); });
    L.control.layers(null, layers, { collapsed: false }).addTo(map);
    if (points.length) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 10 });
    } else {
      map.setView([39.5, -98.35], 4); // the contiguous United States
    }
    addShowButtons(map, drawn, holder);
  }

  document.addEventListener("DOMContentLoaded", drawMap);
})();
