// "Cite this page": a Copy button beside each citation. The citations are plain, selectable
// text without this script; it only adds the buttons where the Clipboard API is available.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) return;

  document.querySelectorAll(".cite__item").forEach(function (item) {
    var source = item.querySelector(".cite__text, .cite__bibtex");
    var label = item.querySelector("dt");
    if (!source || !label) return;
    var name = label.textContent.trim();
    var button = document.createElement("button");
    button.type = "button";
    button.className = "cite__copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy the " + name + " citation");
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.innerText.trim()).then(
        function () {
          button.textContent = "Copied";
          status.textContent = name + " citation copied.";
          window.setTimeout(function () {
            button.textContent = "Copy";
            status.textContent = "";
          }, 2000);
        },
        function () {
          status.textContent = "Could not copy; select the text instead.";
        }
      );
    });
    label.appendChild(button);
    label.appendChild(status);
  });
})();
