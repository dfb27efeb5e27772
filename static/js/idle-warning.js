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
  var TIME_UP_MARGIN_MS = 1500;
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

  // A page that collects answers marks its form (data-keeps-answers). When the time is up
  // that form is sent instead of the page being reloaded, which would throw away whatever
  // was typed since the last save: the server signs the session out, parks the answers
  // and gives them back once the patient has signed in again (portal/stash.py). It is
  // sent with its marked button, the one that saves without moving on, for the case where
  // the session was kept going meanwhile (say, from another tab) and the post is taken as
  // a press of that button.
  var answers = document.querySelector("form[data-keeps-answers]");

  function timeUp() {
    if (!answers) { reload(); return; }
    answers.requestSubmit(answers.querySelector("[data-keeps-answers-submit]"));
  }

  // When the time is up, the server answers any request by signing the session out and
  // redirecting to the login page; only the poll is spared, so that the answers can still
  // be sent and parked. Here that request is a "Stay signed in" pressed too late. Then the
  // page on screen is stale: reload it, so that the patient sees they were signed out (and
  // their answers are no longer shown to whoever comes to the screen). The redirect is not
  // followed ("manual"): the login page it leads to would use up the server's "you were
  // signed out" message.
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
          // still left. A reload or a post that early would count as activity and renew
          // the session instead of ending it (and the post would be saved as a press of
          // its button, not parked), so wait until the limit has surely passed.
          window.setTimeout(timeUp, TIME_UP_MARGIN_MS);
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
