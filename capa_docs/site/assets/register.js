/* capa-docs register: filter and sort the findings table in the browser.
   No dependencies. The table is complete without this script; the script only hides rows
   and reorders them, so 10,000 rows stay fast (one pass per change, no re-render). */
(function () {
  "use strict";

  var SEVERITY = ["major", "minor", "observation", "ofi", "conformity"];
  var STATUS = ["open", "in-progress", "closed"];
  var NO_OWNER = "(none)";  /* the owner filter's value for findings without an owner */
  /* Our text filter's URL parameter. It was "q" until mkdocs-material's search took that
     name too: a shared register/?q=... link opened the theme's search over the page. An
     old link is read once, as "text", and the address rewritten before the search reads it:
     this file is loaded without "defer", after the table and before the theme's bundle. */
  var TEXT = "text", OLD_TEXT = "q";

  function renameOldParameter() {
    var params = new URLSearchParams(location.search);
    if (!params.has(OLD_TEXT)) { return; }
    if (!params.has(TEXT)) { params.set(TEXT, params.get(OLD_TEXT)); }
    params.delete(OLD_TEXT);
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }
  if (document.querySelector("[data-capa-register]")) { renameOldParameter(); }

  function key(cell, type) {
    var raw = cell.getAttribute("data-sort");
    var text = raw !== null ? raw : cell.textContent.trim();
    if (type === "number") { return text === "" ? -Infinity : Number(text); }
    if (type === "severity") { return SEVERITY.indexOf(text); }
    if (type === "status") { return STATUS.indexOf(text); }
    return text.toLowerCase();
  }

  /* Whether a row's finding (role "finding"), one of its actions ("action"), or either
     (no role) is owned by the name; "" is no owner, which only a finding can lack. */
  function owns(it, name, role) {
    if (role !== "action" && it.owner === name) { return true; }
    return role !== "finding" && name !== "" && it.actionOwners.indexOf(name) !== -1;
  }

  function init(root) {
    if (root.getAttribute("data-capa-ready")) { return; }
    root.setAttribute("data-capa-ready", "1");
    var table = root.querySelector("table.capa-table");
    var form = root.querySelector("form.capa-controls");
    if (!table || !form) { return; }
    var tbody = table.tBodies[0];
    var items = Array.prototype.map.call(tbody.rows, function (row, index) {
      return {
        row: row, index: index,
        status: row.getAttribute("data-status"),
        severity: row.getAttribute("data-severity"),
        owner: row.getAttribute("data-owner"),
        actionOwners: (row.getAttribute("data-action-owners") || "").split("\n"),
        flags: " " + (row.getAttribute("data-flags") || "") + " ",
        standards: " " + (row.getAttribute("data-standards") || "") + " ",
        text: row.textContent.toLowerCase()
      };
    });
    var fields = {
      status: form.elements.status, severity: form.elements.severity,
      owner: form.elements.owner, role: form.elements.role, flag: form.elements.flag,
      text: form.elements[TEXT]
    };
    /* The Standard filter is there only when the register covers several standards. */
    if (form.elements.standard) { fields.standard = form.elements.standard; }
    var count = form.querySelector(".capa-count");

    function apply() {
      var status = fields.status.value, severity = fields.severity.value;
      var owner = fields.owner.value, flag = fields.flag.value, role = fields.role.value;
      var standard = fields.standard ? fields.standard.value : "";
      var q = fields.text.value.trim().toLowerCase();
      var shown = 0;
      for (var i = 0; i < items.length; i++) {
        var it = items[i];
        var ok = (!status || (status === "not-closed" ? it.status !== "closed" : it.status === status)) &&
          (!severity || it.severity === severity) &&
          (!owner || owns(it, owner === NO_OWNER ? "" : owner, role)) &&
          (!flag || it.flags.indexOf(" " + flag + " ") !== -1) &&
          (!standard || it.standards.indexOf(" " + standard + " ") !== -1) &&
          (!q || it.text.indexOf(q) !== -1);
        if (it.row.hidden === ok) { it.row.hidden = !ok; }
        if (ok) { shown++; }
      }
      count.textContent = shown + " of " + items.length + " findings shown";
      var params = new URLSearchParams();
      Object.keys(fields).forEach(function (name) {
        if (fields[name].value) { params.set(name, fields[name].value); }
      });
      var query = params.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }

    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.title = "Sort by " + th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var type = th.getAttribute("data-type") || "text";
        items.forEach(function (it) { it.key = key(it.row.cells[column], type); });
        items.sort(function (a, b) {
          var order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index;
          return descending ? -order : order;
        });
        // Reorder off the document: moving 10,000 rows inside the live table invalidates
        // its layout once per row; detached, the table is laid out once, on reinsertion.
        var next = tbody.nextSibling;
        table.removeChild(tbody);
        items.forEach(function (it) { tbody.appendChild(it.row); });
        table.insertBefore(tbody, next);
      });
    });

    var initial = new URLSearchParams(location.search);
    Object.keys(fields).forEach(function (name) {
      var value = initial.get(name);
      if (value !== null) { fields[name].value = value; }
      fields[name].addEventListener(name === TEXT ? "input" : "change", apply);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-capa-register]"), init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
