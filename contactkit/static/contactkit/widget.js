/* contactkit's widget: the launcher and chat on any storefront (Shopify, WooCommerce,
   PrestaShop…), with one tag before </body>:

     <script src="https://tienda.example/static/contactkit/widget.js" data-site="1"
             data-lang="es" async></script>

   The shop's contactkit is the server this file comes from: its JSON API (at
   /contactkit/api/ there, or data-api) answers only storefronts listed in that site's
   *Launcher and chat* settings. The widget asks it for the launcher's words, adds
   launcher.css and the button, then launcher.js (from the same folder), which does the rest.
   No cookies: a chat's token is kept in this storefront's localStorage. */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.src) return;
  const here = new URL(script.src);
  const data = script.dataset;
  const site = data.site || "";
  const lang = data.lang || document.documentElement.lang.split("-")[0] || "";
  const api = new URL(data.api || "/contactkit/api/", here.origin).href;

  const start = async () => {
    const root = document.createElement("div");
    root.className = "ck-launcher";
    root.setAttribute("data-contactkit-launcher", "");
    const link = document.createElement("a");
    link.className = "ck-launcher__button";
    root.append(link);
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("launcher.css", here).href;
    document.head.append(css);

    let state = {};
    let ok = false;
    try {
      const response = await fetch(api + "launcher?site=" + encodeURIComponent(site) + "&lang=" + encodeURIComponent(lang), { credentials: "omit" });
      ok = response.ok;
      state = await response.json();
    } catch (error) {
      ok = false;
    }
    if (!ok) {
      // Refused (a storefront not listed) or unreachable: say so where the button would be,
      // in the API's own words when it gave any, for whoever is setting the widget up.
      const detail = state && typeof state.detail === "string" ? state.detail : "";
      if (!detail) return;
      const message = document.createElement("p");
      message.className = "ck-launcher__button ck-launcher__refused";
      message.setAttribute("role", "status");
      message.textContent = detail;
      root.replaceChildren(message);
      document.body.append(root);
      return;
    }
    const texts = state.texts || {};
    link.href = state.contact_url || "";
    link.textContent = texts.button || texts.title || "";
    document.body.append(root);
    const config = { api, site, lang, state, source: "widget", poll: data.poll || state.poll, contactUrl: state.contact_url };
    if (window.contactkitLauncher) {
      window.contactkitLauncher.mount(root, config);
      return;
    }
    root.ckConfig = config;
    const code = document.createElement("script");
    code.src = new URL("launcher.js", here).href;
    code.async = true;
    code.addEventListener("load", () => window.contactkitLauncher && window.contactkitLauncher.mount(root, config));
    document.head.append(code);
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
