// Small behaviours shared by every page. No framework: htmx does the fetching.
(function () {
  "use strict";

  // "Select all" checkboxes: <input type="checkbox" data-check-all="name-of-boxes">
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-check-all]")) {
      var name = box.getAttribute("data-check-all");
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (b) {
        b.checked = box.checked;
      });
      box.dispatchEvent(new CustomEvent("karcis:selection", { bubbles: true }));
    }
    if (box.matches && box.matches("input[type=checkbox][data-selectable]")) {
      box.dispatchEvent(new CustomEvent("karcis:selection", { bubbles: true }));
    }
  });

  // Copy buttons: <button data-copy="text">
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    navigator.clipboard && navigator.clipboard.writeText(button.getAttribute("data-copy"));
    var label = button.getAttribute("data-copied") || "✓";
    var before = button.textContent;
    button.textContent = label;
    setTimeout(function () { button.textContent = before; }, 1500);
  });

  // Read-only fields whose whole text is meant to be copied: <input data-select-on-focus>
  // (an onfocus="" attribute would be refused by the Content-Security-Policy).
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-select-on-focus]")) field.select();
  });

  // Forms that upload files show that they are working, and cannot be sent twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-once")) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    }
  });
})();
