/* The contact form sent back with errors (loaded only then, deferred; no inline script, so it
   runs under a strict Content-Security-Policy).

   - The error summary takes the focus, scrolled into view, so a shopper on a phone lands on it
     and hears it instead of starting again at the top of the page. Its `autofocus` does the
     same in browsers that honour it on any element; this covers the others.
   - Each link of the summary moves the focus to its field and scrolls the field's label (or
     legend) into view with it, as the GOV.UK error summary does: following the fragment alone
     would put the field at the very top of the screen with its label hidden above it. */
(function () {
  "use strict";
  var summary = document.getElementById("ck-form-errors");
  if (!summary) {
    return;
  }
  if (document.activeElement !== summary && !summary.contains(document.activeElement)) {
    summary.focus();
  }
  summary.scrollIntoView({ block: "start" });

  summary.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    var group = field.closest("fieldset");
    var caption = (group && group.querySelector("legend")) ||
      document.querySelector("label[for='" + CSS.escape(field.id) + "']");
    (caption || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", link.hash);
    }
  });
})();
