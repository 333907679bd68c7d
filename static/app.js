"use strict";
// Progressive enhancement under a strict CSP: no inline code, nothing the page needs to work.
(function () {
  // Ages like "12 s ago" tick here, so polls that find nothing new can answer 204.
  // As the `duration` template filter: the next unit too while the first is below 10.
  function describe(seconds) {
    var units = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
    for (var i = 0; i < units.length - 1; i++) {
      if (seconds >= units[i][1]) {
        var big = Math.floor(seconds / units[i][1]);
        var small = Math.floor((seconds % units[i][1]) / units[i + 1][1]);
        var text = big + " " + units[i][0];
        return small && big < 10 ? text + " " + small + " " + units[i + 1][0] : text;
      }
    }
    return seconds + " s";
  }
  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("time[data-ts]").forEach(function (el) {
      var ts = Number(el.getAttribute("data-ts"));
      var suffix = el.hasAttribute("data-suffix") ? el.getAttribute("data-suffix") : " ago";
      if (ts) el.textContent = describe(Math.max(0, Math.floor(now - ts))) + suffix;
    });
  }

  // Times of day in the viewer's own zone, with the zone named.
  var sameDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  var otherDay = new Intl.DateTimeFormat(undefined, {
    month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
  });
  function localClocks(root) {
    var today = new Date().toDateString();
    root.querySelectorAll("time[data-clock]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment)) return;
      el.textContent = (moment.toDateString() === today ? sameDay : otherDay).format(moment);
    });
  }

  // An extension list someone opened stays open when its card is replaced by a refresh.
  var opened = {};
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (el.matches && el.matches("details[data-keep-open]")) opened[el.id] = el.open;
  }, true);
  function reopen(root) {
    root.querySelectorAll("details[data-keep-open]").forEach(function (el) {
      if (opened[el.id]) el.open = true;
    });
  }

  // The tab title counts failing runners, as the page's status strip does.
  function retitle() {
    var strip = document.querySelector("[data-failing]");
    if (!strip) return;
    var failing = Number(strip.getAttribute("data-failing"));
    var base = document.title.replace(/^\(\d+ failing\) /, "");
    document.title = failing ? "(" + failing + " failing) " + base : base;
  }

  // A new share link's Copy button; the link stays selectable where the clipboard is refused.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(function () { button.textContent = "Copied"; });
    }
  });

  function refreshed(root) {
    localClocks(root);
    reopen(root);
    retitle();
    tick();
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", function () { refreshed(document); });
  document.addEventListener("htmx:afterSettle", function () { refreshed(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { refreshed(document); });
})();
