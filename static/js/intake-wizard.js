// Patient intake pages. Everything here is a convenience on top of plain HTML forms that
// work without JavaScript: the server validates, saves and re-renders.
(function () {
  "use strict";

  // error-summary.js, loaded before this, has moved focus to the summary of errors if any.
  var summary = document.getElementById("error-summary");

  // A medicine row just added: its name field has autofocus, which a browser may skip (the
  // page opens at the row's anchor); the patient carries on typing there either way.
  var fresh = document.querySelector("[data-new-row] input[name$='-name']");
  if (fresh && !summary) { fresh.focus(); }

  // Body map: a tap on a region toggles the real checkbox; ticked regions are highlighted,
  // and the region of the focused checkbox is outlined so keyboard users see where it is.
  var map = document.querySelector(".body-map");
  if (map) {
    var boxes = {};
    Array.prototype.forEach.call(document.querySelectorAll(".region-checkbox"), function (box) {
      boxes[box.value] = box;
    });
    var shapesOf = function (region) {
      return map.querySelectorAll('[data-region="' + region + '"]');
    };
    var mark = function (region, className, on) {
      Array.prototype.forEach.call(shapesOf(region), function (shape) {
        shape.classList.toggle(className, on);
      });
    };
    map.addEventListener("click", function (event) {
      var shape = event.target.closest("[data-region]");
      if (!shape) { return; }
      var box = boxes[shape.getAttribute("data-region")];
      if (!box) { return; }
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
    Object.keys(boxes).forEach(function (region) {
      var box = boxes[region];
      box.addEventListener("change", function () { mark(region, "is-selected", box.checked); });
      box.addEventListener("focus", function () { mark(region, "is-focused", true); });
      box.addEventListener("blur", function () { mark(region, "is-focused", false); });
      mark(region, "is-selected", box.checked);
    });
  }

  // Red flags: "I have had none of these" answers No to every question not yet answered (as
  // the server does when the page is sent); a Yes is never changed. Choosing Yes anywhere
  // unticks it, since it is no longer true.
  var none = document.getElementById("id_none_of_these");
  if (none) {
    var radios = document.querySelectorAll("#step-fields input[type=radio]");
    var answered = function (name) {
      return Array.prototype.some.call(radios, function (radio) {
        return radio.name === name && radio.checked;
      });
    };
    none.addEventListener("change", function () {
      if (!none.checked) { return; }
      Array.prototype.forEach.call(radios, function (radio) {
        if (radio.value === "no" && !answered(radio.name)) { radio.checked = true; }
      });
    });
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked && radio.value === "yes") { none.checked = false; }
      });
    });
  }

  // Buttons marked data-once are disabled after the first press (the server copes with a
  // double click anyway; this just avoids a confusing second request).
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.querySelectorAll("[data-once]"), function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });
})();
