/*
 * Live updates on an article page.
 *
 * htmx's SSE extension keeps the stream open (sse-connect on the article);
 * this file decides what each event does to the page:
 *   comment.published / comment.updated  a reply appears under its visible parent;
 *       a new top-level comment waits behind a "N new comments: show" button, so
 *       nothing moves under the reader's eyes; a comment already on the page is
 *       refreshed in place (fetched as this reader sees it when it shows what they
 *       did with it, or when they moderate or are barred), but not while they act
 *       on it. The reader's own comments (the event names their author's key, which
 *       the page knows for its reader) are never announced: they are fetched as
 *       their author sees them and shown once, in place.
 *   comment.removed      the comment leaves the page.
 *       Both carry the discussion's count as it now stands, which the heading shows.
 *   comments.closed      composers and Reply links give way to the closed line.
 *   comments.opened      a banner offers a reload (the composer is the reader's own).
 *   poll.results         the bars and figures of polls showing results move (the
 *       server renders them; the page swaps them in).
 *   followup.published, article.updated   a banner at the top of the article.
 *   notices.updated      a signed-in reader's notices count is fetched again.
 *   reset                events were missed: offer a reload.
 * The stream resumes from the last event it saw (Last-Event-ID, or ?since= when
 * htmx opens a new connection). When no stream gets through (a proxy that
 * buffers), the page polls the updates URL every 20 seconds instead.
 */
