/*
 * contactkit: live chat in the Wagtail admin, staff's side (contactkit/launcher/staff.py).
 *
 * Loaded on every admin page by the insert_global_admin_js hook, as a plain <script src> whose
 * data-* attributes carry the addresses and the words (already in the staff member's admin
 * language). It does three things:
 *
 * 1. The "Available for chat" switch, fixed at the bottom of the page. The choice is stored on
 *    the server and kept from page to page. While it is on and the staff member was active in
 *    the admin within the last few minutes, a heartbeat keeps their presence fresh; idle, the
 *    heartbeats stop and presence lapses on its own. Leaving the page (pagehide) sends a beacon
 *    that lets presence lapse within seconds unless the next admin page picks it up.
 * 2. While available: a look for new chats every few seconds; a new one plays a short sound,
 *    shows a desktop notification (when the browser allows it: permission is asked when the
 *    switch is turned on) and a link next to the switch.
 * 3. On a chat's conversation page ([data-ck-live-chat]): new lines as they are written, whether
 *    the shopper is in the chat and typing, and answering in the chat (Enter sends,
 *    Shift+Enter adds a line). Everything typed is written with textContent, never as HTML.
 *    The news are pushed (Server-Sent Events, data-stream-url) where the browser can; polling
 *    is the fallback, and a slow poll the safety net while the stream is open. A line is shown
 *    once, whichever way it came (by id).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.fetch) {
    return;
  }
  var config = script.dataset;
  var STORE_LATEST = "contactkit-chat-latest";
  var STORE_LEAVING = "contactkit-chat-leaving";
  var STORE_SWITCH = "contactkit-chat-switch";

  function csrfToken() {
    var element = document.getElementById("wagtail-config");
    if (element) {
      try {
        return JSON.parse(element.textContent).CSRF_TOKEN || "";
      } catch (ignored) {
        // Fall back to the cookie.
      }
    }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* A JSON request to one of the chat views; rejects with {detail} on a refusal. */
  function call(url, method, body) {
    var options = {
      method: method || "GET",
      credentials: "same-origin",
      // A redirect means the session is gone (to the login page): not an answer.
      redirect: "error",
      headers: { Accept: "application/json" },
    };
    if (options.method !== "GET") {
      options.headers["X-CSRFToken"] = csrfToken();
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) {
        return null;
      }
      return response.json().then(
        function (data) {
          if (!response.ok) {
            throw data;
          }
          return data;
        },
        function () {
          throw {};
        },
      );
    });
  }

  function onReady(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) {
      made.className = className;
    }
    if (text !== undefined) {
      made.textContent = text;
    }
    return made;
  }

  /* 1 and 2: the switch, the heartbeat, new chats. */

  var heartbeatEvery = parseInt(config.heartbeat, 10) || 15000;
  var newChatsEvery = parseInt(config.newChatsEvery, 10) || 5000;
  var idleAfter = parseInt(config.idle, 10) || 300000;
  var lastActivity = Date.now();
  var available = false;
  var beatSent = 0;
  var switchButton = null;
  var othersText = null;
  var alertBox = null;
  var sound = null;

  function active() {
    return Date.now() - lastActivity < idleAfter;
  }

  function showState(state) {
    available = !!state.available;
    switchButton.setAttribute("aria-pressed", available ? "true" : "false");
    othersText.textContent = state.others_text || "";
    switchButton.parentNode.classList.toggle("ck-chat-switch--on", available);
  }

  function showTrouble(problem) {
    othersText.textContent = (problem && problem.detail) || config.error;
  }

  function beat() {
    if (!available || !active()) {
      return;
    }
    beatSent = Date.now();
    // Only "still here": turned off in another tab, the answer turns this switch off too.
    call(config.presenceUrl, "POST", { heartbeat: true }).then(showState, showTrouble);
  }

  function noticeActivity() {
    var wasIdle = !active();
    lastActivity = Date.now();
    // Back from being away: present again at once, not at the next beat.
    if (available && (wasIdle || Date.now() - beatSent > heartbeatEvery)) {
      beat();
    }
  }

  /* The newest chat this browser has heard of, shared by its admin tabs so that one new chat
   * rings once. Forgotten after a minute: coming back tomorrow rings for no old chats. */
  function latestSeen() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(STORE_LATEST) || "null");
      if (stored && Date.now() - stored.at < 60000) {
        return stored.id;
      }
    } catch (ignored) {
      // No storage (private browsing): this tab alone remembers.
    }
    return NaN;
  }

  function rememberLatest(id) {
    try {
      var before = latestSeen();
      window.localStorage.setItem(
        STORE_LATEST,
        JSON.stringify({ id: isNaN(before) ? id : Math.max(id, before), at: Date.now() }),
      );
    } catch (ignored) {
      // As above.
    }
  }

  var latestHere = NaN;

  function announce(chat) {
    if (sound) {
      sound.currentTime = 0;
      var playing = sound.play();
      if (playing && playing.catch) {
        playing.catch(function () {
          // The browser refused to play without a click on this page first.
        });
      }
    }
    if (window.Notification && Notification.permission === "granted") {
      var notification = new Notification(chat.title, { body: chat.body, tag: "ck-chat-" + chat.id });
      notification.onclick = function () {
        window.focus();
        window.location.href = chat.url;
        notification.close();
      };
    }
    alertBox.textContent = "";
    var link = element("a", "ck-chat-switch__new", chat.title);
    link.href = chat.url;
    link.setAttribute("aria-label", chat.title + " · " + config.open);
    alertBox.appendChild(link);
  }

  function lookForNewChats() {
    if (!available || !active()) {
      return;
    }
    var after = latestSeen();
    if (isNaN(after)) {
      after = latestHere;
    }
    var url = config.newChatsUrl + (isNaN(after) ? "" : "?after=" + after);
    call(url).then(function (found) {
      var before = latestSeen();
      // Unless another admin tab of this browser rang for them already: one ring, for the
      // newest.
      var fresh = (found.chats || []).filter(function (chat) {
        return isNaN(before) || chat.id > before;
      });
      if (fresh.length) {
        announce(fresh[fresh.length - 1]);
      }
      latestHere = found.latest;
      rememberLatest(found.latest);
    }, function () {
      // Tried again in a few seconds.
    });
  }

  function toggle() {
    var wanted = !available;
    if (wanted) {
      // Asked on a click, as browsers require; and the sound may play from now on.
      if (window.Notification && Notification.permission === "default") {
        Notification.requestPermission();
      }
      if (sound) {
        sound.load();
      }
      lastActivity = Date.now();
    }
    call(config.presenceUrl, "POST", { available: wanted }).then(function (state) {
      beatSent = Date.now();
      showState(state);
      // The other admin tabs of this browser follow at once (a storage event).
      try {
        window.localStorage.setItem(STORE_SWITCH, JSON.stringify({ available: available, at: Date.now() }));
      } catch (ignored) {
        // They follow at their next heartbeat.
      }
      if (available) {
        lookForNewChats();
      }
    }, showTrouble);
  }

  function buildSwitch(state) {
    var box = element("div", "ck-chat-switch");
    switchButton = element("button", "ck-chat-switch__button");
    switchButton.type = "button";
    var dot = element("span", "ck-chat-switch__dot");
    dot.setAttribute("aria-hidden", "true");
    switchButton.appendChild(dot);
    switchButton.appendChild(element("span", "ck-chat-switch__label", config.label));
    var help = element("span", "w-sr-only", config.help);
    help.id = "ck-chat-switch-help";
    othersText = element("span", "ck-chat-switch__others");
    othersText.id = "ck-chat-switch-others";
    switchButton.title = config.help;
    switchButton.setAttribute("aria-describedby", help.id + " " + othersText.id);
    alertBox = element("p", "ck-chat-switch__alert");
    alertBox.setAttribute("role", "status");
    box.appendChild(switchButton);
    box.appendChild(help);
    box.appendChild(othersText);
    box.appendChild(alertBox);
    document.body.appendChild(box);
    switchButton.addEventListener("click", toggle);
    showState(state);
  }

  function startPresence() {
    if (!config.presenceUrl || document.body.classList.contains("login")) {
      return;
    }
    if (config.soundUrl && window.Audio) {
      sound = new Audio(config.soundUrl);
      sound.preload = "auto";
    }
    call(config.presenceUrl).then(function (state) {
      buildSwitch(state);
      // A fresh heartbeat now: the previous page's pagehide let presence start to lapse.
      beat();
      lookForNewChats();
      window.setInterval(beat, heartbeatEvery);
      window.setInterval(lookForNewChats, newChatsEvery);
    }, function () {
      // Not allowed to chat (or signed out): no switch on this page.
    });
    ["pointerdown", "keydown", "wheel", "touchstart", "focus"].forEach(function (name) {
      window.addEventListener(name, noticeActivity, { passive: true, capture: true });
    });
    var lastMove = 0;
    window.addEventListener(
      "mousemove",
      function () {
        if (Date.now() - lastMove > 10000) {
          lastMove = Date.now();
          noticeActivity();
        }
      },
      { passive: true },
    );
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        noticeActivity();
      }
    });
    window.addEventListener("pagehide", function () {
      if (!available || !navigator.sendBeacon) {
        return;
      }
      // Other admin tabs of this browser hear it (a storage event) and send a heartbeat at
      // once: closing one of several tabs never lets presence lapse.
      try {
        window.localStorage.setItem(STORE_LEAVING, String(Date.now()));
      } catch (ignored) {
        // No storage: the other tabs' next heartbeat is at most a few seconds late.
      }
      var form = new FormData();
      form.append("leaving", "true");
      form.append("csrfmiddlewaretoken", csrfToken());
      navigator.sendBeacon(config.presenceUrl, form);
    });
    window.addEventListener("storage", function (event) {
      if (!switchButton) {
        return;
      }
      if (event.key === STORE_LEAVING && Date.now() - beatSent > 1000) {
        beat();
      } else if (event.key === STORE_SWITCH && event.newValue) {
        try {
          var turned = JSON.parse(event.newValue).available;
        } catch (ignored) {
          return;
        }
        available = !!turned;
        switchButton.setAttribute("aria-pressed", available ? "true" : "false");
        switchButton.parentNode.classList.toggle("ck-chat-switch--on", available);
        beat();
      }
    });
    window.addEventListener("pageshow", function (event) {
      // Back from the browser's page cache: the beacon above was sent on the way out.
      if (event.persisted) {
        lastActivity = Date.now();
        beat();
      }
    });
  }

  /* 3: a chat's live panel on its conversation page. */

  function startPanel(panel) {
    var log = panel.querySelector("[data-ck-chat-log]");
    var presence = panel.querySelector("[data-ck-chat-presence]");
    var typing = panel.querySelector("[data-ck-chat-typing]");
    var form = panel.querySelector("[data-ck-chat-form]");
    var box = form.querySelector("textarea");
    var problem = panel.querySelector("[data-ck-chat-error]");
    var notice = panel.querySelector("[data-ck-chat-notice]");
    var button = form.querySelector("button[type=submit]");
    var every = parseInt(panel.dataset.poll, 10) || 1000;
    var after = parseInt(panel.dataset.after, 10) || 0;
    var shown = {};
    var sending = false;
    var typingSent = 0;
    var polling = false;
    var live = false;
    var stream = null;
    var typed = 0;
    var timer = 0;
    var pushed = 0;
    var language = document.documentElement.lang || undefined;

    Array.prototype.forEach.call(log.children, function (line) {
      shown[line.getAttribute("data-id")] = true;
    });

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    function clock(iso) {
      var date = new Date(iso);
      return isNaN(date) ? "" : date.toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
    }

    function addLine(message) {
      if (!message || shown[message.id]) {
        return;
      }
      shown[message.id] = true;
      after = Math.max(after, message.id);
      var line = element("li", "ck-live-chat__line" + (message.mine ? " ck-live-chat__line--staff" : ""));
      line.setAttribute("data-id", message.id);
      line.appendChild(element("span", "ck-live-chat__who", message.who));
      var at = element("time", "ck-live-chat__at", clock(message.at));
      at.setAttribute("datetime", message.at);
      line.appendChild(at);
      line.appendChild(element("span", "ck-live-chat__body", message.body));
      log.appendChild(line);
      scrollDown();
    }

    function showPresence(inChat) {
      var text = inChat ? panel.dataset.textPresent : panel.dataset.textAbsent;
      if (presence.textContent.trim() !== text) {
        presence.textContent = text;
      }
      presence.classList.toggle("ck-live-chat__presence--away", !inChat);
    }

    function poll() {
      if (polling) {
        return;
      }
      polling = true;
      var asked = Date.now();
      call(panel.dataset.eventsUrl + "?after=" + after).then(
        function (news) {
          polling = false;
          showNews(news, asked);
          schedule();
        },
        function () {
          polling = false;
          problem.textContent = panel.dataset.textError;
          schedule(5000);
        },
      );
    }

    /* asked: when a poll asked; a pushed event is newer than what was asked before it. */
    function showNews(news, asked) {
      (news.messages || []).forEach(addLine);
      if (asked < pushed) {
        return;
      }
      showPresence(news.shopper_present);
      typing.hidden = !news.shopper_typing;
      // A pushed "typing" is not followed by a "stopped": it fades as the server's does.
      window.clearTimeout(typed);
      if (news.shopper_typing) {
        typed = window.setTimeout(function () {
          typing.hidden = true;
        }, 7000);
      }
      if (problem.textContent === panel.dataset.textError) {
        problem.textContent = "";
      }
    }

    function schedule(wait) {
      // Quick while someone looks (unless the news are pushed); slower in a background tab.
      var quick = document.visibilityState === "visible" && !live;
      window.clearTimeout(timer);
      timer = window.setTimeout(poll, wait || (quick ? every : Math.max(every, 5000)));
    }

    /* The pushed news: the same as the polled ones. */
    function listen() {
      if (!panel.dataset.streamUrl || !window.EventSource) {
        return;
      }
      stream = new EventSource(panel.dataset.streamUrl);
      stream.onmessage = function (event) {
        try {
          pushed = Date.now();
          showNews(JSON.parse(event.data));
        } catch (ignored) {
          // The poll brings the news.
        }
      };
      stream.addEventListener("stream-open", function () {
        // Catch up on what came before the stream opened.
        live = true;
        schedule(1);
      });
      stream.onerror = function () {
        live = false;
        if (stream.readyState === 2) {
          // Refused or gone: polling only, and the stream again in a minute.
          window.setTimeout(listen, 60000);
        }
      };
      stream.addEventListener("stream-error", function () {
        stream.close();
        stream.onerror();
      });
    }

    function send() {
      var text = box.value.trim();
      if (!text || sending) {
        if (!text) {
          box.focus();
        }
        return;
      }
      sending = true;
      button.disabled = true;
      call(panel.dataset.sendUrl, "POST", { body: text }).then(
        function (sent) {
          sending = false;
          button.disabled = false;
          box.value = "";
          problem.textContent = "";
          notice.textContent = sent.notice || "";
          addLine(sent.message);
          box.focus();
        },
        function (refused) {
          sending = false;
          button.disabled = false;
          notice.textContent = "";
          problem.textContent = (refused && refused.detail) || panel.dataset.textError;
        },
      );
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });
    box.addEventListener("input", function () {
      if (box.value.trim() && Date.now() - typingSent > 3000) {
        typingSent = Date.now();
        call(panel.dataset.typingUrl, "POST").catch(function () {
          // Only an indicator.
        });
      }
    });
    scrollDown();
    schedule();
    listen();
  }

  onReady(function () {
    startPresence();
    document.querySelectorAll("[data-ck-live-chat]").forEach(startPanel);
  });
})();
