// The moderation workspace's keys: j/k move between the cards, a/r/e press the current
// card's Approve, Reject or Escalate button, ? shows the list of keys. The buttons are
// the cards' own form buttons (htmx posts them and swaps in the queue's next items), so
// the keys do exactly what a click does, and nothing here builds any markup.
(function () {
  "use strict";

  var current = 0;

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-card]"));
  }

  function show(index, focus) {
    var all = cards();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (card, i) {
      card.classList.toggle("current", i === current);
      if (i === current) card.setAttribute("aria-current", "true");
      else card.removeAttribute("aria-current");
    });
    if (focus) {
      all[current].focus({ preventScroll: true });
      all[current].scrollIntoView({ block: "nearest" });
    }
  }

  function press(key) {
    var card = cards()[current];
    var button = card && card.querySelector('button[data-key="' + key + '"]');
    if (button && !button.disabled) button.click();
  }

  function help() {
    var dialog = document.getElementById("keys-help");
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  function typing(target) {
    return target.closest && target.closest("input, select, textarea, [contenteditable]");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (document.getElementById("keys-help")?.open && event.key !== "?") return;
    switch (event.key) {
      case "j": show(current + 1, true); break;
      case "k": show(current - 1, true); break;
      case "a": case "r": case "e": press(event.key); break;
      case "?": help(); break;
      default: return;
    }
    event.preventDefault();
  });

  // A click or a tap on a card makes it the current one.
  document.addEventListener("focusin", function (event) {
    var card = event.target.closest && event.target.closest("[data-card]");
    if (card) show(cards().indexOf(card), false);
  });

  // After a decision the queue comes back without the decided item: the one that took
  // its place becomes current, and takes the focus the pressed button had.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (config && config.verb === "post" && /\/decide\/$/.test(config.path)) show(current, true);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-keys-help]");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", help);
    }
    show(0, false);
  });
})();
