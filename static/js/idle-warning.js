// Warns a signed-in user shortly before the idle logoff, and lets them stay signed in.
// The server decides the timeout; this script only asks how long is left.
(function () {
  "use strict";
  var body = document.body;
  var box = document.getElementById("idle-warning");
  var form = document.getElementById("idle-keepalive");
  if (!box || !form || !window.fetch) { return; }
  var warnBefore = parseInt(body.getAttribute("data-idle-warning"), 10) || 120;
  var statusUrl = "/session/status/";
  var timer = null;

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function check() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.remaining <= 0) {
          window.location.reload();
        } else if (data.remaining <= warnBefore) {
          if (box.hidden) {
            box.hidden = false;
            box.querySelector("button").focus();
          }
          schedule(Math.min(data.remaining, 15));
        } else {
          box.hidden = true;
          schedule(data.remaining - warnBefore);
        }
      })
      .catch(function () { schedule(30); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        box.hidden = true;
        schedule(data.remaining - warnBefore);
      });
  });

  var timeout = parseInt(body.getAttribute("data-idle-timeout"), 10) || 1800;
  schedule(timeout - warnBefore);
})();
