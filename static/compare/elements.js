// The new-reference-element page: drag a rectangle on the frame to fill in the box's four
// fields (x, y, width, height in pixels of the frame). Without this script the fields are
// typed by hand; the server checks them either way. No inline script or style: the box is
// placed through the CSSOM, which the Content-Security-Policy allows.
(function () {
  "use strict";
  function setup(canvas) {
    var img = canvas.querySelector("img");
    var box = canvas.querySelector(".element-box");
    var form = canvas.closest("form");
    if (!img || !box || !form) return;
    var fw = Number(canvas.dataset.frameWidth), fh = Number(canvas.dataset.frameHeight);
    var fields = {};
    ["x", "y", "width", "height"].forEach(function (name) {
      fields[name] = form.querySelector("[name='" + name + "']");
    });
    var hint = document.querySelector(".element-drag-hint");
    if (hint) hint.hidden = false;
    canvas.classList.add("drawable");

    function show(r) {
      if (!r || r.width <= 0 || r.height <= 0) { box.hidden = true; return; }
      box.hidden = false;
      box.style.left = (100 * r.x / fw) + "%";
      box.style.top = (100 * r.y / fh) + "%";
      box.style.width = (100 * r.width / fw) + "%";
      box.style.height = (100 * r.height / fh) + "%";
    }
    function fromFields() {
      var r = {};
      for (var k in fields) {
        if (!fields[k] || fields[k].value === "") return null;
        r[k] = Number(fields[k].value);
      }
      return r;
    }
    function point(event) {
      var rect = img.getBoundingClientRect();
      var px = (event.clientX - rect.left) * fw / rect.width;
      var py = (event.clientY - rect.top) * fh / rect.height;
      return { x: Math.min(fw, Math.max(0, px)), y: Math.min(fh, Math.max(0, py)) };
    }
    var start = null;
    function rectTo(p) {
      var x0 = Math.round(Math.min(start.x, p.x)), y0 = Math.round(Math.min(start.y, p.y));
      var x1 = Math.round(Math.max(start.x, p.x)), y1 = Math.round(Math.max(start.y, p.y));
      return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    }
    canvas.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      event.preventDefault();
      start = point(event);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (start) show(rectTo(point(event)));
    });
    function finish(event) {
      if (!start) return;
      var r = rectTo(point(event));
      start = null;
      if (r.width < 1 || r.height < 1) return;
      for (var k in fields) if (fields[k]) fields[k].value = String(r[k]);
      show(r);
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", function () { start = null; show(fromFields()); });
    for (var k in fields) {
      if (fields[k]) fields[k].addEventListener("input", function () { show(fromFields()); });
    }
    show(fromFields());
  }
  function init() {
    document.querySelectorAll(".element-canvas").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
