// The card browser's selection: a "select all on this page" box, and a confirmation before an
// action that forgets something. Delegated from the document, so results swapped in by htmx
// work without re-binding.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    var form = all.closest("form");
    var name = all.getAttribute("data-select-all");
    form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
  // htmx keeps focus on a control that has an id and is there again (a sort header, the
  // search box); when the focused control is gone (the last page has no "Next"), focus goes to
  // the results' heading instead of falling back to the top of the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "results") return;
    var active = document.activeElement;
    if (active && active !== document.body) return;
    var heading = document.getElementById("results-heading");
    if (heading) heading.focus({ preventScroll: true });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
})();
