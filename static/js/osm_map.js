// One Leaflet map with OpenStreetMap tiles, as the nearest-clinic page and the head-office
// network map both draw it. Leaflet itself is loaded by the page; this only sets the map up.
(function () {
  "use strict";

  // The map in ``holder``, with the OpenStreetMap tiles and their credit; the page's own script
  // adds the markers and the view. Scroll-wheel zoom stays off: scrolling the page must not zoom.
  window.osmMap = function (holder) {
    var map = L.map(holder, { scrollWheelZoom: false });
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 18,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    }).addTo(map);
    return map;
  };

  // What a tooltip, popup or pin shows, as text: Leaflet puts a string it is given into the
  // page as HTML, so names that come from the server (a clinic called "<b>x</b>") are passed
  // as an element whose text is set, never as a string.
  window.osmMap.text = function (text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  };
})();
