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
