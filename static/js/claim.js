/* The claim page's "Copy" buttons for the citations (progressive enhancement: without
   JavaScript the citations are plain visible text). Loaded from our own origin: the
   Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  function init() {
    var box = document.querySelector(".cite[data-copy]");
    if (!box || !navigator.clipboard) return;
    var label = box.getAttribute("data-copy"), done = box.getAttribute("data-copied");
    box.querySelectorAll(".citation").forEach(function (el) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-secondary copy-citation";
      button.textContent = label;
      var name = el.id === "citation" ? "" : " (" + el.id.replace("citation-", "").toUpperCase() + ")";
      button.setAttribute("aria-label", label + name);
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(el.textContent.trim()).then(function () {
          button.textContent = done;
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
      // Beside the <details> that holds it, so the button shows while it is closed.
      var holder = el.closest("details") || el;
      var row = document.createElement("div");
      row.className = "cite-row";
      holder.insertAdjacentElement("beforebegin", row);
      row.appendChild(holder);
      row.appendChild(button);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
