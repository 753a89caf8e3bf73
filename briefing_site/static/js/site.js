/*
 * Behaviour every page shares. It lives here, not in the templates: the
 * Content-Security-Policy runs no inline <script>, no on*= attribute and no
 * hx-on (htmx runs with allowEval off).
 *
 *   [data-cancel-reply]  empties the reply slot the button sits in (the reply
 *                        form that htmx put there).
 *
 *   A request htmx could not complete (a 5xx such as the 503 of a database
 *   outage, or no answer at all) swaps nothing, so the reader's text stays in
 *   the form; a message beside the form says so, and goes at the next answer.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-cancel-reply]");
    if (!button) {
      return;
    }
    var slot = button.closest(".reply-slot");
    if (slot) {
      slot.replaceChildren();
    }
  });

  var UNREACHABLE =
    "We could not reach the site just now, so this was not saved. " +
    "What you wrote is still here: please try again in a moment.";
  var REFUSED =
    "This page is out of date, so this was not saved (you may have been " +
    "signed out). Keep a copy of what you wrote, then reload the page.";

  function failureNoteFor(elt, path) {
    var anchor = elt.closest("form") || elt;
    var note = anchor.previousElementSibling;
    if (!note || !note.classList.contains("request-failed")) {
      note = document.createElement("p");
      note.className = "message message--error request-failed";
      note.setAttribute("role", "alert");
      anchor.before(note);
    }
    note.setAttribute("data-failed-path", path);
    return note;
  }

  // Only writes: a background refresh that fails is retried by live.js.
  function isWrite(detail) {
    var verb = detail.requestConfig && detail.requestConfig.verb;
    return Boolean(verb) && verb.toLowerCase() !== "get";
  }

  function requestFailed(event) {
    var detail = event.detail || {};
    var elt = detail.elt;
    if (!elt || !elt.isConnected || !isWrite(detail)) {
      return;
    }
    var status = detail.xhr ? detail.xhr.status : 0;
    var note = failureNoteFor(elt, detail.requestConfig.path);
    note.textContent = status && status < 500 ? REFUSED : UNREACHABLE;
  }

  document.addEventListener("htmx:responseError", requestFailed);
  document.addEventListener("htmx:sendError", requestFailed);
  // The answer to a retry may replace the form: its note is found by the path.
  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    if (!detail.successful || !detail.requestConfig) {
      return;
    }
    document.querySelectorAll(".request-failed").forEach(function (note) {
      if (note.getAttribute("data-failed-path") === detail.requestConfig.path) {
        note.remove();
      }
    });
  });
})();
