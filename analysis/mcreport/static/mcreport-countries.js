/* Ranked dot chart of the Countries page (the `countryexplorer` directive).
 *
 * Reads the data embedded in the page, lets the reader choose an indicator and draws every
 * country with a value as a dot, ranked, with the EU value as a line. Each country is a link to
 * its profile; hovering a row or moving the keyboard focus to it shows its value, year and flags
 * (arrow keys move between rows). Local, no dependencies, nothing loaded from elsewhere.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var ROW = 16, RIGHT = 56, TOP = 22;

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function fmt(v) {
    return String(Math.round(v * 10) / 10);
  }

  function describe(data, ind, p) {
    return data.countries[p.geo] + ": " + fmt(p.value) + " " + ind.unit + " (" + p.year +
      "); flags: " + p.flag;
  }

  function draw(box, data, ind, info) {
    var old = box.querySelector("svg");
    if (old) { old.remove(); }
    var pts = ind.points;
    var width = box.clientWidth || 600;
    var LEFT = width < 480 ? 110 : 150;
    var height = TOP + pts.length * ROW + 10;
    var max = Math.max.apply(null, pts.map(function (p) { return p.value; }).concat(
      ind.eu ? [ind.eu.value] : [])) || 1;
    var x = function (v) { return LEFT + (width - LEFT - RIGHT) * v / max; };
    var svg = el("svg", {width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "list",
      "aria-label": ind.title + " (" + ind.unit + "), countries ranked"});
    if (ind.eu) {
      el("line", {x1: x(ind.eu.value), x2: x(ind.eu.value), y1: TOP - 8, y2: height - 6,
        "class": "mc-explorer-eu"}, svg);
      var t = el("text", {x: x(ind.eu.value) + 3, y: TOP - 10, "class": "mc-explorer-label"}, svg);
      t.textContent = "EU " + fmt(ind.eu.value) + " " + ind.unit + " (" + ind.eu.year + ")";
    }
    var rows = [];
    pts.forEach(function (p, i) {
      var y = TOP + i * ROW + ROW / 2;
      var a = el("a", {href: p.geo.toLowerCase() + ".html", role: "listitem",
        "class": "mc-explorer-row", "aria-label": (i + 1) + ". " + describe(data, ind, p)}, svg);
      el("rect", {x: 0, y: y - ROW / 2, width: width, height: ROW, "class": "mc-explorer-band"}, a);
      var name = el("text", {x: LEFT - 8, y: y + 4, "text-anchor": "end",
        "class": "mc-explorer-label"}, a);
      name.textContent = data.countries[p.geo];
      el("line", {x1: LEFT, x2: x(p.value), y1: y, y2: y, "class": "mc-explorer-stem"}, a);
      el("circle", {cx: x(p.value), cy: y, r: 4.5, "class": "mc-explorer-dot"}, a);
      var v = el("text", {x: x(p.value) + 8, y: y + 4, "class": "mc-explorer-label"}, a);
      v.textContent = fmt(p.value) + (p.flag !== "none" ? " *" : "");
      var show = function () { info.textContent = describe(data, ind, p); };
      a.addEventListener("mouseenter", show);
      a.addEventListener("focus", show);
      a.addEventListener("keydown", function (e) {
        var next = e.key === "ArrowDown" ? rows[i + 1] : e.key === "ArrowUp" ? rows[i - 1] : null;
        if (next) { e.preventDefault(); next.focus(); }
      });
      rows.push(a);
    });
    box.appendChild(svg);
    info.textContent = pts.length + " countries with a value; * marks a flag. Hover or focus a " +
      "row for its value, year and flags; Enter opens the country's page.";
  }

  function setup(box) {
    var script = box.querySelector("script.mc-explorer-data");
    if (!script) { return; }
    var data = JSON.parse(script.textContent);
    var label = document.createElement("label");
    label.textContent = "Indicator: ";
    var select = document.createElement("select");
    data.indicators.forEach(function (ind, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = ind.title + " (" + ind.unit + ")";
      select.appendChild(o);
    });
    label.appendChild(select);
    var info = document.createElement("p");
    info.className = "mc-explorer-info";
    info.setAttribute("aria-live", "polite");
    var source = document.createElement("p");
    source.className = "mc-explorer-source";
    var chart = document.createElement("div");
    chart.className = "mc-explorer-chart";
    box.appendChild(label);
    box.appendChild(info);
    box.appendChild(chart);
    box.appendChild(source);
    var render = function () {
      var ind = data.indicators[Number(select.value)];
      draw(chart, data, ind, info);
      source.textContent = "Source: " + ind.source + "; each country's latest year.";
    };
    select.addEventListener("change", render);
    render();
  }

  function start() {
    var boxes = document.querySelectorAll("div.mc-explorer");
    for (var i = 0; i < boxes.length; i++) { setup(boxes[i]); }
  }

  var style = document.createElement("style");
  style.textContent =
    ".mc-explorer select{display:block;width:100%;max-width:40em;margin:.3em 0}" +
    ".mc-explorer svg{display:block;max-width:100%;height:auto}" +
    ".mc-explorer-label{font-size:11px;fill:currentColor}" +
    ".mc-explorer-eu{stroke:#7F7F7F;stroke-dasharray:4 3}" +
    ".mc-explorer-stem{stroke:#BBBBBB}" +
    ".mc-explorer-dot{fill:#0072B2}" +
    ".mc-explorer-band{fill:transparent}" +
    ".mc-explorer-row:hover .mc-explorer-band,.mc-explorer-row:focus .mc-explorer-band{fill:rgba(0,114,178,.15)}" +
    ".mc-explorer-row:focus{outline:2px solid #D55E00}" +
    ".mc-explorer-info{min-height:1.5em;font-size:.9em}.mc-explorer-source{font-size:.8em}";
  document.head.appendChild(style);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
