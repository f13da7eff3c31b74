/* Quick exit for the public help pages: a progressive enhancement of the plain "Leave this site quickly" link.
   With scripts, leaving replaces this page in the browser's history (Back does not return to it), and the Esc
   key leaves too. Without scripts the link still works. */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) {
    return;
  }
  var hint = document.getElementById("quick-exit-hint");
  if (hint) {
    hint.hidden = false;
  }
  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      leave(event);
    }
  });
})();
