// The local admin's stand-in for App Bridge (development only; served at /dev/app-bridge.js when
// LOCAL_ADMIN=true, see app/local-admin/local-admin.server.ts and docs/admin.md "The local admin").
//
// In production the admin layout loads App Bridge from Shopify's CDN. That script expects to run in
// an iframe inside admin.shopify.com: opened on its own it sends the browser to the Shopify admin, and
// without it `useAppBridge()` throws, so the page would not hydrate. This stand-in gives the page what
// App Bridge gives it, locally:
// - `window.shopify`: config, idToken() (a fresh session token from /dev/session-token, signed by the
//   app with its own secret exactly as Shopify signs one), toast, loading, and inert saveBar/modal;
// - the app's own fetches carry `Authorization: Bearer <session token>`, retried once with a fresh
//   token when the server asks (X-Shopify-Retry-Invalid-Session-Request), as App Bridge does;
// - <ui-nav-menu>, which App Bridge moves into the admin's sidebar, is shown as a bar at the top;
//   <ui-title-bar>, <ui-save-bar> and <ui-modal> stay hidden (their content belongs to the admin);
// - the admin's query parameters (embedded, shop, host) stay in the address after each navigation,
//   so a reload goes through the session-token bounce as in the admin and lands on the same page.
(function () {
  "use strict";
  if (window.shopify) return;
  var script = document.currentScript;
  var apiKey = (script && script.getAttribute("data-api-key")) || "";
  var here = new URL(location.href);
  var shop = here.searchParams.get("shop") || "";
  var host = here.searchParams.get("host") || "";
  var TOKEN_PATH = "/dev/session-token";

  var originalFetch = window.fetch.bind(window);
  var cached = { token: here.searchParams.get("id_token"), expiresAt: 0 };

  /** A call App Bridge answers with a promise and nothing else to do here. */
  function settled() {
    return Promise.resolve();
  }

  function expiry(token) {
    try {
      var payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return payload.exp * 1000;
    } catch (_error) {
      return 0;
    }
  }
  cached.expiresAt = cached.token ? expiry(cached.token) : 0;

  function idToken(force) {
    // Tokens live a minute: one is reused until 10 s before it expires.
    if (!force && cached.token && cached.expiresAt - Date.now() > 10000) return Promise.resolve(cached.token);
    return originalFetch(TOKEN_PATH, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("The local admin could not issue a session token (" + response.status + ").");
        return response.json();
      })
      .then(function (body) {
        cached = { token: body.token, expiresAt: expiry(body.token) };
        return body.token;
      });
  }

  function isAppRequest(url) {
    return url.origin === location.origin && url.pathname.indexOf("/dev/") !== 0;
  }

  window.fetch = function (input, init) {
    var request = new Request(input, init);
    var url = new URL(request.url);
    if (!isAppRequest(url)) return originalFetch(request);
    // The body can be read once: keep a copy for the retry.
    var retry = request.clone();
    return idToken(false).then(function (token) {
      request.headers.set("Authorization", "Bearer " + token);
      return originalFetch(request).then(function (response) {
        if (response.status !== 401 || response.headers.get("X-Shopify-Retry-Invalid-Session-Request") !== "1") {
          return response;
        }
        return idToken(true).then(function (fresh) {
          retry.headers.set("Authorization", "Bearer " + fresh);
          return originalFetch(retry);
        });
      });
    });
  };

  // Toasts: a polite live region, as the admin announces them.
  var toasts;
  function toastRegion() {
    if (toasts && toasts.isConnected) return toasts;
    toasts = document.createElement("div");
    toasts.setAttribute("role", "status");
    toasts.setAttribute("aria-live", "polite");
    toasts.style.cssText =
      "position:fixed;left:50%;bottom:1.5rem;transform:translateX(-50%);z-index:1000;display:flex;" +
      "flex-direction:column;gap:0.5rem;align-items:center;pointer-events:none;font:500 0.875rem/1.4 Inter,system-ui,sans-serif";
    document.body.appendChild(toasts);
    return toasts;
  }

  var nextToast = 1;
  window.shopify = {
    config: { apiKey: apiKey, shop: shop, host: host, locale: "en" },
    environment: { embedded: false, mobile: false, pos: false },
    origin: location.origin,
    idToken: function () {
      return idToken(false);
    },
    user: function () {
      return Promise.resolve({ id: 1, name: "Local preview", accountAccess: "Account owner" });
    },
    toast: {
      show: function (message, options) {
        var item = document.createElement("div");
        var isError = !!(options && options.isError);
        item.textContent = String(message);
        item.style.cssText =
          "padding:0.75rem 1rem;border-radius:0.5rem;color:#fff;box-shadow:0 4px 12px rgba(0,0,0,0.2);background:" +
          (isError ? "#8e1f0b" : "#1a1a1a");
        toastRegion().appendChild(item);
        setTimeout(
          function () {
            item.remove();
          },
          (options && options.duration) || 5000,
        );
        return "toast-" + nextToast++;
      },
      hide: function () {},
    },
    loading: function () {},
    // The save bar and modals are drawn by the page itself here; their calls just settle.
    saveBar: { show: settled, hide: settled, toggle: settled, leaveConfirmation: settled },
    modal: { show: settled, hide: settled, toggle: settled },
  };

  // The navigation App Bridge would put in the admin's sidebar, as a bar above the page. Drawn in a
  // shadow root around the links React rendered, so hydration finds its own markup untouched.
  if (!customElements.get("ui-nav-menu")) {
    customElements.define(
      "ui-nav-menu",
      class extends HTMLElement {
        connectedCallback() {
          if (this.shadowRoot) return;
          var root = this.attachShadow({ mode: "open" });
          var style = document.createElement("style");
          style.textContent =
            ":host{display:block}" +
            "nav{display:flex;flex-wrap:wrap;align-items:center;gap:0.25rem 1.25rem;padding:0.75rem 1rem;" +
            "background:#fff;border-bottom:1px solid #e3e3e3;font:500 0.875rem/1.4 Inter,system-ui,sans-serif}" +
            "span{font-weight:650;color:#303030;margin-right:0.5rem}" +
            "::slotted(a){color:#005bd3;padding:0.25rem 0}";
          var nav = document.createElement("nav");
          nav.setAttribute("aria-label", "ScanShield");
          var label = document.createElement("span");
          label.textContent = "Local admin \u00b7 " + shop;
          nav.append(label, document.createElement("slot"));
          root.append(style, nav);
        }
      },
    );
  }
  for (var name of ["ui-title-bar", "ui-save-bar", "ui-modal"]) {
    if (!customElements.get(name)) {
      customElements.define(
        name,
        class extends HTMLElement {
          connectedCallback() {
            this.hidden = true;
          }
        },
      );
    }
  }

  // Remix navigates with pushState: the admin's parameters are put back on each address it writes.
  function withAdminParams(url) {
    if (url === undefined || url === null) return url;
    var next = new URL(url, location.href);
    if (next.origin !== location.origin || next.pathname.indexOf("/app") !== 0 || !shop || !host) return url;
    if (!next.searchParams.has("shop")) {
      next.searchParams.set("embedded", "1");
      next.searchParams.set("shop", shop);
      next.searchParams.set("host", host);
    }
    return next.pathname + next.search + next.hash;
  }
  var push = history.pushState.bind(history);
  var replace = history.replaceState.bind(history);
  history.pushState = function (state, title, url) {
    return push(state, title, withAdminParams(url));
  };
  history.replaceState = function (state, title, url) {
    return replace(state, title, withAdminParams(url));
  };
})();
