"use strict";
// A crosshair over trend charts: the time and every series' value at the pointer, or at the
// bucket the arrow keys reach. It reads the <title> of each bucket's column, which the server
// renders for every reader (and which works without this script).
(function () {
  function columns(svg) {
    return Array.prototype.map.call(svg.querySelectorAll(".hover path"), function (path) {
      var match = /^M([\d.]+) /.exec(path.getAttribute("d"));
      return { x: match ? Number(match[1]) : 0, path: path };
    });
  }

  // The page's poll replaces the chart when new data arrives: the crosshair stays on the same
  // bucket counted from the newest, and keeps the keyboard focus it had.
  var kept = null;

  function show(wrap, index) {
    var svg = wrap.querySelector("svg.trend");
    var all = columns(svg);
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    wrap.setAttribute("data-index", index);
    kept = { fromEnd: all.length - 1 - index, focused: document.activeElement === wrap };
    var column = all[index];
    var line = svg.querySelector(".crosshair");
    var d = line.getAttribute("d").replace(/^M[\d.]+ /, "M" + column.x + " ");
    line.setAttribute("d", d);
    line.setAttribute("visibility", "visible");
    var text = column.path.querySelector("title").textContent.split("\n");
    var readout = wrap.parentNode.querySelector(".trend-readout");
    readout.textContent = "";
    var time = document.createElement("strong");
    time.textContent = text[0];
    readout.appendChild(time);
    text.slice(1).forEach(function (item) {
      var span = document.createElement("span");
      span.textContent = item;
      readout.appendChild(span);
    });
  }

  function nearest(svg, clientX) {
    var box = svg.getBoundingClientRect();
    var width = svg.viewBox.baseVal.width;
    var x = (clientX - box.left) * width / box.width;
    var best = 0, distance = Infinity;
    columns(svg).forEach(function (column, i) {
      var d = Math.abs(column.x - x);
      if (d < distance) { best = i; distance = d; }
    });
    return best;
  }

  document.addEventListener("pointermove", function (event) {
    var wrap = event.target.closest && event.target.closest(".trend-wrap");
    if (wrap) show(wrap, nearest(wrap.querySelector("svg.trend"), event.clientX));
  });

  document.addEventListener("htmx:afterSettle", function () {
    var wrap = document.querySelector(".trend-wrap");
    if (!kept || !wrap || wrap.hasAttribute("data-index")) return;
    var focused = kept.focused;
    show(wrap, columns(wrap.querySelector("svg.trend")).length - 1 - kept.fromEnd);
    if (focused && document.activeElement === document.body) wrap.focus();
    kept.focused = focused;
  });

  var KEYS = { ArrowLeft: -1, ArrowRight: 1, PageUp: -10, PageDown: 10 };
  document.addEventListener("keydown", function (event) {
    var wrap = event.target.closest && event.target.closest(".trend-wrap");
    if (!wrap) return;
    var count = columns(wrap.querySelector("svg.trend")).length;
    var current = wrap.hasAttribute("data-index") ? Number(wrap.getAttribute("data-index")) : count;
    var index;
    if (event.key in KEYS) index = current + KEYS[event.key];
    else if (event.key === "Home") index = 0;
    else if (event.key === "End") index = count - 1;
    else return;
    event.preventDefault();
    show(wrap, index);
  });
})();
