// rectify's own script: small, no inline code anywhere (the Content-Security-Policy forbids it).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the session's CSRF token as a header (forms carry it as a field).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Elements with data-autosubmit submit their form when changed (filters, the language switch).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });

  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();

// The location type-ahead of the report form: choosing a suggestion fills the hidden unit field.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var choice = event.target.closest && event.target.closest("[data-unit]");
    if (!choice) {
      return;
    }
    var field = document.getElementById("unit");
    var search = document.getElementById("unit-q");
    var list = document.getElementById("unit-suggestions");
    if (field) { field.value = choice.getAttribute("data-unit"); }
    if (search) { search.value = choice.getAttribute("data-label"); search.focus(); }
    if (list) { list.innerHTML = ""; }
    document.body.dispatchEvent(new CustomEvent("unit-chosen", { bubbles: true }));
  });
  // Typing again forgets the unit chosen before.
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "unit-q") {
      var field = document.getElementById("unit");
      if (field) { field.value = ""; }
    }
  });
})();

// Evidence: files dropped on a .dropzone go into its file field.
(function () {
  "use strict";
  function zoneOf(event) {
    return event.target && event.target.closest ? event.target.closest(".dropzone") : null;
  }
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var zone = zoneOf(event);
      if (zone) { event.preventDefault(); zone.classList.add("over"); }
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone) { zone.classList.remove("over"); }
  });
  document.addEventListener("drop", function (event) {
    var zone = zoneOf(event);
    if (!zone) { return; }
    event.preventDefault();
    zone.classList.remove("over");
    var input = zone.querySelector("input[type=file]");
    if (input && event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();

// Details marked data-open-wide start open on a wide screen (the list's further filters).
(function () {
  "use strict";
  if (window.matchMedia && window.matchMedia("(min-width: 1000px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = true;
    });
  }
})();
