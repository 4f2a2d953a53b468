/* What the admin's annotation panels share: posting JSON to the admin with its CSRF token, and
   naming the autocompletes' search boxes. Loaded before admin-annotate-text.js and
   admin-annotate-image.js. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // POST ``payload`` as JSON; resolves to the response's JSON, or rejects with a message.
  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(payload),
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        throw new Error(response.redirected
          ? "You are no longer logged in. Log in again in another tab, then save again."
          : "The note was not saved (the server answered " + response.status + ").");
      }
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error || "The note was not saved.");
        return data;
      });
    });
  }

  // Django's autocomplete (Select2 4.0) hides the labelled <select> and types into a search box
  // of its own that no label names; give that box the field's label, so a screen reader says
  // which links it searches. Select2 keeps the box when it redraws, so once per form opening.
  function labelAutocompletes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = select.id && root.querySelector("label[for='" + select.id + "']");
      var container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains("select2")) return;
      var name = label.textContent.trim().replace(/:$/, "");
      container.querySelectorAll(".select2-search__field").forEach(function (field) {
        field.setAttribute("aria-label", name);
      });
    });
  }

  window.exhibitAdmin = { post: post, labelAutocompletes: labelAutocompletes };
})();
