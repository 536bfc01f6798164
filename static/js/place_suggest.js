// Place suggestions as you type in the clinic search box, offered through a native <datalist>
// (the browser draws the list, keyboard and screen-reader support included). Without this file
// the box still takes a ZIP code or any city name.
(function () {
  "use strict";

  var WAIT_MS = 150;

  function attach(form) {
    var input = form.querySelector("input[data-place-suggestions]");
    var list = form.querySelector("datalist");
    var url = form.getAttribute("data-suggest-url");
    if (!input || !list || !url || !window.fetch) return;
    input.setAttribute("list", list.id);
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2 || /^[0-9-]+$/.test(text)) return; // a ZIP code needs no suggestions
      timer = setTimeout(function () { ask(text); }, WAIT_MS);
    });

    function ask(text) {
      asked = text;
      fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { places: [] }; })
        .then(function (body) { if (asked === text) fill(body.places || []); })
        .catch(function () { /* suggestions are a convenience: the search still works */ });
    }

    function fill(places) {
      list.textContent = "";
      places.forEach(function (label) {
        var option = document.createElement("option");
        option.value = label;
        list.appendChild(option);
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-suggest-url]").forEach(attach);
  });
})();
