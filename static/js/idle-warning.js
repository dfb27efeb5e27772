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
  var RELOAD_MARGIN_MS = 1500;
  // Where focus was when the warning took it, to give it back when the warning goes.
  var returnTo = null;

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function show() {
    returnTo = document.activeElement;
    box.hidden = false;
    box.querySelector("button").focus();
  }

  function hide() {
    // Hiding the focused button would drop focus to <body>: keyboard and screen-reader users
    // would lose their place. Put focus back where it was before the warning appeared.
    var hadFocus = box.contains(document.activeElement);
    box.hidden = true;
    if (!hadFocus) { return; }
    var target = returnTo;
    if (!target || target === document.body || !document.body.contains(target)) {
      target = document.getElementById("main");
    }
    if (target) { target.focus({ preventScroll: true }); }
    returnTo = null;
  }

  function reload() { window.location.reload(); }

  // When the time is up, the server answers any request, the poll included, by signing the
  // session out and redirecting to the login page. Then the page on screen is stale: reload
  // it, so that the patient sees they were signed out (and their answers are no longer
  // shown to whoever comes to the screen). The redirect is not followed ("manual"): the
  // login page it leads to would use up the server's "you were signed out" message.
  var fetchOptions = { credentials: "same-origin", redirect: "manual" };
  function json(response) {
    if (response.type === "opaqueredirect") { reload(); return null; }
    return response.json();
  }

  function check() {
    fetch(statusUrl, Object.assign({ headers: { "Accept": "application/json" } }, fetchOptions))
      .then(json)
      .then(function (data) {
        if (!data) { return; }
        if (data.remaining <= 0) {
          // The server counts whole seconds, rounded: 0 can mean up to half a second is
          // still left. A reload that early would count as activity and renew the session
          // instead of ending it, so reload just after the limit has surely passed.
          window.setTimeout(reload, RELOAD_MARGIN_MS);
        } else if (data.remaining <= warnBefore) {
          if (box.hidden) { show(); }
          schedule(Math.min(data.remaining, 15));
        } else {
          hide();
          schedule(data.remaining - warnBefore);
        }
      })
      .catch(function () { schedule(30); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, Object.assign({ method: "POST", body: new FormData(form) }, fetchOptions))
      .then(json)
      .then(function (data) {
        if (!data) { return; }
        hide();
        schedule(data.remaining - warnBefore);
      });
  });

  var timeout = parseInt(body.getAttribute("data-idle-timeout"), 10) || 1800;
  schedule(timeout - warnBefore);
})();
