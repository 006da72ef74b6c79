// The agent workspace: inbox selection and filters, the "/" shortcut, and live presence on
// the ticket page. No framework: htmx does the fetching, this file only the small rest.
(function () {
  "use strict";

  // --- inbox ---------------------------------------------------------------------------

  // Filter changes go out without empty parameters, so the pushed URL stays readable.
  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    if (!source || !source.closest || !source.closest("[data-drop-empty]")) return;
    var params = event.detail.parameters;
    var keys = typeof params.keys === "function" ? Array.from(params.keys()) : Object.keys(params);
    keys.forEach(function (key) {
      var value = typeof params.get === "function" ? params.get(key) : params[key];
      if (value === "" || value === null) {
        if (typeof params.delete === "function") params.delete(key); else delete params[key];
      }
    });
  });

  // The filter panel folds away on a phone; on a wide screen it is always open.
  function openFiltersOnWideScreens() {
    if (!window.matchMedia("(min-width: 900px)").matches) return;
    document.querySelectorAll("[data-filter-panel]").forEach(function (panel) { panel.open = true; });
  }
  document.addEventListener("DOMContentLoaded", openFiltersOnWideScreens);
  document.addEventListener("htmx:afterSwap", openFiltersOnWideScreens);

  // The bulk bar says how many tickets are selected and only acts when some are.
  function updateSelection() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var boxes = document.querySelectorAll('input[type=checkbox][name="tickets"][form="bulk-form"]');
    var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    var label = form.querySelector("[data-selected-count]");
    if (label) {
      label.textContent = checked
        ? (form.dataset.some || "{n} selected").replace("{n}", checked)
        : (form.dataset.none || "");
    }
    form.classList.toggle("has-selection", checked > 0);
    form.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      button.disabled = checked === 0;
    });
    var all = document.querySelector('[data-check-all="tickets"]');
    if (all) {
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }
  document.addEventListener("karcis:selection", updateSelection);
  document.addEventListener("htmx:afterSettle", updateSelection);
  document.addEventListener("DOMContentLoaded", updateSelection);

  // "/" jumps to the ticket search, as in most help desks (not while typing somewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var search = document.querySelector("[data-search-shortcut]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  // --- presence on the ticket page -----------------------------------------------------

  var ANNOUNCE_EVERY = 20000; // late joiners learn of earlier viewers within this time
  var FORGET_AFTER = 45000; // someone silent this long has gone (closed laptop, lost network)
  var IDLE_AFTER = 8000; // no typing for this long: back to "viewing"
  var NO_RETRY = { 4403: true, 4404: true }; // not allowed / no such ticket

  function startPresence(page) {
    var box = page.querySelector("[data-presence]");
    if (!box || !("WebSocket" in window)) return;
    var me = String(page.dataset.userId);
    var people = {};
    var state = "viewing";
    var socket = null;
    var retryIn = 1000;
    var idleTimer = null;

    function send(newState) {
      state = newState;
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ state: state }));
      }
    }

    function render() {
      var ids = Object.keys(people);
      box.textContent = "";
      ids.forEach(function (id) {
        var person = people[id];
        var template = person.state === "replying" ? box.dataset.replying : box.dataset.viewing;
        var line = document.createElement("div");
        line.className = "alert " + (person.state === "replying" ? "alert-warning" : "alert-info");
        line.textContent = (template || "{name}").replace("{name}", person.name);
        box.appendChild(line);
      });
    }

    function receive(message) {
      var id = String(message.user);
      if (id === me) return; // our own other tab
      if (message.state === "left") {
        delete people[id];
      } else {
        var isNew = !people[id];
        people[id] = { name: message.name, state: message.state, seen: Date.now() };
        if (isNew) send(state); // greet the newcomer now instead of at the next round
      }
      render();
    }

    function forgetSilent() {
      var now = Date.now();
      Object.keys(people).forEach(function (id) {
        if (now - people[id].seen > FORGET_AFTER) delete people[id];
      });
      render();
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + page.dataset.presenceUrl);
      socket.onopen = function () {
        retryIn = 1000;
        if (state !== "viewing") send(state);
      };
      socket.onmessage = function (event) {
        try { receive(JSON.parse(event.data)); } catch (error) { /* not ours */ }
      };
      socket.onclose = function (event) {
        people = {};
        render();
        if (NO_RETRY[event.code]) return;
        setTimeout(connect, retryIn);
        retryIn = Math.min(retryIn * 2, 60000);
      };
    }

    setInterval(function () { send(state); }, ANNOUNCE_EVERY);
    setInterval(forgetSilent, 5000);

    var composer = document.querySelector("[data-composer] textarea");
    if (composer) {
      composer.addEventListener("input", function () {
        if (state !== "replying") send("replying");
        clearTimeout(idleTimer);
        idleTimer = setTimeout(function () { send("viewing"); }, IDLE_AFTER);
      });
      composer.addEventListener("blur", function () {
        clearTimeout(idleTimer);
        if (state !== "viewing") send("viewing");
      });
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.querySelector("[data-presence-url]");
    if (page) startPresence(page);
  });
})();
