// Progressive enhancement only: every page works without it (issue 15).
// An htmx swap of the claim list replaces its filter panel; keep the panel as open or
// closed as the reader left it, so a phone reader ticking filters is not sent back up.
(function () {
  "use strict";
  var openPanels = {};
  document.addEventListener("htmx:beforeSwap", function () {
    openPanels = {};
    document.querySelectorAll("details[data-keep-open][id]").forEach(function (el) {
      openPanels[el.id] = el.open;
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(openPanels).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.open = openPanels[id]; }
    });
  });
})();
// A form that htmx sends and swaps whole (the relation editor, data-save-failed): htmx swaps
// no 4xx/5xx answer, so when the server fails or does not answer, say so beside the buttons
// instead of leaving the reader with nothing.
(function () {
  "use strict";
  function note(evt, failed) {
    var form = evt.detail && evt.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-save-failed]")) return;
    var box = form.querySelector(".save-failed");
    if (box) { box.textContent = failed ? form.getAttribute("data-save-failed") : ""; }
  }
  document.addEventListener("htmx:beforeRequest", function (e) { note(e, false); });
  document.addEventListener("htmx:responseError", function (e) { note(e, true); });
  document.addEventListener("htmx:sendError", function (e) { note(e, true); });
})();