(function () {
  "use strict";

  var FALLBACK_AFTER_MS = 10000;
  var POLL_EVERY_MS = 20000;
  var KINDS = [
    "comment.published", "comment.updated", "comment.removed", "comments.closed",
    "comments.opened", "poll.results",
    "followup.published", "article.updated", "notices.updated", "reset", "ready",
  ];

  var root = document.querySelector("[data-live-events]");
  if (!root || typeof htmx === "undefined" || !window.EventSource) {
    return;
  }
  var streamUrl = root.getAttribute("data-live-events");
  var updatesUrl = root.getAttribute("data-live-updates");
  var signedIn = document.body.getAttribute("data-signed-in") === "true";
  var readerKey = root.getAttribute("data-live-reader") || "";
  // Events draw other readers' comments as any signed-in reader sees them: not as a
  // moderator does (their Pick buttons) nor as a barred reader (no Like, no Reply).
  var ownView = root.hasAttribute("data-live-own-view");
  var lastId = root.getAttribute("data-live-since") || "";
  var ready = false;
  var polling = false;
  var failures = 0;
  var waiting = {}; // list id -> Map(comment id -> html) of new top-level comments

  var handlers = {
    "comment.published": showComment,
    "comment.updated": showComment,
    "comment.removed": removeComment,
    "comments.closed": closeComments,
    "comments.opened": openedBanner,
    "poll.results": moveResults,
    "followup.published": followupBanner,
    "article.updated": updatedBanner,
    "notices.updated": refreshNotices,
    "reset": resetBanner,
  };

  function handle(kind, id, data) {
    if (id) {
      lastId = id;
      // If htmx has to open a new stream, it resumes from here.
      root.setAttribute("sse-connect", streamUrl + "?since=" + encodeURIComponent(id));
    }
    if (handlers[kind]) {
      handlers[kind](data);
    }
  }

  // Every stream htmx opens reports here.
  var createEventSource = htmx.createEventSource;
  htmx.createEventSource = function (url) {
    var source = createEventSource(url);
    KINDS.forEach(function (kind) {
      source.addEventListener(kind, function (message) {
        if (kind === "ready") {
          ready = true;
          failures = 0;
          root.setAttribute("data-live-state", "streaming");
          return;
        }
        handle(kind, message.lastEventId && message.lastEventId !== "" ? message.lastEventId : null,
               JSON.parse(message.data));
      });
    });
    source.addEventListener("error", function () {
      failures += 1;
      if (!ready && failures >= 3) {
        startPolling(source);
      }
    });
    window.setTimeout(function () {
      if (!ready) {
        startPolling(source);
      }
    }, FALLBACK_AFTER_MS);
    return source;
  };

  function startPolling(source) {
    if (polling) {
      return;
    }
    polling = true;
    root.removeAttribute("sse-connect"); // htmx reopens nothing
    if (source) {
      source.close();
    }
    root.setAttribute("data-live-state", "polling");
    if (!lastId) {
      lastId = Date.now() + "-0";
    }
    pollOnce();
    window.setInterval(pollOnce, POLL_EVERY_MS);
  }

  function pollOnce() {
    var url = updatesUrl + "?since=" + encodeURIComponent(lastId);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.status === 200 ? response.json() : null;
      })
      .then(function (body) {
        if (!body) {
          return;
        }
        body.events.forEach(function (event) {
          handle(event.event, event.id, event.data);
        });
        if (body.reset) {
          resetBanner();
        }
        lastId = body.last || lastId;
      })
      .catch(function () { /* the next poll tries again */ });
  }

  // Comments

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // A live change to the comment the reader is on keeps them there (keyboard and
  // screen-reader users would otherwise be thrown back to the top of the page).
  function holdsFocus(element) {
    var active = document.activeElement;
    return !!active && active !== document.body && element.contains(active);
  }

  function focusInstead(element) {
    var target = (element.querySelector && element.querySelector(".comment")) || element;
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
  }

  function place(element, where, reference) {
    var focused = where === "replace" && holdsFocus(reference);
    if (where === "replace") {
      reference.replaceWith(element);
    } else if (where === "before") {
      reference.parentNode.insertBefore(element, reference);
    } else if (where === "end") {
      reference.appendChild(element);
    } else {
      reference.insertBefore(element, reference.firstElementChild);
    }
    htmx.process(element);
    element.classList.add("comment-entry--new");
    if (focused) {
      focusInstead(element);
    }
  }

  function indentOf(element) {
    var match = /indent-(\d+)/.exec(element.className);
    return match ? parseInt(match[1], 10) : 1;
  }

  function discussionKey(data) {
    return data.poll ? "poll-" + data.poll : "article";
  }

  // The "(N)" beside the discussion's heading: the count the event brings, as the
  // discussion now stands (whatever this page has or has not shown yet).
  function setCount(data) {
    var count = document.getElementById("count-" + discussionKey(data));
    if (count && typeof data.count === "number") {
      count.textContent = "(" + data.count + ")";
    }
  }

  // A comment with a form open in it (the reader editing it, or replying or reporting
  // under it) is not redrawn live: that would throw away what they are typing. Sending
  // the form brings the comment as it is now.
  function busy(element) {
    return !!element.querySelector("form.compose");
  }

  // A comment the reader is acting on (their Delete, Like or Pick on its way) is not
  // redrawn until the answer comes: a redraw drawn before it would undo on screen what
  // they just did, and the answer would land on a line no longer on the page. Counted
  // per request, not read off htmx's classes: while an answer settles, the new element
  // still wears the old one's "htmx-request" for a moment.
  var actingOn = new WeakMap(); // the element sending a request -> the comment it acts on
  var onItsWay = new WeakMap(); // a comment -> the reader's requests on their way
  var waitingRedraws = new WeakMap(); // a comment -> the redraws waiting for the answers

  function acting(element) {
    return onItsWay.has(element);
  }

  // The redraw waits for the answers; an answer that replaced the comment brought it
  // as it now is, so nothing is redrawn then.
  function afterActing(element, redraw) {
    var redraws = waitingRedraws.get(element) || [];
    redraws.push(redraw);
    waitingRedraws.set(element, redraws);
  }

  function requester(event) {
    return event.detail.requestConfig ? event.detail.requestConfig.elt : null;
  }

  document.addEventListener("htmx:beforeSend", function (event) {
    var elt = requester(event);
    var entry = elt && elt.closest ? elt.closest(".comment-entry") : null;
    if (!entry || entry === elt) {
      return; // not from inside a comment, or the comment's own redraw
    }
    actingOn.set(elt, entry);
    onItsWay.set(entry, (onItsWay.get(entry) || 0) + 1);
  });

  // htmx tells a request's end once to the document, even when its answer took the
  // requesting element off the page: it then tells the nearest ancestor still on it,
  // named as the event's `elt`, so the requester is read from the request itself.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = requester(event);
    var entry = elt ? actingOn.get(elt) : null;
    if (!entry) {
      return;
    }
    actingOn.delete(elt);
    var left = onItsWay.get(entry) - 1;
    if (left > 0) {
      onItsWay.set(entry, left);
      return;
    }
    onItsWay.delete(entry);
    var redraws = waitingRedraws.get(entry) || [];
    waitingRedraws.delete(entry);
    if (entry.isConnected) {
      redraws.forEach(function (redraw) { redraw(); });
    }
  });

  // A comment this reader liked or reported shows it: the event's copy would not.
  function marked(element) {
    return !!element.querySelector(".like--on, .comment__reported");
  }

  // Another reader's comment arriving live, drawn from the event; fetched again as this
  // reader sees it when the event's copy is not how they see it.
  function placeArrived(html, where, reference) {
    var element = fragment(html);
    if (where === "reply") {
      placeReply(element, reference);
    } else {
      place(element, where, reference);
    }
    if (ownView) {
      refresh(element);
    }
  }

  var refreshing = new WeakSet(); // comments with a redraw on its way
  var redrawAgain = new WeakSet(); // ...that changed again since it was asked for

  // Each redraw is the element's own request: htmx keeps only the last request queued
  // behind one source, so redraws sharing one (the body) would drop each other's.
  function refresh(element) {
    if (acting(element)) {
      afterActing(element, function () { refresh(element); });
      return;
    }
    if (refreshing.has(element)) {
      // Asked for once the redraw on its way is in: htmx would queue it behind that
      // one, then drop it when that one replaces the comment.
      redrawAgain.add(element);
      return;
    }
    refreshing.add(element);
    htmx.ajax("GET", element.getAttribute("data-url"), {
      source: element, target: element, swap: "outerHTML",
    });
  }

  // While the redraw was on its way the reader may have opened a form in the comment
  // or acted on it, or the answer to what they did may have replaced it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var config = event.detail.requestConfig;
    if (target && refreshing.has(target) && config && config.elt === target) {
      if (!target.isConnected || busy(target)) {
        event.detail.shouldSwap = false;
      } else if (acting(target)) {
        event.detail.shouldSwap = false;
        afterActing(target, function () { refresh(target); });
      }
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var element = requester(event);
    if (!element || !refreshing.has(element)) {
      return;
    }
    refreshing.delete(element);
    if (redrawAgain.has(element)) {
      redrawAgain.delete(element);
      var now = document.getElementById(element.id); // the redraw may have replaced it
      if (now) {
        refresh(now);
      }
    }
  });

  // A reader's own comment can arrive live (approved at once) before the answer to
  // their post: the answer's copy, swapped in last, is the one kept, and nothing waits
  // to be announced for it. The answer may have been rendered before the approval
  // the page has already shown: the kept copy is then fetched as it now is.
  document.addEventListener("htmx:load", function (event) {
    var entry = event.target;
    if (!entry.id || !entry.classList || !entry.classList.contains("comment-entry")) {
      return;
    }
    var doubled = false;
    document.querySelectorAll('[id="' + entry.id + '"]').forEach(function (other) {
      if (other !== entry) {
        other.remove();
        doubled = true;
      }
    });
    if (doubled && entry.hasAttribute("data-mine") && !busy(entry)) {
      refresh(entry);
    }
    forget(parseInt(entry.id.slice(1), 10));
    var discussion = entry.closest(".discussion");
    var empty = discussion && discussion.querySelector(".comments-empty");
    if (empty) {
      empty.remove();
    }
  });

  // The readers this reader muted (by their live key): their comments arrive folded.
  var muted = (root.getAttribute("data-muted-readers") || "").split(" ").filter(Boolean);

  function forget(id) {
    Object.keys(waiting).forEach(function (listId) {
      if (waiting[listId].delete(id)) {
        updateButton(listId);
      }
    });
  }

  function listFor(data) {
    return document.getElementById("comments-" + discussionKey(data));
  }

  // After the parent's replies already shown, at the end of its thread.
  function placeReply(element, parent) {
    var depth = indentOf(parent);
    var next = parent.nextElementSibling;
    while (next && indentOf(next) > depth) {
      next = next.nextElementSibling;
    }
    if (next) {
      place(element, "before", next);
    } else {
      place(element, "end", parent.parentNode);
    }
  }

  // The reader's own comment, not on this page yet (posted from another tab, or its
  // approval outran the answer to the post): fetched as they see it, shown once.
  function showOwn(data) {
    var parent = data.parent ? document.getElementById("c" + data.parent) : null;
    if ((data.parent && !parent) || (!data.parent && !listFor(data))) {
      return;
    }
    fetch(data.url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        return response.status === 200 ? response.text() : "";
      })
      .then(function (html) {
        var element = html.trim() ? fragment(html) : null;
        var there = document.getElementById("c" + data.id);
        if (!element) {
          return;
        }
        if (there) {
          // The answer to the post got there first, perhaps as it was before approval.
          if (!busy(there) && !acting(there)) {
            place(element, "replace", there);
          }
        } else if (parent && parent.isConnected) {
          placeReply(element, parent);
        } else if (!data.parent && listFor(data)) {
          place(element, "start", listFor(data));
          var empty = listFor(data).parentNode.querySelector(".comments-empty");
          if (empty) {
            empty.remove();
          }
        }
      })
      .catch(function () { /* it is there on the next visit */ });
  }

  function showComment(data) {
    setCount(data);
    var html = !signedIn ? data.html_anonymous
      : muted.indexOf(data.author) >= 0 ? data.html_muted : data.html;
    var mine = !!readerKey && data.author === readerKey;
    var existing = document.getElementById("c" + data.id);
    if (existing) {
      if (busy(existing)) {
        return;
      }
      if (acting(existing)) {
        afterActing(existing, function () { showComment(data); });
        return;
      }
      if (mine || existing.hasAttribute("data-mine") || ownView || marked(existing)) {
        refresh(existing); // not added twice, and shown as this reader sees it
      } else {
        place(fragment(html), "replace", existing);
      }
      return;
    }
    if (mine) {
      showOwn(data);
      return;
    }
    if (data.parent) {
      var parent = document.getElementById("c" + data.parent);
      if (parent) {
        placeArrived(html, "reply", parent);
      }
      return;
    }
    var list = listFor(data);
    if (!list) {
      return;
    }
    if (!waiting[list.id]) {
      waiting[list.id] = new Map();
    }
    waiting[list.id].set(data.id, html);
    updateButton(list.id);
  }

  function updateButton(listId) {
    var button = document.querySelector('[data-new-comments-for="' + listId + '"]');
    if (!button) {
      return;
    }
    var count = waiting[listId] ? waiting[listId].size : 0;
    button.hidden = count === 0;
    button.textContent = count === 1 ? "1 new comment: show" : count + " new comments: show";
    // The heading already counts them: "no comments yet" would contradict it.
    var empty = count > 0 && button.closest(".discussion").querySelector(".comments-empty");
    if (empty) {
      empty.remove();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-new-comments-for]");
    if (!button) {
      return;
    }
    var listId = button.getAttribute("data-new-comments-for");
    var list = document.getElementById(listId);
    var arrived = waiting[listId] ? Array.from(waiting[listId].values()) : [];
    waiting[listId] = new Map();
    // Newest first, at the top of the discussion.
    arrived.forEach(function (html) {
      placeArrived(html, "start", list);
    });
    var empty = list.parentNode.querySelector(".comments-empty");
    if (empty) {
      empty.remove();
    }
    updateButton(listId);
    if (list.firstElementChild) {
      list.firstElementChild.setAttribute("tabindex", "-1");
      list.firstElementChild.focus();
    }
  });

  function removeComment(data) {
    setCount(data);
    forget(data.id);
    var element = document.getElementById("c" + data.id);
    if (!element) {
      return;
    }
    if (element.hasAttribute("data-mine")) {
      if (!busy(element)) {
        refresh(element); // its author sees why
      }
      return;
    }
    var focused = holdsFocus(element);
    var next = element.nextElementSibling;
    if (next && indentOf(next) > indentOf(element)) {
      // Its replies stay; the comment itself gives way to a placeholder.
      var article = element.querySelector("article.comment");
      if (article) {
        var gone = document.createElement("p");
        gone.className = "comment comment--gone";
        gone.textContent = "[removed]";
        article.replaceWith(gone);
        if (focused) {
          focusInstead(gone);
        }
      }
    } else {
      var beside = next || element.previousElementSibling || element.closest(".discussion");
      element.remove();
      if (focused && beside) {
        focusInstead(beside);
      }
    }
  }

  // Closed: the closed line, as the server renders it, where each composer was; no
  // Reply links (a reply form already open gives way too: it could no longer be sent).
  function closeComments(data) {
    document.querySelectorAll(
      "form.compose:not(.compose--edit):not(.compose--report), .login-to-comment"
    ).forEach(function (form) {
      var closed = fragment(data.html);
      if (closed) {
        form.replaceWith(closed);
      }
    });
    document.querySelectorAll("[data-reply-link]").forEach(function (link) {
      link.remove();
    });
  }

  function openedBanner() {
    banner("opened", function (line) {
      line.append("Comments are open again. ",
                  link("Reload to join the discussion", window.location.pathname));
    });
  }

  // Polls: the event carries the results as the server renders them for every reader.
  // Each card on the page takes from them its rows' figures and the total; which row
  // is the reader's own vote stays as their card shows it.

  function moveResults(data) {
    var fresh = document.createElement("template");
    fresh.innerHTML = data.html;
    var cards = [document.getElementById("poll-" + data.poll)].concat(
      Array.from(document.querySelectorAll('[data-results-for="' + data.poll + '"]')));
    cards.forEach(function (card) {
      var results = card && card.querySelector(".results");
      if (!results) {
        return; // this reader is not shown results (yet)
      }
      results.querySelectorAll("[data-choice]").forEach(function (row) {
        var now = fresh.content.querySelector(
          '[data-choice="' + row.getAttribute("data-choice") + '"]');
        if (now) {
          takeFrom(now, row, ".result__figures");
          takeFrom(now, row, "meter");
        }
      });
      takeFrom(fresh.content, card, "[data-poll-total]");
    });
  }

  function takeFrom(source, target, selector) {
    var part = source.querySelector(selector);
    var old = target.querySelector(selector);
    if (part && old) {
      old.replaceWith(part.cloneNode(true));
    }
  }

  // The reader's own notices count, in the header (fetched: it is theirs alone).
  function refreshNotices() {
    var link = document.getElementById("notices-link");
    if (signedIn && link) {
      htmx.ajax("GET", link.getAttribute("data-refresh-url"), {
        source: link, target: link, swap: "outerHTML",
      });
    }
  }

  // Banners

  function banner(key, build) {
    var area = document.getElementById("live-banners");
    if (!area || area.querySelector('[data-banner="' + key + '"]')) {
      return;
    }
    var line = document.createElement("p");
    line.className = "live-banner";
    line.setAttribute("data-banner", key);
    build(line);
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "live-banner__dismiss";
    dismiss.setAttribute("aria-label", "Dismiss");
    dismiss.textContent = "\u00d7";
    dismiss.addEventListener("click", function () {
      line.remove();
    });
    line.appendChild(dismiss);
    area.appendChild(line);
  }

  function link(text, href) {
    var anchor = document.createElement("a");
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  function followupBanner(data) {
    banner("followup:" + data.url, function (line) {
      var label = document.createElement("strong");
      label.textContent = "Follow-up: ";
      line.append(label, link(data.title, data.url));
      if (data.summary) {
        var summary = document.createElement("span");
        summary.className = "live-banner__summary";
        summary.textContent = data.summary;
        line.append(summary);
      }
    });
  }

  function updatedBanner() {
    banner("updated", function (line) {
      line.append("This article has been updated. ",
                  link("Reload to read the latest version", window.location.pathname));
    });
  }

  function resetBanner() {
    banner("reset", function (line) {
      line.append("Some live updates could not reach this page. ",
                  link("Reload to catch up", window.location.pathname));
    });
  }
})();
