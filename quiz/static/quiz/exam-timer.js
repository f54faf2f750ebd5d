// Exam countdown. The server is the clock: each page or htmx swap carries the seconds left
// (data-seconds-left) and this only counts them down between requests. At zero it reloads,
// and the server, which no longer accepts answers, shows the submitted results.
(function () {
  "use strict";
  function format(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h && m < 10 ? "0" : "") + m, ss = (s < 10 ? "0" : "") + s;
    return (h ? h + ":" : "") + mm + ":" + ss;
  }
  function tick() {
    var timers = document.querySelectorAll("[data-seconds-left]");
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      if (el._startedAt === undefined) {
        el._startedAt = Date.now();
        el._left = parseInt(el.getAttribute("data-seconds-left"), 10) || 0;
      }
      var left = Math.max(0, el._left - Math.floor((Date.now() - el._startedAt) / 1000));
      var clock = el.querySelector(".clock");
      if (clock) clock.textContent = format(left);
      el.classList.toggle("low", left <= 300);
      if (left === 0 && !el._done) {
        el._done = true;
        window.setTimeout(function () { window.location.reload(); }, 500);
      }
    }
  }
  window.setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
