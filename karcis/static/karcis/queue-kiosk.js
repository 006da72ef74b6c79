// The kiosk's screens (queueing/kiosk/*.html): the clock; one tap takes one number; the
// scanner's field keeps the focus while nobody types; an idle start screen reloads itself
// now and then (a fresh page, a fresh CSRF token); the receipt prints itself when the
// browser is the printer, and every other screen goes back to the start. No framework.
(function () {
  "use strict";

  var IDLE_AFTER = 45 * 1000; // no touch or key this long: nobody is using the kiosk
  var RELOAD_AFTER = 10 * 60 * 1000; // an idle start screen older than this reloads
  var CHECK_EVERY = 15 * 1000;

  function startClock() {
    var clock = document.querySelector("[data-clock]");
    if (!clock) return;
    var format;
    try {
      format = new Intl.DateTimeFormat(clock.dataset.locale || "id-ID", {
        timeZone: clock.dataset.timeZone, hour: "2-digit", minute: "2-digit", hour12: false
      });
    } catch (error) {
      format = new Intl.DateTimeFormat(clock.dataset.locale || "id-ID", { hour: "2-digit", minute: "2-digit", hour12: false });
    }
    function tick() { clock.textContent = format.format(new Date()); }
    tick();
    setInterval(tick, 1000);
  }

  // A double tap must not take two numbers: a form goes once (the tapped button's value is
  // still sent: the button is marked, not disabled).
  function sendFormsOnce() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("[data-kiosk-form]")) return;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      if (event.submitter) event.submitter.setAttribute("aria-busy", "true");
    });
    // Back from another screen through the browser's history: the form may go again.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("[data-kiosk-form]").forEach(function (form) {
        delete form.dataset.sent;
        form.querySelectorAll("[aria-busy]").forEach(function (b) { b.removeAttribute("aria-busy"); });
      });
    });
  }

  function startScreen() {
    var scan = document.querySelector("[data-scan-field]");
    if (!scan) return;
    var loadedAt = Date.now();
    var lastUsed = Date.now();
    // The scanner types into this field; focused without scrolling, so the screen opens at
    // its top (the services) however tall it is. (No `autofocus`: it scrolls.)
    scan.focus({ preventScroll: true });
    ["pointerdown", "keydown", "input"].forEach(function (name) {
      document.addEventListener(name, function () { lastUsed = Date.now(); }, true);
    });
    setInterval(function () {
      if (Date.now() - lastUsed < IDLE_AFTER) return;
      // Nobody here: forget what the last person typed, and give the scanner the focus.
      document.querySelectorAll(".kiosk-check-in input").forEach(function (field) { field.value = ""; });
      var typed = document.querySelector(".kiosk-typed");
      if (typed) typed.open = false;
      if (document.activeElement !== scan) scan.focus({ preventScroll: true });
      if (Date.now() - loadedAt > RELOAD_AFTER) {
        // Only when the server answers: a reload during an outage would leave the kiosk on
        // the browser's error page.
        fetch(window.location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" })
          .then(function (response) { if (response.ok) window.location.reload(); })
          .catch(function () {});
      }
    }, CHECK_EVERY);
  }

  function backToStart() {
    var countdown = document.querySelector("[data-back-to-start]");
    if (!countdown) return;
    var left = Number(countdown.dataset.seconds) || 15;
    var template = countdown.dataset.template || "{n}";
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        window.location.replace(countdown.dataset.backToStart);
        return;
      }
      countdown.textContent = template.replace("{n}", left);
    }, 1000);
  }

  function printReceipt() {
    var receipt = document.querySelector("[data-browser-print]");
    if (!receipt) return;
    var qr = receipt.querySelector("img");
    var printed = false;
    function print() {
      if (printed) return;
      printed = true;
      window.print();
    }
    if (!qr || qr.complete) setTimeout(print, 200);
    else { qr.addEventListener("load", print); qr.addEventListener("error", print); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    startClock();
    sendFormsOnce();
    startScreen();
    printReceipt();
    backToStart();
  });
})();
