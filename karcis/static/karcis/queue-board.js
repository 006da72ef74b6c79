// The TV board of a service point (queueing/board.html). Live over a websocket; caught up
// from state.json on every (re)connection and every minute; each call announced with a chime
// and its spoken audio, one after another. A TV runs it for days: every list is capped, one
// audio element is reused, and the page reloads itself once a night. No framework.
(function () {
  "use strict";

  var RECENT_CALLS = 8; // as many as the server's state holds
  var SEEN_KEYS = 64; // calls already shown: a state never re-highlights them
  var WAITING_ANNOUNCEMENTS = 12; // a longer backlog drops its oldest: they are on screen
  var STATE_EVERY = 60 * 1000;
  var FIRST_RETRY = 1000;
  var LAST_RETRY = 30 * 1000;
  var BLINK_FOR = 3200;
  var AUDIO_AT_MOST = 15 * 1000; // an announcement that never ends does not stop the rest
  var CHIME_LENGTH = 1400;
  var NIGHT_HOUR = 2; // reload between 02:00 and 03:00 at the office
  var UP_AT_LEAST = 12 * 3600 * 1000;
  var SOUND_KEY = "karcis.board.sound";
  var NOT_FOUND = 4404; // no such board (switched off?): ask again only now and then

  function clear(element) {
    while (element.firstChild) element.removeChild(element.firstChild);
  }

  function span(className, text) {
    var element = document.createElement("span");
    element.className = className;
    element.textContent = text;
    return element;
  }

  function keyOf(call) {
    return call.number + "@" + Date.parse(call.at);
  }

  function startBoard(root) {
    var latest = root.querySelector("[data-latest]");
    var latestNumber = root.querySelector("[data-latest-number]");
    var latestCounter = root.querySelector("[data-latest-counter]");
    var counters = root.querySelector("[data-counters]");
    var recent = root.querySelector("[data-recent]");
    var waiting = root.querySelector("[data-services]");
    var badge = root.querySelector("[data-reconnecting]");
    var timeZone = root.dataset.timeZone;
    var locale = root.dataset.locale || "id-ID";
    var clockOffset = 0; // the server's clock minus the TV's
    var seen = [];
    var blinkTimer = null;

    // --- what the board shows ---------------------------------------------------------

    function markSeen(key) {
      if (seen.indexOf(key) !== -1) return;
      seen.push(key);
      if (seen.length > SEEN_KEYS) seen.shift();
    }

    function showLatest(call, blink) {
      latestNumber.textContent = call.number;
      latestCounter.textContent = call.counter_name || call.counter || "";
      if (!blink) return;
      latest.classList.remove("is-new");
      void latest.offsetWidth; // restart the animation for a call right after another
      latest.classList.add("is-new");
      clearTimeout(blinkTimer);
      blinkTimer = setTimeout(function () { latest.classList.remove("is-new"); }, BLINK_FOR);
    }

    function counterItem(counter) {
      var item = document.createElement("li");
      item.className = "board-counter";
      item.dataset.code = counter.code;
      item.appendChild(span("board-counter-name", counter.name));
      item.appendChild(span("board-counter-number", counter.number || "—"));
      return item;
    }

    function recentItem(call) {
      var item = document.createElement("li");
      item.appendChild(span("board-recent-number", call.number));
      item.appendChild(span("board-recent-counter", call.counter_name || call.counter || ""));
      return item;
    }

    function renderCounters(list) {
      clear(counters);
      var open = list.filter(function (counter) { return counter.open; });
      open.forEach(function (counter) { counters.appendChild(counterItem(counter)); });
      if (!open.length) {
        var empty = document.createElement("li");
        empty.className = "board-counter board-empty";
        empty.textContent = root.dataset.noCounter || "";
        counters.appendChild(empty);
      }
    }

    function renderWaiting(list) {
      clear(waiting);
      list.forEach(function (service) {
        var item = document.createElement("li");
        item.appendChild(span("board-prefix", service.prefix));
        item.appendChild(span("board-service-name", service.name));
        var text = (root.dataset.waiting || "{n}").replace("{n}", service.waiting);
        item.appendChild(span("board-waiting", text));
        waiting.appendChild(item);
      });
    }

    function renderState(state) {
      if (!state) return;
      if (state.now) clockOffset = Date.parse(state.now) - Date.now();
      renderCounters(state.counters || []);
      renderWaiting(state.services || []);
      var calls = (state.recent || []).slice(0, RECENT_CALLS);
      clear(recent);
      calls.forEach(function (call) { recent.appendChild(recentItem(call)); });
      // A call missed during a blip is shown, not announced; one already shown stays put
      // (a recall on screen is not pushed aside by an older call).
      if (calls.length && seen.indexOf(keyOf(calls[0])) === -1) showLatest(calls[0], false);
      calls.forEach(function (call) { markSeen(keyOf(call)); });
      tick();
    }

    function receiveCall(call) {
      markSeen(keyOf(call));
      showLatest(call, true);
      var item = counters.querySelector('[data-code="' + CSS.escape(call.counter) + '"]');
      if (item) item.querySelector(".board-counter-number").textContent = call.number;
      if (!call.recall) {
        recent.insertBefore(recentItem(call), recent.firstChild);
        while (recent.children.length > RECENT_CALLS) recent.removeChild(recent.lastChild);
      }
      announce(call);
    }

    // --- the clock, in the office's time zone and by the server's clock ---------------

    var timeFormat, dateFormat, hourFormat;
    try {
      timeFormat = new Intl.DateTimeFormat(locale, { timeZone: timeZone, hour: "2-digit", minute: "2-digit", hour12: false });
      dateFormat = new Intl.DateTimeFormat(locale, { timeZone: timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
      hourFormat = new Intl.DateTimeFormat("en-GB", { timeZone: timeZone, hour: "2-digit", hour12: false });
    } catch (error) { // an unknown zone: the TV's own
      timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hour12: false });
      dateFormat = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
      hourFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hour12: false });
    }
    var timeText = root.querySelector("[data-clock-time]");
    var dateText = root.querySelector("[data-clock-date]");

    function tick() {
      var now = new Date(Date.now() + clockOffset);
      timeText.textContent = timeFormat.format(now);
      dateText.textContent = dateFormat.format(now);
    }
    tick();
    setInterval(tick, 1000);

    // --- announcements: a chime, then the spoken call; one at a time ------------------

    var soundOn = false;
    var audioContext = null;
    var player = new Audio();
    player.preload = "auto";
    var announcements = [];
    var speaking = false;

    function announce(call) {
      if (!soundOn || !call.audio) return;
      announcements.push(call.audio);
      if (announcements.length > WAITING_ANNOUNCEMENTS) announcements.shift();
      if (!speaking) nextAnnouncement();
    }

    function nextAnnouncement() {
      var audio = announcements.shift();
      if (!audio) { speaking = false; return; }
      speaking = true;
      chime(function () { speak(audio, nextAnnouncement); });
    }

    function chime(then) {
      if (!audioContext) { then(); return; }
      // Two falling notes (E5, C5), each a soft attack and a long decay: a "ding-dong".
      var start = audioContext.currentTime + 0.05;
      [[659.25, 0], [523.25, 0.5]].forEach(function (note) {
        var oscillator = audioContext.createOscillator();
        var gain = audioContext.createGain();
        var at = start + note[1];
        oscillator.type = "sine";
        oscillator.frequency.value = note[0];
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.45, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.85);
        oscillator.connect(gain);
        gain.connect(audioContext.destination);
        oscillator.start(at);
        oscillator.stop(at + 0.9);
      });
      setTimeout(then, CHIME_LENGTH);
    }

    function speak(url, then) {
      var finished = false;
      var timer = setTimeout(finish, AUDIO_AT_MOST);
      function finish() {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        player.onended = player.onerror = null;
        then();
      }
      player.onended = finish;
      player.onerror = finish; // no synthesiser on the server (404): the call stays silent
      player.src = url;
      var playing = player.play();
      if (playing && playing.catch) playing.catch(finish);
    }

    var overlay = root.querySelector("[data-sound-overlay]");
    var corner = root.querySelector("[data-sound-corner]");

    function remember(choice) {
      try { window.localStorage.setItem(SOUND_KEY, choice); } catch (error) { /* private mode */ }
    }

    function remembered() {
      try { return window.localStorage.getItem(SOUND_KEY); } catch (error) { return null; }
    }

    function audioContextNow() {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!audioContext && Context) audioContext = new Context();
      return audioContext;
    }

    function enableSound() {
      var context = audioContextNow();
      if (context && context.state === "suspended") context.resume();
      soundOn = true;
      remember("on");
      overlay.hidden = true;
      corner.hidden = true;
    }

    root.querySelector("[data-sound-on]").addEventListener("click", enableSound);
    corner.addEventListener("click", enableSound);
    root.querySelector("[data-sound-off]").addEventListener("click", function () {
      remember("off");
      overlay.hidden = true;
      corner.hidden = false;
    });

    // A TV is set up once: the big question only the first time. After the nightly reload
    // the browser may play at once (a kiosk browser allowed to autoplay); if it may not,
    // only a small button asks again, and the board stays readable meanwhile.
    (function askForSound() {
      var choice = remembered();
      if (choice === "on") {
        var context = audioContextNow();
        if (context && context.state === "running") { soundOn = true; return; }
        corner.hidden = false;
        return;
      }
      if (choice === "off") { corner.hidden = false; return; }
      overlay.hidden = false;
      root.querySelector("[data-sound-on]").focus();
    })();

    // --- live: the websocket, and the state to catch up --------------------------------

    function fetchState() {
      return fetch(root.dataset.stateUrl, { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("state " + response.status);
          return response.json();
        })
        .then(function (state) { renderState(state); return true; })
        .catch(function () { return false; });
    }

    var retryIn = FIRST_RETRY;

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + root.dataset.socketPath);
      socket.onopen = function () {
        retryIn = FIRST_RETRY;
        badge.hidden = true;
        fetchState();
      };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (error) { return; }
        if (message.type === "state") renderState(message.state);
        else if (message.type === "call" && message.call) receiveCall(message.call);
      };
      socket.onclose = function (event) {
        badge.hidden = false;
        if (event.code === NOT_FOUND) retryIn = LAST_RETRY;
        setTimeout(connect, retryIn);
        retryIn = Math.min(retryIn * 2, LAST_RETRY);
      };
    }

    connect();
    setInterval(fetchState, STATE_EVERY);

    // --- once a night, a fresh page (only when the server answers: a reload during an
    // outage would leave the TV on the browser's error page) ----------------------------

    var loadedAt = Date.now();
    setInterval(function () {
      if (Date.now() - loadedAt < UP_AT_LEAST) return;
      if (Number(hourFormat.format(new Date(Date.now() + clockOffset))) !== NIGHT_HOUR) return;
      fetchState().then(function (reachable) { if (reachable) window.location.reload(); });
    }, 9 * 60 * 1000 + Math.floor(Math.random() * 2 * 60 * 1000));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-board]");
    if (root) startBoard(root);
  });
})();
