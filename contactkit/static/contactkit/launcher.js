/* contactkit's launcher: the "Contact us" link at the bottom of every page becomes a button
   that opens a panel (a modal <dialog>) with the ways to reach the shop right now, the reply
   time, and the shop's own live chat. Vanilla JavaScript, no build, no inline script.

   - Configuration is read from the data-* attributes of [data-contactkit-launcher] (rendered by
     {% contactkit_launcher %}) or given to window.contactkitLauncher.mount(element, config) by
     widget.js on another storefront: api (the API's address, ending in "/"), site, lang, poll
     (seconds), contactUrl, source ("launcher" or "widget").
   - Every word shown comes from the API, translated (state.texts), or from the page. Whatever
     anyone typed is put in with textContent, never parsed as HTML.
   - A chat's token is kept in localStorage (one per site), so a reload or a restarted server
     carries on with the same conversation; "End chat here" forgets it on this device only.
   - Polling: every `poll` seconds while the panel is open, ten times slower while it is closed
     with a chat going on, not at all while the tab is hidden.
   - Pushed: where the browser has EventSource, the chat's news also come as Server-Sent Events
     (chats/<token>/stream, the same shape as the polled events); while that stream is open the
     poll is the slow one, a safety net. A line is shown once, whichever way it came (by id). */
