// Admin: in each block form, show only the group of fields its kind uses.
// Without JavaScript every group stays visible, and the server validates each kind anyway.
(function () {
  "use strict";

  function sync(form) {
    var select = form.querySelector("select[name='kind'], select[name$='-kind']");
    if (!select) return;
    form.querySelectorAll("fieldset.block-kind").forEach(function (fieldset) {
      var wanted = fieldset.classList.contains("block-kind-" + select.value);
      fieldset.hidden = !wanted;
    });
  }

  function formOf(element) {
    return element.closest(".inline-related") || element.closest("form");
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[name='kind'], select[name$='-kind']")) sync(formOf(event.target));
  });
  document.addEventListener("formset:added", function (event) {
    sync(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[name='kind'], select[name$='-kind']").forEach(function (select) {
      sync(formOf(select));
    });
  });
})();
