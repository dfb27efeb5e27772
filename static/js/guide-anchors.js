// Guide section ids are namespaced ("section-bleeding", guide/markdown.py), while links
// from before, bookmarks and screening exports name a section bare ("#bleeding"). When
// the fragment names no element, go to the section it means.
(function () {
  "use strict";

  function followBareFragment() {
    var name = decodeURIComponent(window.location.hash.slice(1));
    if (!name || document.getElementById(name)) {
      return;
    }
    var section = document.getElementById("section-" + name);
    if (section) {
      section.scrollIntoView();
    }
  }

  window.addEventListener("hashchange", followBareFragment);
  followBareFragment();
})();
