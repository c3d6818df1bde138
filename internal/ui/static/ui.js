// dagworker web UI: JSON fields are checked before a form is sent, and
// forms with data-confirm ask first. The refreshes are htmx attributes.
(function () {
  "use strict";
  function check(area) {
    var box = area.closest("form").querySelector("p.error[hidden], p.error[data-json-error]");
    var msg = "";
    var text = area.value.trim();
    if (text !== "") {
      try {
        var v = JSON.parse(text);
        if (v === null || typeof v !== "object" || Array.isArray(v)) msg = "must be a JSON object ({...})";
      } catch (e) {
        msg = "not valid JSON: " + e.message;
      }
    }
    if (box) {
      box.setAttribute("data-json-error", "");
      box.textContent = msg ? area.name + " " + msg : "";
      box.hidden = !msg;
    }
    area.setCustomValidity(msg ? area.name + " " + msg : "");
    return !msg;
  }
  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-json]")) check(e.target);
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var ok = true;
    form.querySelectorAll("textarea[data-json]").forEach(function (a) { ok = check(a) && ok; });
    if (!ok) { e.preventDefault(); return; }
    var q = form.getAttribute("data-confirm");
    if (q && !window.confirm(q)) e.preventDefault();
  }, true);
})();
