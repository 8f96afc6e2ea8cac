/* Sortable, filterable data tables of the book (the `datatable` directive).
 *
 * Works on every <div class="mc-datatable"> holding one table: adds a text filter, a status
 * filter and a row count above it, and makes each column header a button that sorts the rows
 * (numbers as numbers, text in natural order, missing values last). Local, no dependencies.
 */
(function () {
  "use strict";

  var MISSING = ["", "\u2013", "\u2014"];
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var STATUS_LABELS = {
    "verified": "verified",
    "verified-copy": "verified (copy)",
    "secondhand": "secondhand",
    "partly-secondhand": "partly secondhand"
  };

  function cellText(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function parseNumber(text) {
    var t = text.replace(/\u2212/g, "-").replace(/[\s\u00a0\u202f,]/g, "").replace(/%$/, "");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) {
      return NaN;
    }
    return parseFloat(t);
  }

  function rowStatus(row) {
    for (var i = 0; i < row.classList.length; i++) {
      var c = row.classList[i];
      if (c.indexOf("mc-status-") === 0) {
        return c.slice("mc-status-".length);
      }
    }
    return "";
  }

  function setup(box, number) {
    var table = box.querySelector("table");
    if (!table || !table.tHead || !table.tBodies.length) {
      return;
    }
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var headRow = table.tHead.rows[table.tHead.rows.length - 1];
    var headers = Array.prototype.slice.call(headRow.cells);
    var caption = table.querySelector("caption");
    var name = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "table " + (number + 1);
    var titles = headers.map(function (cell) {
      return cell.textContent.replace(/\s+/g, " ").trim();
    });
    rows.forEach(function (row) {  /* column titles for the phone layout, one per cell */
      Array.prototype.forEach.call(row.cells, function (cell, i) {
        if (titles[i]) {
          cell.setAttribute("data-label", titles[i]);
        }
      });
    });
    var searchText = rows.map(function (row) {
      return row.textContent.replace(/\s+/g, " ").toLowerCase();
    });

    /* Controls */
    var controls = document.createElement("div");
    controls.className = "mc-datatable-controls";
    var search = document.createElement("input");
    search.type = "search";
    search.className = "mc-datatable-filter";
    search.placeholder = "Filter rows\u2026";
    search.setAttribute("aria-label", "Filter the rows of " + name);
    controls.appendChild(search);

    var statuses = [];
    rows.forEach(function (row) {
      var s = rowStatus(row);
      if (s && statuses.indexOf(s) < 0) {
        statuses.push(s);
      }
    });
    var select = document.createElement("select");
    select.className = "mc-datatable-status";
    select.setAttribute("aria-label", "Show rows of one status in " + name);
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "All statuses";
    select.appendChild(all);
    Object.keys(STATUS_LABELS).forEach(function (s) {
      if (statuses.indexOf(s) >= 0) {
        var option = document.createElement("option");
        option.value = s;
        option.textContent = STATUS_LABELS[s];
        select.appendChild(option);
      }
    });
    controls.appendChild(select);

    var count = document.createElement("span");
    count.className = "mc-datatable-count";
    count.setAttribute("aria-live", "polite");
    controls.appendChild(count);
    box.insertBefore(controls, box.firstChild);

    /* Horizontal scrolling on narrow screens (the theme may already wrap the table) */
    var parent = table.parentNode;
    if (!parent.classList.contains("pst-scrollable-table-container")) {
      var scroller = document.createElement("div");
      scroller.className = "mc-datatable-scroll";
      parent.insertBefore(scroller, table);
      scroller.appendChild(table);
    }

    function restripe() {
      var n = 0;
      rows.forEach(function (row) {
        if (!row.hidden) {
          n += 1;
          row.classList.toggle("row-odd", n % 2 === 1);
          row.classList.toggle("row-even", n % 2 === 0);
        }
      });
      return n;
    }

    function applyFilter() {
      var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var status = select.value;
      rows.forEach(function (row, i) {
        var text = searchText[i];
        var ok = terms.every(function (t) { return text.indexOf(t) >= 0; });
        if (ok && status) {
          ok = rowStatus(row) === status;
        }
        row.hidden = !ok;
      });
      var shown = restripe();
      count.textContent = shown === rows.length
        ? rows.length + " rows"
        : "Showing " + shown + " of " + rows.length + " rows";
    }

    function sortBy(index, ascending) {
      var numeric = headers[index].classList.contains("mc-num");
      var keyed = rows.map(function (row, i) {
        var text = cellText(row, index);
        var missing = MISSING.indexOf(text) >= 0;
        var value = numeric ? parseNumber(text) : text;
        if (numeric && isNaN(value)) {
          missing = true;
        }
        return { row: row, i: i, value: value, missing: missing };
      });
      keyed.sort(function (a, b) {
        if (a.missing !== b.missing) {
          return a.missing ? 1 : -1;
        }
        var c = 0;
        if (!a.missing) {
          c = numeric ? a.value - b.value : collator.compare(a.value, b.value);
        }
        if (!ascending) {
          c = -c;
        }
        return c || a.i - b.i;
      });
      rows = keyed.map(function (k) { return k.row; });
      searchText = rows.map(function (row) {
        return row.textContent.replace(/\s+/g, " ").toLowerCase();
      });
      rows.forEach(function (row) { tbody.appendChild(row); });
      headers.forEach(function (th, i) {
        th.setAttribute("aria-sort", i === index ? (ascending ? "ascending" : "descending") : "none");
      });
      restripe();
    }

    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "mc-sort";
      while (th.firstChild) {
        button.appendChild(th.firstChild);
      }
      button.title = "Sort by this column";
      th.appendChild(button);
      var initial = th.classList.contains("mc-sorted-asc") ? "ascending"
        : th.classList.contains("mc-sorted-desc") ? "descending" : "none";
      th.setAttribute("aria-sort", initial);
      button.addEventListener("click", function () {
        sortBy(index, th.getAttribute("aria-sort") !== "ascending");
      });
    });

    search.addEventListener("input", applyFilter);
    select.addEventListener("change", applyFilter);
    applyFilter();
  }

  function init() {
    var boxes = document.querySelectorAll("div.mc-datatable");
    Array.prototype.forEach.call(boxes, setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
