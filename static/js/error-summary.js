// A page whose form came back with errors: move focus to the summary of them at the top, so
// keyboard and screen-reader users hear what to fix; each item links to its field. Without
// JavaScript the summary is simply the first thing after the heading.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
