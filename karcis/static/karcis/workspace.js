// The workspace's notification bell: the unread count, live over a websocket, and the
// panel of recent notifications (loaded by htmx when the bell is opened).
(function () {
  "use strict";

  var bell = document.querySelector("[data-bell]");
  if (!bell) return;
  var button = bell.querySelector("[data-bell-toggle]");
  var panel = bell.querySelector("#bell-panel");
  var badge = bell.querySelector("[data-bell-count]");
  var countUrl = bell.getAttribute("data-count-url");

  function showCount(count) {
    if (!count) {
      badge.hidden = true;
      badge.textContent = "";
      return;
    }
    badge.hidden = false;
    badge.textContent = count > 99 ? "99+" : String(count);
  }

  // The count arrives on connecting and whenever a notification comes or is read. If the
  // socket cannot be kept open (a proxy without websockets), the count is fetched instead.
  var failures = 0;
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + bell.getAttribute("data-socket"));
    } catch (error) {
      poll();
      return;
    }
    socket.onopen = function () { failures = 0; };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      showCount(data.unread);
      if (data.changed && !panel.hidden && window.htmx) {
        window.htmx.ajax("GET", button.getAttribute("hx-get"), { target: panel });
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4403) return; // not staff: no bell to keep up
      failures += 1;
      if (failures > 3) { poll(); return; }
      setTimeout(connect, 2000 * failures);
    };
  }

  function fetchCount() {
    if (!countUrl) return Promise.resolve();
    return fetch(countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) showCount(data.unread); })
      .catch(function () {});
  }

  function poll() {
    fetchCount().finally(function () { setTimeout(poll, 30000); });
  }

  function setOpen(open) {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () { setOpen(panel.hidden); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { setOpen(false); button.focus(); }
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !bell.contains(event.target)) setOpen(false);
  });
  // The panel's "mark all as read" answers with the panel itself; the count follows.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === panel) {
      var count = panel.querySelector("[data-unread]");
      if (count) showCount(parseInt(count.getAttribute("data-unread"), 10));
    }
  });

  // The count at once, without waiting for the socket (which may take a moment, or be
  // refused by a proxy); then the socket keeps it up to date.
  fetchCount();
  connect();
})();
