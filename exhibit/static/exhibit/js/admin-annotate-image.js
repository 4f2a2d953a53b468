// Admin: annotate regions of an image (the panel below the image's change form).
//
// The curator drags a rectangle over the display rendition (mouse, pen or touch, through
// pointer events) or types x, y, width and height; either way the region is kept in pixels of
// the ORIGINAL image, scaled by original width / shown width, which is what the server stores
// (a media fragment, xywh=x,y,w,h) and validates. Existing regions are outlined and are buttons:
// selecting one opens its note. Without JavaScript the panel is the picture and a list of links.
(function () {
  "use strict";

  var MINIMUM_DRAG = 4; // CSS pixels: anything shorter is a click, not a rectangle

  var post = window.exhibitAdmin.post; // admin-annotate-post.js

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function init(panel) {
    var width = Number(panel.dataset.width);
    var height = Number(panel.dataset.height);
    var stage = panel.querySelector(".annotate-stage");
    var picture = stage.querySelector("img");
    var rubber = stage.querySelector(".annotate-rubber");
    var form = panel.querySelector(".annotate-form");
    var heading = form.querySelector(".annotate-form-heading");
    var error = form.querySelector(".annotate-error");
    var adminLink = form.querySelector(".annotate-admin-link");
    var save = form.querySelector(".annotate-save");
    var status = panel.querySelector(".annotate-status");
    var list = panel.querySelector(".annotate-list");
    var byNumbers = panel.querySelector(".annotate-by-numbers");
    var fields = ["x", "y", "w", "h"].map(function (name) { return form.elements[name]; });
    var notes = JSON.parse(document.getElementById("annotate-data").textContent).notes;
    var canAdd = panel.dataset.canAdd === "true";
    var canChange = panel.dataset.canChange === "true";
    var state = { drag: null, region: null, editing: null };

    if (!width || !height) return;
    stage.classList.add("is-live");
    if (canAdd) stage.classList.add("can-draw");
    if (byNumbers) byNumbers.hidden = false;

    // Where a pointer event falls, in pixels of the original image.
    function toOriginal(event) {
      var box = picture.getBoundingClientRect();
      return {
        x: clamp(Math.round((event.clientX - box.left) * width / box.width), 0, width),
        y: clamp(Math.round((event.clientY - box.top) * height / box.height), 0, height),
      };
    }

    function place(element, region) {
      element.style.left = (100 * region[0] / width) + "%";
      element.style.top = (100 * region[1] / height) + "%";
      element.style.width = (100 * region[2] / width) + "%";
      element.style.height = (100 * region[3] / height) + "%";
    }

    function showRegion(region, fill) {
      state.region = region;
      if (region && region[2] > 0 && region[3] > 0) {
        place(rubber, region);
        rubber.hidden = false;
      } else {
        rubber.hidden = true;
      }
      if (fill && region) {
        fields.forEach(function (field, index) { field.value = region[index]; });
      }
    }

    function regionFromFields() {
      var values = fields.map(function (field) { return field.value === "" ? NaN : Number(field.value); });
      return values.every(function (value) { return Number.isInteger(value) && value >= 0; })
        ? values : null;
    }

    function describe(note, index) {
      var text = note.body ? note.body.replace(/\s+/g, " ").slice(0, 80) : note.motivation_label;
      return "Region " + (index + 1) + ": " + text;
    }

    function render() {
      stage.querySelectorAll(".annotate-region").forEach(function (old) { old.remove(); });
      // Larger regions first, so a smaller one drawn inside another stays on top, reachable.
      var byArea = notes.filter(function (note) { return note.xywh && note.xywh.length === 4; })
        .sort(function (a, b) { return b.xywh[2] * b.xywh[3] - a.xywh[2] * a.xywh[3]; });
      byArea.forEach(function (note) {
        var index = notes.indexOf(note);
        var outline = document.createElement("button");
        outline.type = "button";
        outline.className = "annotate-region" +
          (state.editing && state.editing.id === note.id ? " is-active" : "");
        outline.dataset.annotation = note.id;
        outline.setAttribute("aria-label", describe(note, index));
        outline.title = describe(note, index);
        outline.disabled = !canChange;
        var number = document.createElement("span");
        number.className = "annotate-region-number";
        number.textContent = index + 1;
        outline.append(number);
        place(outline, note.xywh);
        stage.insertBefore(outline, rubber);
      });
      list.replaceChildren();
      if (!notes.length) {
        var empty = document.createElement("li");
        empty.className = "annotate-empty";
        empty.textContent = "No regions yet.";
        list.append(empty);
      }
      notes.forEach(function (note, index) {
        var item = document.createElement("li");
        var open = document.createElement("button");
        open.type = "button";
        open.className = "annotate-list-item";
        open.dataset.annotation = note.id;
        open.textContent = describe(note, index);
        open.disabled = !canChange;
        var where = document.createElement("span");
        where.className = "annotate-list-where";
        where.textContent = " (" + note.xywh.join(", ") + ")";
        var link = document.createElement("a");
        link.href = note.admin_url;
        link.className = "annotate-list-admin";
        link.textContent = "Details";
        item.append(open, where, " ", link);
        list.append(item);
      });
    }

    function noteById(id) {
      return notes.find(function (note) { return String(note.id) === String(id); }) || null;
    }

    // The form ----------------------------------------------------------------------------

    function setLinks(name, items) {
      var select = form.querySelector("select[name=" + name + "]");
      if (!select) return;
      select.replaceChildren();
      items.forEach(function (item) { select.append(new Option(item.text, item.id, true, true)); });
      select.dispatchEvent(new Event("change", { bubbles: true })); // select2 redraws
    }

    function linkIds(name) {
      var select = form.querySelector("select[name=" + name + "]");
      return select ? Array.from(select.selectedOptions).map(function (o) { return Number(o.value); }) : [];
    }

    function showForm(title, region, note) {
      state.editing = note;
      heading.textContent = title;
      error.hidden = true;
      adminLink.hidden = !note;
      if (note) adminLink.href = note.admin_url;
      form.elements.motivation.value = note ? note.motivation : form.elements.motivation.options[0].value;
      form.elements.body.value = note ? note.body : "";
      setLinks("entities", note ? note.entities : []);
      setLinks("references", note ? note.references : []);
      fields.forEach(function (field) { field.value = ""; });
      showRegion(region, true);
      form.hidden = false;
      window.exhibitAdmin.labelAutocompletes(form);
      render();
    }

    function closeForm(message) {
      form.hidden = true;
      state.editing = null;
      showRegion(null, false);
      render();
      if (message) status.textContent = message;
    }

    form.querySelector(".annotate-cancel").addEventListener("click", function () { closeForm(""); });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") closeForm("");
    });
    fields.forEach(function (field) {
      field.addEventListener("input", function () { showRegion(regionFromFields(), false); });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var region = regionFromFields();
      if (!region) {
        error.textContent = "Give the region as whole numbers of pixels: x, y, width and height.";
        error.hidden = false;
        fields[0].focus();
        return;
      }
      var payload = {
        motivation: form.elements.motivation.value,
        body: form.elements.body.value,
        entities: linkIds("entities"),
        references: linkIds("references"),
        xywh: region.join(","),
      };
      var url = state.editing
        ? panel.dataset.updateUrl.replace("/0/", "/" + state.editing.id + "/")
        : panel.dataset.createUrl;
      if (state.editing) payload.version = state.editing.version; // refused if changed meanwhile
      save.disabled = true;
      error.hidden = true;
      post(url, payload).then(function (response) {
        var saved = response.annotation;
        var index = notes.findIndex(function (note) { return note.id === saved.id; });
        if (index === -1) notes.push(saved); else notes[index] = saved;
        closeForm("Saved the note on the region " + saved.xywh.join(", ") + ".");
      }).catch(function (failure) {
        error.textContent = failure.message;
        error.hidden = false;
      }).finally(function () {
        save.disabled = false;
      });
    });

    // Drawing -----------------------------------------------------------------------------

    // A drag draws a rectangle (also over an existing one); a click on an outline opens it.
    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      var outline = event.target.closest(".annotate-region");
      var drawing = canAdd || !!state.editing;
      if (!drawing && !(outline && canChange)) return;
      event.preventDefault();
      stage.setPointerCapture(event.pointerId);
      state.drag = {
        id: event.pointerId, from: toOriginal(event), x: event.clientX, y: event.clientY,
        outline: outline, drawing: drawing, moved: false,
      };
    });

    stage.addEventListener("pointermove", function (event) {
      var drag = state.drag;
      if (!drag || drag.id !== event.pointerId || !drag.drawing) return;
      var moved = Math.max(Math.abs(event.clientX - drag.x), Math.abs(event.clientY - drag.y));
      if (!drag.moved && moved < MINIMUM_DRAG) return;
      drag.moved = true;
      var to = toOriginal(event);
      showRegion([
        Math.min(drag.from.x, to.x), Math.min(drag.from.y, to.y),
        Math.abs(to.x - drag.from.x), Math.abs(to.y - drag.from.y),
      ], !form.hidden);
    });

    stage.addEventListener("pointerup", function (event) {
      var drag = state.drag;
      if (!drag || drag.id !== event.pointerId) return;
      state.drag = null;
      var region = state.region;
      if (!drag.moved || !region || !region[2] || !region[3]) {
        showRegion(form.hidden ? null : regionFromFields(), false);
        if (!drag.moved && drag.outline && canChange) openNote(drag.outline.dataset.annotation);
        return;
      }
      if (form.hidden) {
        showForm("New note on a region", region, null);
        form.elements.motivation.focus();
      } else {
        showRegion(region, true); // redrawing while editing moves the region
      }
    });

    stage.addEventListener("pointercancel", function () {
      state.drag = null;
      showRegion(form.hidden ? null : regionFromFields(), false);
    });

    function openNote(id) {
      var note = noteById(id);
      if (!note) return;
      showForm("Edit note on region " + (notes.indexOf(note) + 1), note.xywh, note);
      form.elements.motivation.focus();
    }

    // Keyboard activation of an outline (a pointer's click lands on the stage, captured).
    stage.addEventListener("click", function (event) {
      var outline = event.target.closest(".annotate-region");
      if (outline && event.detail === 0) openNote(outline.dataset.annotation);
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest(".annotate-list-item");
      if (item) openNote(item.dataset.annotation);
    });
    if (byNumbers) {
      byNumbers.addEventListener("click", function () {
        showForm("New note on a region", null, null);
        fields[0].focus();
      });
    }

    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.querySelector("[data-annotate=image]");
    if (panel) init(panel);
  });
})();
