/*
 * Behaviour every page shares. It lives here, not in the templates: the
 * Content-Security-Policy runs no inline <script>, no on*= attribute and no
 * hx-on (htmx runs with allowEval off).
 *
 *   [data-cancel-reply]  empties the reply slot the button sits in (the reply
 *                        form that htmx put there).
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
})();
