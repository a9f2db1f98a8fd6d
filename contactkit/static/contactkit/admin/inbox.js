/*
 * contactkit: "Use this text" puts a canned reply into the reply box at the cursor, without
 * reloading the page, so nothing typed is lost. The texts, already filled in for this
 * conversation, come from a <script type="application/json"> the page renders with json_script.
 *
 * Without JavaScript the same button posts the draft, and the page comes back with the canned
 * text added after it: this file only makes that quicker and puts the text where the cursor is.
 */
(function () {
  "use strict";

  function insertAtCursor(textarea, text, cursorWasPlaced) {
    var value = textarea.value;
    // Before anyone clicked into the box, "the cursor" is at the end of the draft.
    var at = cursorWasPlaced ? textarea.selectionEnd : value.length;
    var before = value.slice(0, at);
    var after = value.slice(at);
    // Keep the canned text in its own paragraph when it lands next to other text.
    if (before && !/\n\n$/.test(before)) {
      text = (/\n$/.test(before) ? "\n" : "\n\n") + text;
    }
    if (after && !/^\n\n/.test(after)) {
      text = text + (/^\n/.test(after) ? "\n" : "\n\n");
    }
    textarea.setRangeText(text, at, at, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  function setUp(form) {
    var data = document.getElementById(form.getAttribute("data-ck-canned-texts"));
    var select = form.querySelector("[data-ck-canned-select] select, select[name='canned']");
    var button = form.querySelector("[data-ck-canned-insert]");
    var textarea = form.querySelector("textarea[name='reply-body']");
    if (!data || !select || !button || !textarea) {
      return;
    }
    var texts = JSON.parse(data.textContent);
    var cursorWasPlaced = false;
    ["focus", "click", "keyup", "select"].forEach(function (name) {
      textarea.addEventListener(name, function () {
        cursorWasPlaced = true;
      });
    });
    button.addEventListener("click", function (event) {
      var text = texts[select.value];
      event.preventDefault();
      if (text === undefined) {
        select.focus();
        return;
      }
      insertAtCursor(textarea, text, cursorWasPlaced);
    });
  }

  document.querySelectorAll("form[data-ck-canned-texts]").forEach(setUp);
})();
