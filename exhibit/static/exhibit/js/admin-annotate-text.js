// Admin: annotate passages of an essay (the panel below the essay's change form).
//
// The curator selects words in the panel (mouse, or keyboard: the panel takes a caret, so
// Shift+arrows select) and chooses "Annotate selection". This script reads the selection in
// the essay's plain-text projection, the same text exhibit/services/projection.py makes on
// the server: blocks joined by a blank line, white space collapsed, footnote marks and the
// footnotes left out. It posts the quote, 32 characters of context each side and the start
// offset (UTF-16 code units, as the DOM counts); the server finds the words again in the saved
// text and stores code points. Existing notes are highlighted by their offsets, checked
// against their quotes. Without JavaScript the panel is the essay's text and a list of links.
(function () {
  "use strict";

  var BLOCKS = new Set([
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "pre", "dt", "dd",
  ]);
  var VOID = new Set(["br", "hr", "img", "wbr", "input", "meta", "link", "source"]);
  // Python's str.split() white space, which the projection collapses.
  var SPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
  var CONTEXT = 32;
  var SEPARATOR = { node: null, offset: 0 };

  function skipped(element) {
    var classes = element.classList;
    return (element.localName === "sup" && classes.contains("footnote-ref")) ||
      (element.localName === "section" && classes.contains("footnotes"));
  }

  // The projection of the panel's DOM: its text, and for each UTF-16 unit of it the text
  // node and offset it came from (null for block separators and line breaks).
  function project(root) {
    var blocks = [];
    var current = null;
    var skipping = 0;

    function flush() {
      var out = [];
      var space = null;
      current.forEach(function (unit) {
        if (SPACE.test(unit.ch)) {
          if (!space) space = unit;
          return;
        }
        if (space && out.length) out.push({ ch: " ", node: space.node, offset: space.offset });
        space = null;
        out.push(unit);
      });
      if (out.length) blocks.push(out);
      current = null;
    }

    function walk(node) {
      if (node.nodeType === Node.TEXT_NODE) {
        if (current && !skipping) {
          for (var i = 0; i < node.data.length; i++) {
            current.push({ ch: node.data[i], node: node, offset: i });
          }
        }
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      var tag = node.localName;
      if (VOID.has(tag)) {
        if (tag === "br" && current && !skipping) current.push({ ch: " ", node: null, offset: 0 });
        return;
      }
      var skip = skipped(node);
      if (skip) skipping++;
      if (BLOCKS.has(tag) && !skipping) {
        if (current) flush(); // a block inside a block (li > p) closes the outer one
        current = [];
      }
      for (var child = node.firstChild; child; child = child.nextSibling) walk(child);
      if (skip) skipping--;
      if (BLOCKS.has(tag) && current && !skipping) flush();
    }

    for (var child = root.firstChild; child; child = child.nextSibling) walk(child);
    if (current) flush();

    var text = "";
    var units = [];
    var starts = [];
    blocks.forEach(function (block, index) {
      if (index) {
        text += "\n\n";
        units.push(SEPARATOR, SEPARATOR);
      }
      starts.push(units.length);
      block.forEach(function (unit) {
        text += unit.ch;
        units.push(unit);
      });
    });
    return { text: text, units: units, starts: starts };
  }

  function isHighSurrogate(code) { return code >= 0xd800 && code <= 0xdbff; }
  function isLowSurrogate(code) { return code >= 0xdc00 && code <= 0xdfff; }

  // The span [start, end) of the projection that ``range`` covers, trimmed of white space.
  function spanOf(range, projection) {
    var first = -1;
    var last = -1;
    var touched = new Map();
    projection.units.forEach(function (unit, index) {
      if (!unit.node) return;
      var hit = touched.get(unit.node);
      if (hit === undefined) {
        hit = range.intersectsNode(unit.node);
        touched.set(unit.node, hit);
      }
      if (hit && range.comparePoint(unit.node, unit.offset) === 0 &&
          range.comparePoint(unit.node, unit.offset + 1) === 0) {
        if (first < 0) first = index;
        last = index;
      }
    });
    if (first < 0) return null;
    var text = projection.text;
    var start = first;
    var end = last + 1;
    while (start < end && SPACE.test(text[start])) start++;
    while (end > start && SPACE.test(text[end - 1])) end--;
    if (start >= end) return null;
    if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start--;
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++;
    return { start: start, end: end };
  }

  // What the server needs to find a span again: its quote, context, and where it starts.
  function selectionOf(span, projection, footnote) {
    var text = projection.text;
    var block = 0;
    projection.starts.forEach(function (start, index) {
      if (start <= span.start) block = index;
    });
    return {
      exact: text.slice(span.start, span.end),
      prefix: Array.from(text.slice(Math.max(0, span.start - 2 * CONTEXT), span.start))
        .slice(-CONTEXT).join(""),
      suffix: Array.from(text.slice(span.end, span.end + 2 * CONTEXT))
        .slice(0, CONTEXT).join(""),
      start: span.start,
      end: span.end,
      block: block,
      footnote: footnote,
    };
  }

  // Wrap the projection's span [start, end) in elements ``make()`` returns, node by node.
  function wrap(projection, start, end, make) {
    var segments = [];
    var last = null;
    for (var i = start; i < end; i++) {
      var unit = projection.units[i];
      if (!unit.node) continue;
      if (last && last.node === unit.node) {
        last.end = unit.offset + 1;
      } else {
        last = { node: unit.node, start: unit.offset, end: unit.offset + 1 };
        segments.push(last);
      }
    }
    segments.forEach(function (segment) {
      var range = document.createRange();
      range.setStart(segment.node, segment.start);
      range.setEnd(segment.node, segment.end);
      range.surroundContents(make());
    });
    return segments.length > 0;
  }

  // Where a saved note stands in the projection: its offsets if they still hold its quote,
  // else the occurrence of its quote nearest to them.
  function locateNote(projection, note) {
    var text = projection.text;
    if (!note.exact) return null;
    if (note.start != null && text.slice(note.start, note.end) === note.exact) {
      return { start: note.start, end: note.end };
    }
    var best = null;
    var at = text.indexOf(note.exact);
    while (at !== -1) {
      if (best === null || Math.abs(at - (note.start || 0)) < Math.abs(best - (note.start || 0))) {
        best = at;
      }
      at = text.indexOf(note.exact, at + 1);
    }
    return best === null ? null : { start: best, end: best + note.exact.length };
  }

  var post = window.exhibitAdmin.post; // admin-annotate-post.js

  function init(panel) {
    var text = panel.querySelector(".annotate-text");
    var trigger = panel.querySelector(".annotate-trigger");
    var form = panel.querySelector(".annotate-form");
    var heading = form.querySelector(".annotate-form-heading");
    var quote = form.querySelector(".annotate-quote");
    var error = form.querySelector(".annotate-error");
    var adminLink = form.querySelector(".annotate-admin-link");
    var save = form.querySelector(".annotate-save");
    var status = panel.querySelector(".annotate-status");
    var list = panel.querySelector(".annotate-list");
    var reattachBox = panel.querySelector(".annotate-reattach");
    var data = JSON.parse(document.getElementById("annotate-data").textContent);
    var notes = data.notes;
    var canAdd = panel.dataset.canAdd === "true";
    var canChange = panel.dataset.canChange === "true";
    var pristine = text.cloneNode(true);
    var state = { range: null, pending: null, editing: null, reattach: null };

    // The panel takes a caret so the keyboard can select (Shift+arrows), but is never edited.
    text.contentEditable = "true";
    text.spellcheck = false;
    text.setAttribute("role", "textbox");
    text.setAttribute("aria-readonly", "true");
    text.setAttribute("aria-multiline", "true");
    text.setAttribute("aria-describedby", "annotate-help");
    ["beforeinput", "paste", "drop", "cut", "dragstart"].forEach(function (type) {
      text.addEventListener(type, function (event) { event.preventDefault(); });
    });
    text.addEventListener("input", function () { render(); }); // an edit slipped through

    function noteById(id) {
      return notes.find(function (note) { return String(note.id) === String(id); }) || null;
    }

    function render() {
      var fresh = pristine.cloneNode(true);
      text.replaceChildren.apply(text, Array.from(fresh.childNodes));
      var shown = new Set();
      notes.forEach(function (note) {
        if (note.anchoring === "orphaned") return;
        var projection = project(text);
        var span = locateNote(projection, note);
        if (!span) return;
        shown.add(note.id);
        wrap(projection, span.start, span.end, function () {
          var mark = document.createElement("mark");
          mark.className = "annotate-mark anchoring-" + note.anchoring +
            (state.editing && state.editing.id === note.id ? " is-active" : "");
          mark.dataset.annotation = note.id;
          mark.title = note.motivation_label + (note.body ? ": " + note.body.slice(0, 120) : "");
          return mark;
        });
      });
      if (state.pending) {
        wrap(project(text), state.pending.start, state.pending.end, function () {
          var mark = document.createElement("mark");
          mark.className = "annotate-pending";
          return mark;
        });
      }
      renderList(shown);
    }

    function renderList(shown) {
      list.replaceChildren();
      if (!notes.length) {
        var empty = document.createElement("li");
        empty.className = "annotate-empty";
        empty.textContent = "No notes yet.";
        list.append(empty);
      }
      notes.forEach(function (note) {
        var item = document.createElement("li");
        var open = document.createElement("button");
        open.type = "button";
        open.className = "annotate-list-item";
        open.dataset.annotation = note.id;
        var words = document.createElement("q");
        words.textContent = note.exact.length > 90 ? note.exact.slice(0, 89) + "…" : note.exact;
        open.append(words);
        open.disabled = !canChange;
        open.title = canChange ? "Edit this note" : "";
        item.append(open);
        if (note.anchoring !== "exact") { // the usual state goes without saying
          var badge = document.createElement("span");
          badge.className = "anchoring-badge anchoring-" + note.anchoring;
          badge.textContent = note.anchoring_label;
          item.append(" ", badge);
        }
        if (note.anchoring !== "orphaned" && !shown.has(note.id)) {
          var missing = document.createElement("span");
          missing.className = "annotate-missing";
          missing.textContent = " not found in the text shown";
          item.append(missing);
        }
        if (note.anchoring === "orphaned" && canChange) {
          var again = document.createElement("button");
          again.type = "button";
          again.className = "button annotate-reattach-start";
          again.dataset.annotation = note.id;
          again.textContent = "Re-attach";
          item.append(" ", again);
        }
        var link = document.createElement("a");
        link.href = note.admin_url;
        link.className = "annotate-list-admin";
        link.textContent = "Details";
        item.append(" ", link);
        list.append(item);
      });
    }

    function setStatus(message) {
      status.textContent = message;
    }

    // Selecting ---------------------------------------------------------------------------

    function clippedRange() {
      var selection = document.getSelection();
      if (!selection || !selection.rangeCount || selection.isCollapsed) return null;
      var range = selection.getRangeAt(0).cloneRange();
      if (!range.intersectsNode(text)) return null;
      if (!text.contains(range.startContainer)) range.setStart(text, 0);
      if (!text.contains(range.endContainer)) range.setEnd(text, text.childNodes.length);
      return range.collapsed ? null : range;
    }

    function placeTrigger(range) {
      var rects = range.getClientRects();
      var box = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
      var frame = trigger.offsetParent ? trigger.offsetParent.getBoundingClientRect()
        : text.getBoundingClientRect();
      var width = trigger.offsetWidth || 160;
      var left = Math.min(Math.max(box.right - frame.left - width, 0), frame.width - width);
      trigger.style.left = Math.max(left, 0) + "px";
      trigger.style.top = (box.bottom - frame.top + 6) + "px";
    }

    document.addEventListener("selectionchange", function () {
      if (!canAdd && !state.reattach) return;
      var range = clippedRange();
      if (!range) {
        // Focus moving to the button or into the form keeps the selection made.
        if (!panel.contains(document.activeElement) || document.activeElement === text) {
          if (!form.hidden) return;
          state.range = null;
          trigger.hidden = true;
        }
        return;
      }
      state.range = range;
      trigger.hidden = false;
      placeTrigger(range);
    });

    text.addEventListener("click", function (event) {
      var mark = event.target.closest("mark.annotate-mark");
      var selection = document.getSelection();
      if (mark && canChange && (!selection || selection.isCollapsed)) {
        openEdit(noteById(mark.dataset.annotation));
      }
    });

    trigger.addEventListener("click", function () {
      // The selection as it stands now: a selectionchange queued by a fast Shift+arrow
      // (or a busy browser) may not have reached state.range yet.
      var current = clippedRange();
      if (current) state.range = current;
      if (!state.range) return;
      var projection = project(text);
      var footnote = Array.from(text.querySelectorAll("section.footnotes")).some(
        function (section) { return state.range.intersectsNode(section); });
      var span = spanOf(state.range, projection);
      var selection;
      if (span) {
        selection = selectionOf(span, projection, footnote);
      } else if (footnote) {
        selection = { exact: state.range.toString(), prefix: "", suffix: "", footnote: true };
      } else {
        setStatus("Select some words of the essay's text first.");
        return;
      }
      trigger.hidden = true;
      if (state.reattach) {
        openEdit(state.reattach, selection);
      } else {
        openNew(selection);
      }
    });

    // The form ----------------------------------------------------------------------------

    function setLinks(name, items) {
      var select = form.querySelector("select[name=" + name + "]");
      if (!select) return;
      select.replaceChildren();
      items.forEach(function (item) {
        select.append(new Option(item.text, item.id, true, true));
      });
      select.dispatchEvent(new Event("change", { bubbles: true })); // select2 redraws
    }

    function linkIds(name) {
      var select = form.querySelector("select[name=" + name + "]");
      return select ? Array.from(select.selectedOptions).map(function (o) { return Number(o.value); }) : [];
    }

    function showForm(title, selection, note) {
      state.selection = selection;
      state.editing = note;
      state.pending = selection && selection.start != null
        ? { start: selection.start, end: selection.end } : null;
      heading.textContent = title;
      quote.textContent = selection ? selection.exact : note.exact;
      error.hidden = true;
      adminLink.hidden = !note;
      if (note) adminLink.href = note.admin_url;
      form.elements.motivation.value = note ? note.motivation : form.elements.motivation.options[0].value;
      form.elements.body.value = note ? note.body : "";
      setLinks("entities", note ? note.entities : []);
      setLinks("references", note ? note.references : []);
      save.textContent = note && selection ? "Re-attach and save" : "Save note";
      form.hidden = false;
      window.exhibitAdmin.labelAutocompletes(form);
      render();
      form.elements.motivation.focus();
    }

    function openNew(selection) {
      showForm("New note", selection, null);
    }

    function openEdit(note, selection) {
      if (!note) return;
      showForm(selection ? "Re-attach note" : "Edit note", selection || null, note);
    }

    function closeForm(message) {
      form.hidden = true;
      state.pending = null;
      state.editing = null;
      state.selection = null;
      state.range = null;
      trigger.hidden = true;
      render();
      if (message) setStatus(message);
    }

    function endReattach() {
      state.reattach = null;
      reattachBox.hidden = true;
      trigger.textContent = "Annotate selection";
    }

    function startReattach(note) {
      state.reattach = note;
      reattachBox.hidden = false;
      reattachBox.querySelector(".annotate-reattach-quote").textContent = note.exact;
      trigger.textContent = "Re-attach to selection";
      text.focus({ preventScroll: true });
      reattachBox.scrollIntoView({ block: "nearest" });
    }

    form.querySelector(".annotate-cancel").addEventListener("click", function () {
      closeForm("");
      text.focus({ preventScroll: true });
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        closeForm("");
        text.focus({ preventScroll: true });
      }
    });
    text.addEventListener("scroll", function () {
      if (!trigger.hidden && state.range) placeTrigger(state.range);
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var payload = {
        motivation: form.elements.motivation.value,
        body: form.elements.body.value,
        entities: linkIds("entities"),
        references: linkIds("references"),
      };
      var url = panel.dataset.createUrl;
      if (state.editing) {
        url = panel.dataset.updateUrl.replace("/0/", "/" + state.editing.id + "/");
        payload.version = state.editing.version; // refused if someone changed it meanwhile
        if (state.selection) payload.selection = state.selection;
      } else {
        payload.selection = state.selection;
      }
      save.disabled = true;
      error.hidden = true;
      post(url, payload).then(function (response) {
        var saved = response.annotation;
        var index = notes.findIndex(function (note) { return note.id === saved.id; });
        if (index === -1) notes.push(saved); else notes[index] = saved;
        notes.sort(function (a, b) { return (a.start ?? Infinity) - (b.start ?? Infinity); });
        if (state.reattach && state.reattach.id === saved.id) endReattach();
        closeForm("Saved the note on “" + saved.exact + "”.");
        text.focus({ preventScroll: true });
      }).catch(function (failure) {
        error.textContent = failure.message;
        error.hidden = false;
      }).finally(function () {
        save.disabled = false;
      });
    });

    list.addEventListener("click", function (event) {
      var again = event.target.closest(".annotate-reattach-start");
      if (again) {
        startReattach(noteById(again.dataset.annotation));
        return;
      }
      var item = event.target.closest(".annotate-list-item");
      if (item) {
        var note = noteById(item.dataset.annotation);
        if (note.anchoring === "orphaned") {
          startReattach(note);
        } else {
          openEdit(note);
          var mark = text.querySelector("mark.annotate-mark[data-annotation='" + note.id + "']");
          if (mark) mark.scrollIntoView({ block: "center" });
        }
      }
    });

    reattachBox.querySelector(".annotate-reattach-cancel").addEventListener("click", function () {
      endReattach();
      closeForm("");
    });

    render();
    if (data.reattach && noteById(data.reattach)) {
      startReattach(noteById(data.reattach));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-annotate=text]");
    if (panel) init(panel);
  });
})();
