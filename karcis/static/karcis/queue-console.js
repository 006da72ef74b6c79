// A counter's console: keyboard shortcuts, keeping the focus where it was when the console is
// swapped after an action, showing a refusal's message (a 409 or 400 answer), and re-fetching
// the waiting lines when the service point's lines change (a websocket; the lines also poll
// every 20 s, so a closed socket only makes them slower). No framework: htmx does the rest.
(function () {
  "use strict";

  var DEBOUNCE = 400; // several changes in a burst (a call finishes one and calls another): one fetch
  var NO_RETRY = { 4403: true, 4404: true }; // not allowed / no such counter

  function consoleElement() { return document.querySelector("[data-console]"); }

  // --- shortcuts: N next, R recall, X no-show, S start, F finish, P park, T transfer --------

  // Listened to from DOMContentLoaded on, after htmx has taken over the forms: a key pressed
  // earlier would post the page without it.
  function onShortcut(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var panel = consoleElement();
    if (!panel || event.key.length !== 1) return;
    var button = panel.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    if (button.getAttribute("data-shortcut") === "t") {
      // A transfer needs a choice first: go to it (Tab then leads to its button).
      var choice = panel.querySelector("[data-transfer-service]");
      if (choice) { choice.focus(); return; }
    }
    button.focus();
    button.click();
  }

  // --- after an action: the message, and the focus back on the same button -------------------

  var lastAction = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    // The actions' forms only: the lines' own refresh leaves the focus alone.
    if (form.tagName !== "FORM" || !form.closest("[data-console]")) return;
    var button = form.querySelector("[data-action]");
    lastAction = button ? button.getAttribute("data-action") : null;
  });

  // A refused action answers 409 (or 400 for a bad choice) with the console and its message:
  // show it like any other answer.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 409 || status === 400) && target && target.id === "console") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "console") return;
    var panel = consoleElement();
    if (!panel) return;
    var again = lastAction && panel.querySelector('[data-action="' + lastAction + '"]:not([disabled])');
    var next = again || panel.querySelector('[data-action="call-next"]:not([disabled])') ||
      panel.querySelector('[data-action="open"]');
    if (next) next.focus();
    lastAction = null;
    listen(panel); // a swapped console may be another counter's after taking it over
  });

  // --- live: the point's lines changed ----------------------------------------------------

  var socket = null;
  var socketUrl = null;
  var retryIn = 1000;
  var pending = null;

  function linesChanged() {
    clearTimeout(pending);
    pending = setTimeout(function () {
      document.body.dispatchEvent(new CustomEvent("queue-changed"));
    }, DEBOUNCE);
  }

  function connect(url) {
    if (!("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + url);
    } catch (error) {
      return; // the 20 s poll keeps the lines fresh
    }
    var mine = socket;
    socket.onopen = function () {
      retryIn = 1000;
      linesChanged(); // changes missed while disconnected
    };
    socket.onmessage = linesChanged;
    socket.onclose = function (event) {
      if (mine !== socket || NO_RETRY[event.code]) return;
      setTimeout(function () { if (mine === socket) connect(url); }, retryIn);
      retryIn = Math.min(retryIn * 2, 60000);
    };
  }

  function listen(panel) {
    var url = panel.getAttribute("data-socket");
    if (!url || url === socketUrl) return;
    socketUrl = url;
    if (socket) { var old = socket; socket = null; old.close(); }
    connect(url);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", onShortcut);
    var panel = consoleElement();
    if (panel) listen(panel);
  });
})();
