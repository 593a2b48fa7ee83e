"use strict";
// Sort, filter and search the report's tables. The page reads the same without it.
(function () {
  function cellValue(cell) {
    var v = cell.getAttribute("data-v");
    return v === null || v === "" ? null : parseFloat(v);
  }
  function compare(a, b, col, dir) {
    var ca = a.cells[col], cb = b.cells[col];
    var va = cellValue(ca), vb = cellValue(cb);
    if (va !== null && vb !== null) { return dir * (va - vb); }
    if (va !== null) { return -1; }
    if (vb !== null) { return 1; }
    return dir * ca.textContent.trim().localeCompare(cb.textContent.trim());
  }
  function sortBy(table, col, th) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r.dataset.i = i; });
    rows.sort(function (a, b) { return compare(a, b, col, dir) || (a.dataset.i - b.dataset.i); });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function filter(table, query, count) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var text = rows[i].textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      rows[i].hidden = !keep;
      if (keep) { shown++; }
    }
    count.textContent = shown + " of " + rows.length + " rows";
  }
  var tables = document.querySelectorAll("table.data");
  Array.prototype.forEach.call(tables, function (table, n) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      button.title = "Sort by " + th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, col, th); });
    });
    if (table.tBodies[0].rows.length < 6) { return; }
    var tools = document.createElement("div");
    tools.className = "tools";
    var input = document.createElement("input");
    input.type = "search";
    input.id = "filter-" + n;
    input.placeholder = "Filter rows";
    input.setAttribute("aria-label", "Filter the rows of " + (table.getAttribute("data-label") || "this table"));
    var count = document.createElement("span");
    count.className = "count";
    count.setAttribute("aria-live", "polite");
    tools.appendChild(input);
    tools.appendChild(count);
    table.parentNode.parentNode.insertBefore(tools, table.parentNode);
    input.addEventListener("input", function () { filter(table, input.value, count); });
    filter(table, "", count);
  });
})();
