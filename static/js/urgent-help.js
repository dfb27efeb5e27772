// The alert after a red-flag answer that needs care now: focus moves to it, so a keyboard
// or screen-reader user meets it first (its role="alert" also announces it).
(function () {
  "use strict";
  var help = document.getElementById("urgent-help");
  if (help) { help.focus(); }
})();
