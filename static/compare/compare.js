// The comparison page: two players that jump together, timeline marks, the blink toggle.
// No inline script: loaded with defer from this static file (strict CSP).
(function () {
  "use strict";
  var output = document.getElementById("cmp-output");
  var source = document.getElementById("cmp-source");
  var marks = Array.prototype.slice.call(document.querySelectorAll("button.mark"));

  function jump(mark) {
    var outT = parseFloat(mark.dataset.outStart);
    var srcT = parseFloat(mark.dataset.srcStart);
    if (output) { output.pause(); output.currentTime = outT; }
    if (source) { source.pause(); source.currentTime = srcT; }
    marks.forEach(function (m) { m.removeAttribute("aria-current"); });
    mark.setAttribute("aria-current", "true");
  }

  function draw(video, which) {
    var bar = document.querySelector('.timeline[data-timeline="' + which + '"]');
    if (!video || !bar || !isFinite(video.duration) || video.duration <= 0) { return; }
    bar.textContent = "";
    marks.forEach(function (mark) {
      var start = parseFloat(which === "output" ? mark.dataset.outStart : mark.dataset.srcStart);
      var end = parseFloat(which === "output" ? mark.dataset.outEnd : mark.dataset.srcEnd);
      var span = document.createElement("span");
      span.className = mark.classList.contains("mark-element") ? "element" : "segment";
      span.style.left = (100 * start / video.duration) + "%";
      span.style.width = (100 * Math.max(0, end - start) / video.duration) + "%";
      span.title = mark.textContent;
      span.addEventListener("click", function () { jump(mark); });
      bar.appendChild(span);
    });
  }

  marks.forEach(function (mark) {
    mark.addEventListener("click", function () { jump(mark); });
  });
  [[output, "output"], [source, "source"]].forEach(function (pair) {
    var video = pair[0];
    if (!video) { return; }
    if (video.readyState >= 1) { draw(video, pair[1]); }
    video.addEventListener("loadedmetadata", function () { draw(video, pair[1]); });
  });

  var toggle = document.getElementById("blink-toggle");
  var image = document.getElementById("blink-image");
  if (toggle && image) {
    toggle.addEventListener("click", function () {
      var showingSource = toggle.getAttribute("aria-pressed") === "true";
      var next = showingSource ? "output" : "source";
      image.src = image.dataset[next];
      image.alt = next === "source" ? image.dataset.altSource : image.dataset.altOutput;
      toggle.setAttribute("aria-pressed", showingSource ? "false" : "true");
    });
  }
})();