(() => {
  "use strict";
  if (window.contactkitLauncher) return;
  let count = 0;
  const SAFE_ACCOUNT = /^[\w-]+(\/[\w-]+)?$/;

  // h("p", {class: "x", text: "…", onclick: fn}, child, …): a new element; strings are text.
  const h = (tag, attrs, ...kids) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    node.append(...kids.filter((kid) => kid != null && kid !== ""));
    return node;
  };

  // The third-party chats: set up what the provider's script reads, return its address.
  const PROVIDERS = {
    crisp(account) {
      window.$crisp = window.$crisp || [];
      window.CRISP_WEBSITE_ID = account;
      window.$crisp.push(["do", "chat:open"]);
      return "https://client.crisp.chat/l.js";
    },
    tawkto(account) {
      const tawk = (window.Tawk_API = window.Tawk_API || {});
      tawk.onLoad = () => tawk.maximize();
      return "https://embed.tawk.to/" + account;
    },
    tidio(account) {
      document.addEventListener("tidioChat-ready", () => window.tidioChatApi.open());
      return "https://code.tidio.co/" + account + ".js";
    },
  };

  const mount = (root, config = {}) => {
    if (root.ckLauncher) return root.ckLauncher;
    const data = root.dataset;
    const api = new URL(config.api || data.api || "/contactkit/api/", location.href).href;
    const site = String(config.site || data.site || "");
    const lang = config.lang || data.lang || document.documentElement.lang || "";
    const poll = 1000 * (Number(config.poll || data.poll) || 1);
    const source = config.source || data.source || "launcher";
    const link = root.querySelector("a");
    const contactUrl = config.contactUrl || data.contactUrl || (link && link.href) || "";
    const key = "contactkit-chat:" + new URL(api).host + ":" + site;
    const id = "ck-launcher-" + ++count;

    let state = config.state || null;
    // Words: the API's (state.texts), else the page's data-text-* attributes.
    const own = {};
    for (const [name, value] of Object.entries(data)) {
      if (name.startsWith("text")) own[name.slice(4).replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()).slice(1)] = value;
    }
    let texts = own;
    const t = (name) => texts[name] || "";
    let chat = null;
    let view = null; // the chat's elements while a chat is shown
    let timer = 0;
    let busy = false;
    let again = false;
    let lastTyping = 0;
    let stream = null; // the EventSource of the chat, while it is open
    let live = false;
    let retryAt = 0;

    try {
      chat = JSON.parse(localStorage.getItem(key) || "null");
    } catch (error) {
      chat = null;
    }
    const remember = () => {
      try {
        if (chat) localStorage.setItem(key, JSON.stringify({ token: chat.token, thread: chat.thread }));
        else localStorage.removeItem(key);
      } catch (error) {
        /* private browsing: the chat lasts as long as the page */
      }
    };

    // The link becomes a button that opens the panel (the link stays for pages without JS).
    const button = h("button", { type: "button", class: link ? link.className : "ck-launcher__button", "aria-haspopup": "dialog" });
    if (link) {
      button.append(...link.childNodes);
      link.replaceWith(button);
    } else root.append(button);
    const unread = h("span", { class: "ck-launcher__unread", hidden: true });
    button.append(unread);

    const title = h("h2", { class: "ck-launcher__title", id: id + "-title" });
    const close = h("button", { type: "button", class: "ck-launcher__close", onclick: () => dialog.close() });
    const body = h("div", { class: "ck-launcher__body" });
    const dialog = h("dialog", { class: "ck-launcher__panel", "aria-labelledby": title.id, lang: lang || null },
      h("div", { class: "ck-launcher__head" }, title, close), body);
    document.body.append(dialog);

    const call = async (path, payload) => {
      let response;
      const init = { credentials: "omit", headers: { Accept: "application/json" } };
      if (payload !== undefined) {
        Object.assign(init, { method: "POST", body: JSON.stringify(payload) });
        init.headers["Content-Type"] = "application/json";
      }
      try {
        response = await fetch(api + path, init);
      } catch (error) {
        throw Object.assign(new Error(t("error")), { status: 0 });
      }
      let json = {};
      try {
        json = response.status === 204 ? {} : await response.json();
      } catch (error) {
        json = {};
      }
      if (!response.ok) {
        const detail = typeof json.detail === "string" ? json.detail : t("error");
        throw Object.assign(new Error(detail), { status: response.status });
      }
      return json;
    };

    const useState = (fresh) => {
      state = fresh;
      texts = Object.assign({}, own, fresh.texts);
      title.textContent = t("title");
      close.textContent = t("close");
      unread.textContent = t("new_message");
    };
    const fetchState = async () =>
      useState(await call("launcher?site=" + encodeURIComponent(site) + "&lang=" + encodeURIComponent(lang)));
    if (state) useState(state);

    // A button saying "Sending…" while its request is on its way.
    const busyButton = (button, on) => {
      button.disabled = on;
      if (on) button.dataset.label = button.textContent;
      button.textContent = on ? t("sending") || button.dataset.label : button.dataset.label;
    };
    const errorBox = () => h("p", { class: "ck-launcher__error", role: "alert" });
    const field = (name, label, control) => {
      control.id = id + "-" + name;
      control.name = name;
      return h("div", { class: "ck-launcher__field" }, h("label", { for: control.id, text: label }), control);
    };

    // --- what the panel shows first: the ways to reach the shop now ----------------------
    const offer = (chatInfo) => {
      const provider = chatInfo.provider;
      if (provider === "contactkit") {
        return chatInfo.available
          ? h("button", { type: "button", class: "ck-launcher__primary", text: t("start_chat"), onclick: () => show(startForm()) })
          : state.nobody ? null : h("p", { class: "ck-launcher__note", text: t("chat_unavailable") });
      }
      if (provider === "link" && chatInfo.url) {
        return h("a", { class: "ck-launcher__primary", href: chatInfo.url, target: "_blank", rel: "noopener", text: chatInfo.label || t("chat") });
      }
      if (PROVIDERS[provider] && SAFE_ACCOUNT.test(chatInfo.account || "")) {
        // Nothing of the provider's is loaded until the shopper chooses it and confirms.
        const box = h("div", { class: "ck-launcher__offer" });
        const choose = () => {
          const go = h("button", { type: "button", class: "ck-launcher__primary", text: t("open_chat"), onclick: () => {
            document.head.append(h("script", { src: PROVIDERS[provider](chatInfo.account), async: true }));
            dialog.close();
          } });
          box.replaceChildren(h("p", { class: "ck-launcher__consent", text: t("choose_chat") }), go);
          go.focus();
        };
        box.append(h("button", { type: "button", class: "ck-launcher__primary", text: chatInfo.label || t("chat"), onclick: choose }));
        return box;
      }
      return null;
    };

    const home = () => {
      const channels = [...(state.channels || [])].sort((a, b) => (b.open_now ? 1 : 0) - (a.open_now ? 1 : 0));
      return h("div", { class: "ck-launcher__home" },
        state.nobody ? h("p", { class: "ck-launcher__nobody", text: state.nobody }) : null,
        offer(state.chat || {}),
        channels.length ? h("h3", { class: "ck-launcher__subtitle", text: t("other_ways") }) : null,
        channels.length ? h("ul", { class: "ck-launcher__channels", role: "list" }, ...channels.map((channel) =>
          h("li", null, h("a", { class: "ck-launcher__channel", href: channel.href },
            h("span", { class: "ck-launcher__name", text: channel.label }),
            channel.status ? h("span", { class: "ck-launcher__status ck-launcher__status--" + (channel.open_now ? "open" : "closed"), text: channel.status }) : null,
            channel.reply_time ? h("span", { class: "ck-launcher__note", text: channel.reply_time }) : null)))) : null,
        t("reply_time_sentence") ? h("p", { class: "ck-launcher__reply-time", text: t("reply_time_sentence") }) : null);
    };

    // --- starting a chat ------------------------------------------------------------------
    const startForm = () => {
      const error = errorBox();
      const send = h("button", { type: "submit", class: "ck-launcher__primary", text: t("start_chat") });
      const privacy = state && state.privacy_url ? h("a", { href: state.privacy_url, target: "_blank", rel: "noopener", text: t("privacy") }) : "";
      // A shopper signed in to the shop starts with their name and verified address; anyone
      // else, where the shop offers sign-in, gets a link to it (data-* from the page).
      const signIn = data.signInUrl ? h("p", { class: "ck-launcher__sign-in" }, h("a", { href: data.signInUrl, text: t("sign_in") })) : null;
      const form = h("form", { class: "ck-launcher__form" },
        h("p", { text: t("chat_intro") }),
        signIn,
        field("name", t("your_name"), h("input", { autocomplete: "name", required: true, maxlength: "200", value: data.shopperName || "" })),
        field("email", t("your_email"), h("input", { type: "email", autocomplete: "email", required: true, value: data.shopperEmail || "" })),
        field("message", t("message"), h("textarea", { required: true, rows: "4" })),
        h("div", { class: "ck-launcher__trap", "aria-hidden": "true" },
          h("label", { for: id + "-website", text: t("website") || "-" }),
          h("input", { id: id + "-website", name: "website", tabindex: "-1", autocomplete: "off" })),
        h("p", { class: "ck-launcher__note" }, t("consent"), " ", privacy),
        error, send);
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const value = (name) => form.elements.namedItem(name).value;
        busyButton(send, true);
        try {
          const made = await call("chats", {
            site: Number(site) || site, lang, source,
            name: value("name"), email: value("email"), message: value("message"), website: value("website"),
          });
          chat = { token: made.token, thread: made.thread_url };
          remember();
          show(chatView());
          apply(made.chat || {});
          schedule(poll);
        } catch (failure) {
          error.textContent = failure.message;
          busyButton(send, false);
        }
      });
      return form;
    };

    // --- the chat ------------------------------------------------------------------------
    const chatView = () => {
      const log = h("div", { class: "ck-launcher__log", role: "log", "aria-live": "polite", "aria-label": t("title"), tabindex: "0" });
      const typing = h("p", { class: "ck-launcher__typing", hidden: true, text: t("typing") });
      const notice = h("p", { class: "ck-launcher__notice", role: "status" });
      const error = errorBox();
      const text = h("textarea", { rows: "2", required: true });
      const send = h("button", { type: "submit", class: "ck-launcher__primary", text: t("send") });
      const form = h("form", { class: "ck-launcher__send" }, field("body", t("message"), text), send);
      text.addEventListener("input", () => {
        if (chat && Date.now() - lastTyping > 3000) {
          lastTyping = Date.now();
          call("chats/" + encodeURIComponent(chat.token) + "/typing", {}).catch(() => {});
        }
      });
      text.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      const sending = { words: "", key: "" };
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const words = text.value.trim();
        if (!words || !chat) return;
        busyButton(send, true);
        try {
          // One key per line, kept while it is retried: the server stores it once.
          if (sending.words !== words) Object.assign(sending, { words, key: Date.now().toString(36) + Math.random().toString(36).slice(2) });
          await call("chats/" + encodeURIComponent(chat.token) + "/messages", { body: words, key: sending.key });
          sending.words = "";
          text.value = "";
          error.textContent = "";
          schedule(0);
        } catch (failure) {
          error.textContent = failure.message;
        }
        busyButton(send, false);
        text.focus();
      });
      const end = h("button", { type: "button", class: "ck-launcher__end", text: t("end_chat"), onclick: () => {
        chat = null;
        remember();
        clearTimeout(timer);
        hangUp();
        show(home());
      } });
      view = { log, typing, notice, error, text, seen: new Set(), last: 0, mood: "", pushed: 0 };
      return h("div", { class: "ck-launcher__chat" }, log, typing, notice, error, form, t("end_chat") ? end : null);
    };

    // asked: when a poll asked (a pushed event is newer than anything asked before it).
    const apply = (events, asked = Infinity) => {
      if (!view) return;
      let news = false;
      for (const message of events.messages || []) {
        view.last = Math.max(view.last, message.id);
        if (view.seen.has(message.id)) continue;
        view.seen.add(message.id);
        news = news || !message.mine;
        view.log.append(h("div", { class: "ck-launcher__message" + (message.mine ? " ck-launcher__message--mine" : "") },
          h("span", { class: "ck-launcher__who", text: message.who }),
          h("p", { class: "ck-launcher__text", text: message.body })));
      }
      if (news) {
        view.log.scrollTop = view.log.scrollHeight;
        if (!dialog.open) unread.hidden = false;
      }
      if (events.thread_url && chat) chat.thread = events.thread_url;
      if (asked < view.pushed) return;
      view.typing.hidden = !events.staff_typing;
      // A pushed "typing" is not followed by a "stopped": it fades as the server's does.
      clearTimeout(view.typed);
      if (events.staff_typing) view.typed = setTimeout(() => (view.typing.hidden = true), 7000);
      // Staff gone (the chat carries on by email and on the conversation page), back, or the
      // conversation closed: said once, when it changes.
      const mood = events.status === "closed" ? "closed" : events.staff_present === false ? "left" : "here";
      if (mood !== view.mood) {
        const thread = (chat && chat.thread) || events.thread_url;
        const words = {
          closed: [t("closed_conversation")],
          left: [t("staff_left"), " ", thread ? h("a", { href: thread, text: t("continue_link") }) : ""],
          here: view.mood ? [t("staff_back")] : [],
        };
        view.notice.replaceChildren(...words[mood]);
        view.mood = mood;
      }
    };

    const tick = async () => {
      if (!chat || !view) return;
      if (document.hidden) return; // visibilitychange starts again
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      try {
        const asked = Date.now();
        apply(await call("chats/" + encodeURIComponent(chat.token) + "/events?after=" + view.last), asked);
        view.error.textContent = "";
      } catch (failure) {
        view.error.textContent = failure.message;
        if (failure.status === 404 || failure.status === 410) {
          chat = null; // the conversation is gone: nothing left to poll
          remember();
          hangUp();
        }
      }
      busy = false;
      schedule(again ? 0 : dialog.open && !live ? poll : poll * 10);
      again = false;
    };
    const hangUp = () => {
      if (stream) stream.close();
      stream = null;
      live = false;
    };
    // The pushed news; polling takes over whenever the stream is down.
    const listen = () => {
      if (stream || !chat || !window.EventSource || (state && state.stream === false) || Date.now() < retryAt) return;
      const token = chat.token;
      stream = new EventSource(api + "chats/" + encodeURIComponent(token) + "/stream");
      stream.onmessage = (event) => {
        try {
          const news = JSON.parse(event.data);
          if (chat && chat.token === token && view) {
            view.pushed = Date.now();
            apply(news);
          }
        } catch (error) {
          /* not ours: the poll brings the news */
        }
      };
      // Open: catch up on what came before it (then only the slow poll).
      stream.addEventListener("stream-open", () => {
        live = true;
        schedule(0);
      });
      const down = () => {
        live = false;
        // Closed (refused, or not there): polling only, trying the stream again later.
        if (stream && stream.readyState === 2) {
          stream = null;
          retryAt = Date.now() + poll * 30;
        }
        schedule(poll);
      };
      stream.onerror = down;
      stream.addEventListener("stream-error", () => {
        stream.close();
        down();
      });
    };
    const schedule = (delay) => {
      clearTimeout(timer);
      if (chat) {
        listen();
        timer = setTimeout(tick, delay);
      }
    };
    document.addEventListener("visibilitychange", () => document.hidden || schedule(0));

    // --- the panel ------------------------------------------------------------------------
    const show = (content) => {
      if (!content.classList.contains("ck-launcher__chat")) view = null;
      body.replaceChildren(content);
      const first = content.querySelector("textarea, input:not([tabindex='-1']), button, a[href]");
      if (dialog.open && first) first.focus();
    };

    const open = async () => {
      if (!chat || !state) {
        button.setAttribute("aria-busy", "true");
        try {
          await fetchState();
        } catch (failure) {
          if (!state) {
            if (contactUrl) location.href = contactUrl;
            return;
          }
        } finally {
          button.removeAttribute("aria-busy");
        }
      }
      if (chat && !view) show(chatView());
      else if (!chat && !body.querySelector(".ck-launcher__form")) show(home());
      unread.hidden = true;
      dialog.showModal();
      const first = body.querySelector("textarea, button, a[href]");
      (view ? view.text : first || close).focus();
      schedule(0);
    };
    button.addEventListener("click", open);

    dialog.addEventListener("close", () => {
      button.focus();
      schedule(poll * 10);
    });
    // A click on the backdrop closes the panel, as Esc does.
    dialog.addEventListener("click", (event) => {
      const box = dialog.getBoundingClientRect();
      const outside = event.clientX < box.left || event.clientX > box.right || event.clientY < box.top || event.clientY > box.bottom;
      if (event.target === dialog && outside && event.detail) dialog.close();
    });
    // Tab and Shift+Tab go round the panel's controls, never out to the browser's.
    dialog.addEventListener("keydown", (event) => {
      if (event.key !== "Tab") return;
      const items = [...dialog.querySelectorAll("a[href], button:not([disabled]), input:not([tabindex='-1']), textarea, [tabindex='0']")]
        .filter((item) => item.getClientRects().length);
      const first = items[0];
      const last = items[items.length - 1];
      if (event.shiftKey ? document.activeElement === first : document.activeElement === last) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    });

    // A chat going on (from before a reload): pick it up, so staff's answers arrive.
    if (chat) {
      (state ? Promise.resolve() : fetchState()).then(() => {
        show(chatView());
        schedule(0);
      }, () => {});
    }
    root.ckLauncher = { open, dialog, button };
    return root.ckLauncher;
  };

  window.contactkitLauncher = { mount };
  const start = () => document.querySelectorAll("[data-contactkit-launcher]").forEach((root) => mount(root, root.ckConfig));
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
