// The replay origin's page: start ReplayWeb.page only once its service worker is active.
// ReplayWeb.page registers the worker itself and loads its frame as soon as the worker is
// *registered*; on a first visit the worker is still installing then, the frame's request
// reaches the server instead of the worker, and the replay fails. Registering the same
// worker here and waiting for "activated" first makes the first visit work.
(function () {
  "use strict";
  var holder = document.getElementById("replay");
  if (!holder || !("serviceWorker" in navigator)) {
    return;
  }
  function start() {
    var player = document.createElement("replay-web-page");
    ["source", "url", "ts", "replayBase", "embed"].forEach(function (name) {
      player.setAttribute(name, holder.getAttribute("data-" + name.toLowerCase()) || "");
    });
    holder.replaceWith(player);
  }
  navigator.serviceWorker
    .register(holder.getAttribute("data-worker"), { scope: holder.getAttribute("data-replaybase") })
    .then(function (registration) {
      var worker = registration.installing || registration.waiting;
      if (!worker) {
        start();
        return;
      }
      worker.addEventListener("statechange", function () {
        if (worker.state === "activated") {
          start();
        }
      });
    })
    .catch(function (error) {
      holder.textContent = holder.getAttribute("data-failed") + " " + error;
    });
})();
