/*
 * The composer's length counter. The server renders "Up to 5,000 characters." beside
 * every comment box (textarea[data-max-length], its line named by data-count-for) and
 * refuses a longer text with the text kept; with JavaScript the line counts down as
 * the reader types, and says how far over they are. Forms htmx brings in (a reply, an
 * edit) are counted as they arrive.
 *
 * Characters are counted as the server counts them: code points, a line break as one.
 */
(function () {
  "use strict";

  // 5000 as "5,000", as the server writes it; by hand, because Intl.NumberFormat's
  // first use loads locale data: a long task while a slow phone loads the page.
  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function plural(n, word) {
    return grouped(n) + " " + word + (n === 1 ? "" : "s");
  }

  function count(textarea) {
    var line = document.querySelector('[data-count-for="' + textarea.id + '"]');
    var max = parseInt(textarea.getAttribute("data-max-length"), 10);
    if (!line || !max) {
      return;
    }
    var used = Array.from(textarea.value.replace(/\s+$/, "")).length;
    var over = used > max;
    line.textContent = over
      ? plural(used - max, "character") + " over the limit of " + grouped(max) + "."
      : plural(max - used, "character") + " left of " + grouped(max) + ".";
    line.classList.toggle("compose__count--over", over);
    // The box describes itself by this line: a screen reader hears the count on focus,
    // and the box reads as invalid while the text is too long.
    if (over) {
      textarea.setAttribute("aria-invalid", "true");
    } else if (!textarea.closest("form").querySelector(".form-error")) {
      textarea.removeAttribute("aria-invalid");
    }
  }

  function countAll(root) {
    root.querySelectorAll("textarea[data-max-length]").forEach(count);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-max-length]")) {
      count(event.target);
    }
  });
  document.addEventListener("htmx:load", function (event) {
    countAll(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      countAll(document);
    });
  } else {
    countAll(document);
  }
})();
