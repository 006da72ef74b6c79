// A queue ticket's status page, live: the websocket sends the page's live part at each
// change of the line; the page also asks for it every 30 s and each time the socket
// (re)connects, so a dropped connection or a sleeping phone loses nothing.
(function () {
  "use strict";

  var POLL_EVERY = 30000;
  var NO_RETRY = { 4404: true }; // no such ticket: nothing to follow

  function start(page) {
    var live = page.querySelector("[data-live]");
    var note = page.querySelector("[data-live-note]");
    var retryIn = 1000;
    var baseTitle = document.title;

    function apply(data) {
      if (!data || !data.status) return;
      if (typeof data.html === "string" && live.innerHTML !== data.html) live.innerHTML = data.html;
      var before = page.dataset.status;
      page.dataset.status = data.status;
      // Parts shown only in some states (the QR code while booked, cancelling before a call).
      page.querySelectorAll("[data-while]").forEach(function (part) {
        part.hidden = part.getAttribute("data-while").split(" ").indexOf(data.status) < 0;
      });
      if (data.status === "called" && before !== "called") {
        document.title = "▶ " + baseTitle;
        if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
      } else if (data.status !== "called") {
        document.title = baseTitle;
      }
      if (note) note.classList.remove("stale");
    }

    function refresh() {
      fetch(page.dataset.jsonUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(apply)
        .catch(function () { if (note) note.classList.add("stale"); });
    }

    function connect() {
      if (!("WebSocket" in window)) return;
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + page.dataset.socketUrl);
      socket.onopen = function () {
        retryIn = 1000;
        refresh(); // whatever changed while the socket was away
      };
      socket.onmessage = function (event) {
        try { apply(JSON.parse(event.data)); } catch (error) { /* not ours */ }
      };
      socket.onclose = function (event) {
        if (NO_RETRY[event.code]) return;
        setTimeout(connect, retryIn);
        retryIn = Math.min(retryIn * 2, 60000);
      };
    }

    setInterval(refresh, POLL_EVERY);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") refresh();
    });
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.querySelector("[data-queue-status]");
    if (page) start(page);
  });
})();
