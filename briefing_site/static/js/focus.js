// Keyboard and screen-reader users keep their place when HTMX swaps a fragment.
//
// A swap can remove the very control that sent the request (the Vote button, Post
// comment, Send report): the browser then drops focus to <body> and the reader has to
// find their way back from the top of the page. Fragments name where focus belongs
// with `autofocus` (htmx focuses it after the swap: the vote's "counted" message, a
// new comment, a reply box). Otherwise, when a swap the reader asked for from the
// keyboard or the mouse left focus nowhere, it goes to the swapped content: a comment
// as a whole, else its first visible control, else the content itself. Swaps nobody
// asked for (live updates) never move focus.
(function () {
  "use strict";

  var CONTROLS =
    'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';
  var asked = null; // the element whose request the reader started, while it runs
  var settled = [];
  var scheduled = false;

  function lost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function visible(element) {
    return element.getClientRects().length > 0;
  }

  function focusOn(element) {
    if (!element.matches(CONTROLS) && !element.hasAttribute("tabindex")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  function place(element) {
    var entry = element.closest(".comment-entry");
    if (entry) {
      return entry.querySelector(".comment") || entry;
    }
    var controls = element.matches(CONTROLS) ? [element] : element.querySelectorAll(CONTROLS);
    for (var i = 0; i < controls.length; i += 1) {
      if (visible(controls[i])) {
        return controls[i];
      }
    }
    return element;
  }

  function restore() {
    scheduled = false;
    var candidates = settled.filter(function (element) {
      return element.nodeType === 1 && element.isConnected && element !== document.body;
    });
    settled = [];
    if (lost() && candidates.length) {
      focusOn(place(candidates[0]));
    }
  }

  // Cancelling a reply (js/site.js empties the slot) hands focus back to its Reply link.
  document.addEventListener(
    "click",
    function (event) {
      var button = event.target.closest("[data-cancel-reply]");
      var entry = button && button.closest(".comment-entry");
      if (!entry) {
        return;
      }
      setTimeout(function () {
        var reply = entry.querySelector(".comment__actions [data-reply-link]");
        if (lost() && reply) {
          reply.focus();
        }
      }, 0);
    },
    true,
  );

  document.addEventListener("htmx:beforeRequest", function (event) {
    var active = document.activeElement;
    var elt = event.detail.elt;
    if (active && active !== document.body && elt && (elt === active || elt.contains(active))) {
      asked = elt;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!asked || event.detail.elt !== asked) {
      return;
    }
    settled.push(event.target);
    if (!scheduled) {
      scheduled = true;
      setTimeout(function () {
        asked = null;
        restore();
      }, 0);
    }
  });
})();
