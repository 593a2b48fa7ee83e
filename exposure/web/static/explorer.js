/* exposure explorer: progressive enhancement only. Every page works without this file:
   search as you type (from the JSON API /api/search), arrow keys through the results, and
   print buttons. Text from the server is inserted with textContent, never as HTML. */
(function () {
  "use strict";

  var TAXONOMIES = { onet: "O*NET 29.2", isco08: "ISCO-08", esco: "ESCO 1.2.0" };
  var MIN_CHARS = 2;
  var DELAY_MS = 150;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(url, title, code, extra) {
    var li = el("li");
    li.appendChild(el("a", { href: url }, title));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", { "class": "code" }, code));
    (extra || []).forEach(function (node) { li.appendChild(document.createTextNode(" ")); li.appendChild(node); });
    return li;
  }

  function verdict(r) {
    if (r.status === "matched") return "matched (" + r.method + ", confidence " + r.confidence.toFixed(2) + ")";
    if (r.status === "ambiguous") return "fits several occupations: choose one";
    return r.choices.length ? "no match; the closest is" : "no match";
  }

  function render(box, data) {
    box.textContent = "";
    if (!data.query) return;
    var best = el("section", { "aria-labelledby": "best-h" });
    best.className = "matches";
    best.appendChild(el("h3", { id: "best-h" }, "Best match in each taxonomy"));
    var list = el("ul", { "class": "results" });
    data.results.forEach(function (r) {
      var li = el("li", { "class": "result status-" + r.status });
      li.appendChild(el("span", { "class": "tax" }, TAXONOMIES[r.taxonomy] || r.taxonomy));
      li.appendChild(el("span", { "class": "verdict" }, verdict(r)));
      var choices = el("ul", { "class": "choices" });
      r.choices.forEach(function (c) {
        choices.appendChild(link(c.url, c.title, c.code, c.role === "match" ? [] : [el("span", { "class": "role" }, c.role)]));
      });
      li.appendChild(choices);
      list.appendChild(li);
    });
    best.appendChild(list);
    box.appendChild(best);

    var sugg = el("section", { "aria-labelledby": "sugg-h" });
    sugg.className = "suggestions";
    sugg.appendChild(el("h3", { id: "sugg-h" }, "Titles containing \u201c" + data.query + "\u201d"));
    if (data.suggestions.length) {
      var ul = el("ul", { "class": "results" });
      data.suggestions.forEach(function (s) {
        var extra = [el("span", { "class": "tax" }, TAXONOMIES[s.taxonomy] || s.taxonomy)];
        if (s.label !== s.title) extra.push(el("span", { "class": "role" }, "as \u201c" + s.label + "\u201d"));
        ul.appendChild(link(s.url, s.title, s.code, extra));
      });
      sugg.appendChild(ul);
    } else {
      sugg.appendChild(el("p", {}, "No title contains it."));
    }
    box.appendChild(sugg);
  }

  function searchAsYouType() {
    var input = document.getElementById("q");
    var box = document.getElementById("results");
    var taxonomy = document.getElementById("taxonomy");
    if (!input || !box || !taxonomy) return;
    var timer = null, controller = null, last = null;

    function run() {
      var q = input.value.trim();
      var key = q + "\u0000" + taxonomy.value;
      if (key === last) return;
      if (q.length < MIN_CHARS) { last = key; if (!q) box.textContent = ""; return; }
      if (controller) controller.abort();
      controller = new AbortController();
      var params = new URLSearchParams({ q: q, taxonomy: taxonomy.value });
      fetch("/api/search?" + params.toString(), { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (resp) { return resp.json().then(function (body) { return { ok: resp.ok, body: body }; }); })
        .then(function (r) {
          last = key;
          if (!r.ok) { box.textContent = ""; box.appendChild(el("p", { "class": "error", role: "alert" }, "Error: " + r.body.error)); return; }
          render(box, r.body);
          history.replaceState(null, "", "/search?" + params.toString());
        })
        .catch(function (err) { if (err.name !== "AbortError") { box.textContent = ""; box.appendChild(el("p", { "class": "error" }, "Search failed: " + err.message)); } });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, DELAY_MS); });
    taxonomy.addEventListener("change", function () { last = null; run(); });
    // arrow keys move from the box through the result links, Escape returns to the box
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp" && ev.key !== "Escape") return;
      var links = Array.prototype.slice.call(box.querySelectorAll("a"));
      var at = links.indexOf(document.activeElement);
      if (ev.key === "Escape") { if (at >= 0) { input.focus(); ev.preventDefault(); } return; }
      if (document.activeElement !== input && at < 0) return;
      if (!links.length) return;
      ev.preventDefault();
      var next = ev.key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : at - 1;
      if (next < 0) input.focus(); else links[next].focus();
    });
  }

  function printButtons() {
    var button = document.getElementById("print");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    searchAsYouType();
    printButtons();
  });
})();
