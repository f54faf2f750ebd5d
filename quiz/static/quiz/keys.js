// Keyboard shortcuts: a key press clicks the visible element that declares it with
// data-shortcut="KEY" (several keys separated by spaces, e.g. data-shortcut="Space Enter").
// Pages stay plain HTML; this only saves a mouse trip.
(function () {
  "use strict";
  function keyName(event) {
    if (event.key === " ") return "Space";
    return event.key.length === 1 ? event.key.toLowerCase() : event.key;
  }
  // Radio buttons and checkboxes take no text, so shortcuts still work while one has focus.
  function typing(target) {
    if (target.matches && target.matches("input[type=radio], input[type=checkbox]")) return false;
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var name = keyName(event);
    var candidates = document.querySelectorAll("[data-shortcut]");
    for (var i = 0; i < candidates.length; i++) {
      var el = candidates[i];
      if (el.disabled || el.offsetParent === null) continue;
      if (el.getAttribute("data-shortcut").split(" ").indexOf(name) === -1) continue;
      event.preventDefault();
      el.click();
      return;
    }
  });
})();

// <details data-open-wide> start open where there is room and folded on phones, so a
// simulation under a card never buries the page on a small screen. Runs for the page and for
// every piece htmx swaps in.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 40rem)");
  function openWide(root) {
    if (!wide.matches || !root.querySelectorAll) return;
    var found = root.querySelectorAll("details[data-open-wide]");
    for (var i = 0; i < found.length; i++) found[i].open = true;
  }
  document.addEventListener("htmx:load", function (event) { openWide(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { openWide(document); });
  } else {
    openWide(document);
  }
})();

// A new study card or exam question swapped in while the learner had scrolled down to the
// previous one's buttons starts at its top, as a new page would: otherwise its heading and
// the start of its question sit above the screen. A card that is already in view stays put.
(function () {
  "use strict";
  var swapped = ["study-session", "exam"];
  document.addEventListener("htmx:afterSwap", function (event) {
    // (fired on each element swapped in: for these, the new fragment itself)
    var el = event.target;
    if (!el || swapped.indexOf(el.id) === -1 || !el.isConnected) return;
    if (el.getBoundingClientRect().top < 0) el.scrollIntoView({ block: "start" });
  });
})();

// The browser's time zone: filled into the sign-up form's hidden field, and offered on the
// study settings when the learner's zone is still the default UTC and the browser says
// otherwise (the study day starts at 4 am in that zone).
(function () {
  "use strict";
  function run() {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!zone) return;
    var fields = document.querySelectorAll("input[data-browser-zone]");
    for (var i = 0; i < fields.length; i++) if (!fields[i].value) fields[i].value = zone;
    var select = document.querySelector("select[name=timezone]");
    var offer = document.getElementById("zone-offer");
    if (!select || !offer || select.value !== "UTC" || zone === "UTC") return;
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
    if (!known) return;
    var button = offer.querySelector("button");
    button.textContent = "Use " + zone.replace(/_/g, " ");
    button.addEventListener("click", function () {
      select.value = zone;
      offer.hidden = true;
      select.focus();
    });
    offer.hidden = false;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();

// A lab run with its Run button on a narrow screen: the result it redrew is below the fold
// (under the parameters), so it is brought into view. Redraws while typing leave the page
// where it is.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var el = event.target;
    if (!el || el.id !== "lab-result" || !el.isConnected) return;
    var config = event.detail && event.detail.requestConfig;
    var cause = config && config.triggeringEvent;
    if (!cause || cause.type !== "submit") return;
    if (el.getBoundingClientRect().top > window.innerHeight * 0.6) {
      el.scrollIntoView({ block: "start" });
    }
  });
})();

// "Show source" on a long card: the notes open under it, below the fold, where the learner
// would think nothing happened; their start is brought into view.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "source" || !target.isConnected || !target.firstElementChild) {
      return;
    }
    var top = target.getBoundingClientRect().top;
    if (top > window.innerHeight - 80 || top < 0) {
      target.scrollIntoView({ block: "start" });
    }
  });
})();

// A search box that takes focus on arrival where there is a keyboard to type into it; on a
// touch screen focusing it would open the on-screen keyboard over the page.
(function () {
  "use strict";
  function run() {
    if (!window.matchMedia("(pointer: fine)").matches) return;
    var box = document.querySelector("[data-focus-with-keyboard]");
    if (box) box.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();

// The answer revealed in place takes focus (so Tab goes on to the rating buttons), and the
// browser scrolls to it, which can slice the question across the top of a phone's screen.
// When the whole card fits on the screen, it is shown whole instead.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var el = event.target;
    if (!el || el.id !== "reveal" || !el.isConnected) return;
    var card = el.closest(".study-card");
    if (!card) return;
    var box = card.getBoundingClientRect();
    if (box.top < 0 && box.height <= window.innerHeight) card.scrollIntoView({ block: "start" });
  });
})();
