// Network reports: sort a table by any column and filter clinic rows by state. Progressive
// enhancement: without this file every table is there, in clinic order, every state shown.
(function () {
  "use strict";

  function cellValue(row, index) {
    var text = row.cells[index].textContent.trim().replace(/[,%]/g, "");
    var number = parseFloat(text);
    return isNaN(number) ? text.toLowerCase() : number;
  }

  function sortBy(table, index, button) {
    var header = button.parentNode;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (typeof x !== typeof y) { return typeof x === "number" ? -1 : 1; }
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function makeSortable(table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.textContent = "⇅";
      button.setAttribute("aria-label", "Sort by " + th.textContent.trim());
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, button); });
    });
  }

  function stateFilter(tools) {
    var states = {};
    document.querySelectorAll("tr[data-state]").forEach(function (row) { states[row.dataset.state] = true; });
    var names = Object.keys(states).sort();
    if (names.length < 2) { return; }
    var label = document.createElement("label");
    label.htmlFor = "state-filter";
    label.textContent = "Show clinics in ";
    var select = document.createElement("select");
    select.id = "state-filter";
    select.add(new Option("every state", ""));
    names.forEach(function (name) { select.add(new Option(name, name)); });
    select.addEventListener("change", function () {
      document.querySelectorAll("tr[data-state]").forEach(function (row) {
        row.hidden = select.value !== "" && row.dataset.state !== select.value;
      });
    });
    tools.appendChild(label);
    tools.appendChild(select);
    tools.hidden = false;
  }

  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    var details = target && target.closest("section") && target.closest("section").querySelector("details");
    if (details && target.tagName === "H3") { details.open = true; }
  }

  document.querySelectorAll("table.sortable").forEach(makeSortable);
  var tools = document.getElementById("table-tools");
  if (tools) { stateFilter(tools); }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
