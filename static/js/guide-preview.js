// Preview for the guide page editor in the admin.
// The "Preview changes" button works without this script (it posts the form to the preview
// page in a new tab). With it, the same button posts the form into the two frames under the
// form, at a phone's and a desktop's width, and posts again while the editor types. The
// preview page is the public page template with the public stylesheet, rendered by the
// server through the same Markdown and sanitiser as a published page: it is what patients
// will see. Nothing is saved.
(function () {
  "use strict";
  var button = document.getElementById("guide-preview-button");
  var panel = document.getElementById("guide-preview");
  var status = document.getElementById("guide-preview-status");
  if (!button || !panel || !status) { return; }
  var form = button.form;
  var url = button.getAttribute("formaction");
  var frames = Array.prototype.slice.call(panel.querySelectorAll("iframe[name]"));
  var watched = ["id_title", "id_summary", "id_body", "id_references"];
  var timer = null;
  var live = false;
  var waiting = 0;
  var failed = false;

  function done(ok) {
    failed = failed || !ok;
    waiting -= 1;
    if (waiting > 0) { return; }
    status.textContent = failed
      ? "The preview could not be updated. Your text is still in the form."
      : "Preview updated. It is not saved until you press a Save button.";
  }

  frames.forEach(function (frame) {
    frame.addEventListener("load", function () {
      if (waiting <= 0) { return; }
      var ok = false;
      try {
        // Same origin: the preview page marks its banner; an error page has none.
        ok = Boolean(frame.contentDocument.querySelector("[data-guide-preview]"));
      } catch (error) {
        ok = false;
      }
      done(ok);
    });
  });

  function refresh() {
    status.textContent = "Updating preview…";
    waiting = frames.length;
    failed = false;
    var action = form.getAttribute("action");
    var target = form.getAttribute("target");
    form.setAttribute("action", url);
    frames.forEach(function (frame) {
      form.setAttribute("target", frame.name);
      form.submit();
    });
    if (action === null) { form.removeAttribute("action"); } else { form.setAttribute("action", action); }
    if (target === null) { form.removeAttribute("target"); } else { form.setAttribute("target", target); }
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    panel.hidden = false;
    live = true;
    refresh();
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
  });

  watched.forEach(function (id) {
    var field = document.getElementById(id);
    if (!field) { return; }
    field.addEventListener("input", function () {
      if (!live) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 700);
    });
  });
})();
