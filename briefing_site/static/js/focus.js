// Keyboard and screen-reader users keep their place when HTMX swaps a fragment.
//
// A swap can remove the very control that sent the request (the Vote button, Post
// comment, Send report): the browser then drops focus to <body> and the reader has to
// find their way back from the top of the page. Fragments name where focus belongs
// with `autofocus` (htmx focuses it after the swap: the vote's "counted" message, a
// new comment, a reply box). Otherwise, when a swap that came from the focused control
// (or its form), or that lands on what holds the focus (a live refresh of the reader's
// own comment), left focus nowhere, it goes to the same control in the new content,
// else a comment as a whole, else the first visible control, else the content itself;
// when the swap removed its target (a deleted comment without replies), to the comment
// beside it or the section it was in. Other swaps never move focus.
(function () {
  "use strict";

  var CONTROLS =
    'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';
  // Swaps where the reader is (from the focused control or its form, or onto what holds
  // the focus), by their htmx request config, until they have settled.
  var requests = new Map();
  // Only the latest of them decides: a live refresh can land while an earlier swap
  // (the reader's own reply) is settling, and the earlier one would then find focus
  // lost to the refresh and move it back to where that swap landed.
  var latest = 0;

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

  // How to find the focused control again in content that replaces it.
  function signature(element) {
    if (element.id) {
      return "#" + CSS.escape(element.id);
    }
    if (element.matches("a[href]")) {
      return 'a[href="' + CSS.escape(element.getAttribute("href")) + '"]';
    }
    var form = element.form;
    if (element.matches("button") && form && form.getAttribute("action")) {
      return 'form[action="' + CSS.escape(form.getAttribute("action")) + '"] button';
    }
    return null;
  }

  function place(element, was) {
    var same = was && (element.matches(was) ? element : element.querySelector(was));
    if (same && visible(same)) {
      return same;
    }
    if (element.matches(".comment-entry")) {
      return element.querySelector(".comment") || element;
    }
    var controls = element.matches(CONTROLS) ? [element] : element.querySelectorAll(CONTROLS);
    for (var i = 0; i < controls.length; i += 1) {
      if (visible(controls[i])) {
        return controls[i];
      }
    }
    return element;
  }

  function connected(elements) {
    return elements.filter(function (element) {
      return element && element.nodeType === 1 && element.isConnected && element !== document.body;
    });
  }

  function finish(config) {
    var request = requests.get(config);
    requests.delete(config);
    if (!request || request.seq !== latest || !lost()) {
      return;
    }
    var swapped = connected(request.settled);
    var again = request.id && document.getElementById(request.id);
    if (!swapped.length && again) {
      swapped = [again]; // swapped in, not settled yet (a slow device)
    }
    var neighbours = connected(request.around);
    if (swapped.length) {
      focusOn(place(swapped[0], request.was));
    } else if (neighbours.length) {
      // A neighbouring comment, else the section it was in (as a whole).
      var neighbour = neighbours[0];
      focusOn(neighbour.matches("section") ? neighbour : place(neighbour));
    }
  }

  function later(config, request, delay) {
    clearTimeout(request.timer);
    request.timer = setTimeout(finish, delay, config);
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

  // Decided just before the swap, not when the request left: focus may have moved
  // since (the reader tabbed on, or a fragment's autofocus put it where this swap lands).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var config = event.detail.requestConfig;
    var elt = config && config.elt;
    var target = event.detail.target;
    if (!config || !target || !active || active === document.body) {
      return;
    }
    var fromFocus = elt && elt !== document.body && (elt === active || elt.contains(active));
    var ontoFocus = target !== document.body && target.contains(active);
    if (!fromFocus && !ontoFocus) {
      return;
    }
    latest += 1;
    var request = {
      seq: latest,
      was: signature(active),
      id: target.id,
      settled: [],
      around: [target.nextElementSibling, target.previousElementSibling, target.closest("section")],
      timer: null,
    };
    requests.set(config, request);
    // A swap that leaves nothing in the page settles on a detached element, whose
    // htmx:afterSettle never reaches the document: look once htmx has settled.
    later(config, request, 500);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var request = config && requests.get(config);
    if (request) {
      request.settled.push(event.target);
      later(config, request, 0);
    }
  });
})();
