/* What the admin's annotation panels share: posting JSON to the admin with its CSRF token.
   Loaded before admin-annotate-text.js and admin-annotate-image.js. */
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

  window.exhibitAdmin = { post: post };
})();
