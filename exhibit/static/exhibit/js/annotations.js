// Notes on highlighted passages of an essay. The page works without this: each highlight is
// followed by a numbered link to its note in the list after the text, and each note links
// back. With it, a highlight is a button (click, tap, Enter or Space) that shows its note next
// to the passage: in the margin on wide screens, under the line otherwise, and as a sheet at
// the bottom of a phone's screen. Escape or the close button puts focus back on the passage.
(function () {
  "use strict";

  var PANEL_ID = "annotation-popover";
  var BLOCKS = "p, li, blockquote, h2, h3, h4, h5, h6, td, th, dt, dd, figcaption, pre";
  var panel, content, opener, shownNote;

  function noteFor(key) {
    return key ? document.getElementById(key) : null;
  }

  function firstMark(key) {
    return document.getElementById("a-" + key.slice(2));
  }

  function setExpanded(key, expanded) {
    var mark = firstMark(key);
    if (mark && mark.getAttribute("role") === "button") {
      mark.setAttribute("aria-expanded", expanded ? "true" : "false");
    }
    document.querySelectorAll('mark.annotation[data-note="' + key + '"]').forEach(function (m) {
      m.classList.toggle("is-active", expanded);
    });
  }

  function build() {
    panel = document.createElement("div");
    panel.id = PANEL_ID;
    panel.className = "annotation-popover";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", PANEL_ID + "-title");
    panel.tabIndex = -1;
    panel.hidden = true;

    var close = document.createElement("button");
    close.type = "button";
    close.className = "annotation-popover__close";
    close.setAttribute("aria-label", "Close note");
    close.textContent = "×";
    close.addEventListener("click", function () {
      hide(true);
    });

    content = document.createElement("div");
    content.className = "annotation-popover__content";
    panel.appendChild(close);
    panel.appendChild(content);

    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        hide(true);
      }
    });
    // Non-modal: when focus moves on to something else, the note gets out of the way.
    panel.addEventListener("focusout", function (event) {
      var next = event.relatedTarget;
      if (next && !panel.contains(next) && next !== opener) hide(false);
    });
  }

  function fill(note) {
    content.replaceChildren();
    Array.prototype.forEach.call(note.children, function (child) {
      if (child.classList.contains("annotation-note__back")) return;
      var copy = child.cloneNode(true);
      copy.removeAttribute("id");
      copy.querySelectorAll("[id]").forEach(function (el) {
        el.removeAttribute("id");
      });
      if (child.classList.contains("annotation-note__head")) copy.id = PANEL_ID + "-title";
      content.appendChild(copy);
    });
    var more = document.createElement("p");
    more.className = "annotation-popover__more";
    var link = document.createElement("a");
    link.href = "#" + note.id;
    link.textContent = "All notes on the text";
    link.addEventListener("click", function () {
      hide(false);
    });
    more.appendChild(link);
    content.appendChild(more);
  }

  function blockOf(mark, container) {
    // The child of the text's container that holds the mark: the panel goes after it, so
    // that Tab from the note carries on into the text that follows.
    var node = mark;
    while (node.parentElement && node.parentElement !== container) node = node.parentElement;
    return node.parentElement === container ? node : mark.closest(BLOCKS);
  }

  function sheet() {
    return window.matchMedia("(max-width: 40rem)").matches;
  }

  function place(mark) {
    var container = mark.closest(".essay__body") || document.body;
    var block = blockOf(mark, container);
    if (block && block.nextSibling !== panel) block.after(panel);
    panel.style.left = "";
    panel.style.top = "";
    panel.classList.remove("is-margin");
    if (sheet()) return; // a sheet along the bottom of the screen; CSS places it

    var origin = panel.offsetParent || document.body;
    var base = origin.getBoundingClientRect();
    var rects = mark.getClientRects();
    var line = rects.length ? rects[rects.length - 1] : mark.getBoundingClientRect();
    var text = container.getBoundingClientRect();
    var gap = 16;

    // Wide screens: a margin note beside the passage's first line, if the margin has room.
    panel.classList.add("is-margin");
    var room = document.documentElement.clientWidth - text.right - 3 * gap;
    if (rects.length && room >= panel.offsetWidth) {
      panel.style.left = text.right + 2 * gap - base.left + "px";
      panel.style.top = rects[0].top - base.top - 6 + "px";
      return;
    }
    // Otherwise under the line the passage ends on, within the column of text.
    panel.classList.remove("is-margin");
    var width = panel.offsetWidth;
    var left = Math.min(Math.max(line.left, text.left), Math.max(text.left, text.right - width));
    panel.style.left = left - base.left + "px";
    panel.style.top = line.bottom - base.top + 8 + "px";
  }

  function reveal(mark) {
    // Keep both the note and its passage in view.
    var motion = window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
    if (sheet()) {
      var limit = window.innerHeight - panel.offsetHeight - 12;
      var bottom = mark.getBoundingClientRect().bottom;
      if (bottom > limit) window.scrollBy({ top: bottom - limit, behavior: motion });
      return;
    }
    var box = panel.getBoundingClientRect();
    if (box.bottom > window.innerHeight || box.top < 0) {
      panel.scrollIntoView({ block: "nearest", behavior: motion });
    }
  }

  function show(key, from) {
    var note = noteFor(key);
    if (!note) return;
    if (shownNote === key) {
      hide(true);
      return;
    }
    if (shownNote) hide(false);
    shownNote = key;
    opener = from;
    fill(note);
    panel.hidden = false;
    var mark = firstMark(key) || from;
    place(mark);
    setExpanded(key, true);
    panel.focus({ preventScroll: true });
    reveal(mark);
  }

  function hide(returnFocus) {
    if (!shownNote) return;
    setExpanded(shownNote, false);
    panel.hidden = true;
    shownNote = null;
    if (returnFocus && opener) opener.focus();
    opener = null;
  }

  function selecting() {
    var selection = window.getSelection && window.getSelection();
    return selection && !selection.isCollapsed && String(selection).trim() !== "";
  }

  function enhance(mark) {
    // A mark inside a link stays part of the link; the note number after it opens the note.
    if (mark.closest("a")) return;
    var key = mark.dataset.note;
    mark.tabIndex = 0;
    mark.setAttribute("role", "button");
    mark.setAttribute("aria-haspopup", "dialog");
    mark.setAttribute("aria-expanded", "false");
    mark.setAttribute("aria-controls", PANEL_ID);
    var head = document.getElementById(key + "-head");
    if (head) mark.setAttribute("aria-describedby", head.id);
    // One tab stop per note: the number after the passage opens the same note.
    document.querySelectorAll('a.annotation-ref[href="#' + key + '"]').forEach(function (ref) {
      ref.tabIndex = -1;
    });
  }

  function init() {
    var marks = document.querySelectorAll("mark.annotation[data-note]");
    if (!marks.length) return;
    build();
    document.querySelectorAll("mark.annotation[id^='a-']").forEach(enhance);
    document.documentElement.classList.add("js-annotations");

    document.addEventListener("click", function (event) {
      var ref = event.target.closest("a.annotation-ref");
      var mark = !ref && event.target.closest("mark.annotation[data-note]");
      if (ref) {
        event.preventDefault();
        var target = firstMark(ref.getAttribute("href").slice(1));
        show(ref.getAttribute("href").slice(1), target && target.tabIndex === 0 ? target : ref);
        return;
      }
      if (mark && !mark.closest("a") && !selecting()) {
        var first = firstMark(mark.dataset.note);
        show(mark.dataset.note, first && first.tabIndex === 0 ? first : mark);
        return;
      }
      if (shownNote && !panel.contains(event.target)) hide(false);
    });

    document.addEventListener("keydown", function (event) {
      var mark = event.target.closest && event.target.closest("mark.annotation[role=button]");
      if (mark && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        show(mark.dataset.note, mark);
      } else if (event.key === "Escape" && shownNote) {
        hide(true);
      }
    });

    window.addEventListener("resize", function () {
      if (shownNote) place(firstMark(shownNote) || opener);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
