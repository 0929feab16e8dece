// <skin-scan>: upgrades the "Skin scan" block (blocks/skin-scan.liquid); no framework, no build step.
// Talks to the app only through the app proxy. How it works: docs/widget.md.
if (!customElements.get("skin-scan")) {
  const STORE = "scanshield";
  const MAX_SIDE = 1024;
  const CONCERNS = { redness: "redness", unevenness: "unevenness", shine: "shine", underEyeDarkness: "under_eye" };
  const GROUPS = ["very light", "light", "intermediate", "tan", "brown", "dark"];
  const BANDS = { low: 1, moderate: 2, high: 3 };
  // Step indicator position (notice → photo → results); other steps hide it.
  const STEPS = { notice: 0, minor: 0, capture: 1, analysing: 1, retry: 1, result: 2 };
  // Notice sections always in full (the contact: DPDP Rules 9 and 14); others: first sentence + "Read more".
  const FULL = ["data", "purpose", "rights", "withdraw", "complaints", "contact"];
  const ACTIONS = {
    add: "addToCart",
    camera: "camera",
    withdraw: "withdraw",
    "delete-scan": "deleteScan",
    download: "download",
    erase: "erase",
    progress: "openProgress",
  };
  const FORMS = { consent: "consent", fitz: "refine", quiz: "quiz", request: "fileRequest" };

  // The anonymous shopper's proof (ADR 0006): 32 random bytes, base64url.
  const SECRET = /^[\w-]{43}$/;
  const newSecret = () =>
    btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");

  const load = () => {
    try {
      const state = JSON.parse(localStorage.getItem(STORE) || "{}");
      if (!state.subject || SECRET.test(state.subject)) return state;
      // An older widget's id proves nothing: forget it and all issued to it.
      localStorage.removeItem(STORE);
    } catch {}
    return {};
  };

  // Longest side ≤ 1024 px, re-encoded as JPEG (which drops all metadata).
  const toJpeg = (source, width, height) => {
    const k = Math.min(1, MAX_SIDE / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * k);
    canvas.height = Math.round(height * k);
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  };

  // Lazy assets (camera, progress, notices), each loaded once.
  const scripts = {};
  const loadScript = (src) =>
    (scripts[src] ??= new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src, onload: resolve });
      script.onerror = () => {
        delete scripts[src]; // a later try may succeed
        reject(new Error(`could not load ${src}`));
      };
      document.head.append(script);
    }));

  let opened = false;

  class ApiError extends Error {
    constructor(status, code, retryAfter) {
      super(code);
      this.status = status;
      this.code = code;
      this.retryAfter = retryAfter;
    }
  }

  class SkinScan extends HTMLElement {
    connectedCallback() {
      this.state = load();
      this.step = this.$("[data-step]");
      for (const type of ["click", "submit", "change"]) this.addEventListener(type, this);
      if (this.state.receipt) this.$("[data-returning]").hidden = false;
      // Once the block is in view (once per page view): insights, no identifiers; and breach notices,
      // which concern only a shopper holding a proof and are recorded as shown when fetched.
      this.seen = new IntersectionObserver(([entry]) => {
        if (!entry.isIntersecting) return;
        this.seen.disconnect();
        if (!opened) this.event("widget_opened");
        opened = true;
        if (this.state.subject && this.dataset.noticesSrc) {
          loadScript(this.dataset.noticesSrc)
            .then(() => window.ScanShieldNotices?.check(this, this.hooks()))
            .catch(() => {});
        }
      });
      this.seen.observe(this);
    }

    disconnectedCallback() {
      for (const type of ["click", "submit", "change"]) this.removeEventListener(type, this);
      this.seen.disconnect();
      this.setPhoto(null);
    }

    $(selector, root = this) {
      return root.querySelector(selector);
    }

    t(key, values = {}) {
      this.strings ??= JSON.parse(this.$("[data-i18n]").textContent);
      return (this.strings[key] || key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
    }

    // For Intl: storefront language + store country (hi-IN).
    locale() {
      const { locale = "en", country } = this.dataset;
      return country && !locale.includes("-") ? `${locale}-${country}` : locale;
    }

    date(value) {
      return new Intl.DateTimeFormat(this.locale()).format(new Date(value));
    }

    save(patch) {
      Object.assign(this.state, patch);
      try {
        localStorage.setItem(STORE, JSON.stringify(this.state));
      } catch {}
    }

    // Feedback in the live region where the action was (its card/form), else the step's.
    announce(el, message) {
      const area = el.closest("[data-area]") || el.closest("[data-step]");
      const box = area && !area.closest("[hidden]") ? area : this.step;
      const say = el.matches("[data-say]") ? el : this.$("[data-say]", box) || this.$("[data-say]", this.step);
      if (say) say.textContent = message;
      return say;
    }

    // Fire and forget, no identifiers, never retried.
    event(name) {
      fetch(`${this.dataset.proxy}/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event: name }),
        keepalive: true,
      }).catch(() => {});
    }

    // One step shown, focus on its heading, stale messages cleared.
    show(name) {
      for (const step of this.querySelectorAll("[data-step]")) step.hidden = step.dataset.step !== name;
      for (const box of this.querySelectorAll("[data-say], [data-error]")) box.textContent = "";
      this.step = this.$(`[data-step="${name}"]`);
      const at = STEPS[name];
      const bar = this.$("[data-steps]");
      bar.hidden = at === undefined;
      [...bar.children].forEach((item, i) => {
        item.classList.toggle("ss-done", i < at);
        if (i === at) item.setAttribute("aria-current", "step");
        else item.removeAttribute("aria-current");
      });
      this.$("h3", this.step).focus();
      if (name === "rights") this.showRights();
    }

    async handleEvent(event) {
      const target = event.target;
      if (event.type === "change") {
        if (target.matches("[data-lang]")) this.run(() => this.loadNotice(target.value), target);
        if (target.matches("[data-file]") && target.files[0]) this.run(() => this.upload(target.files[0]), target);
        return;
      }
      if (event.type === "submit") {
        const form = FORMS[target.dataset.form];
        if (!form) return; // the confirmation dialog's own form
        event.preventDefault();
        this.run(() => this[form](new FormData(target), target), target);
        return;
      }
      const button = target.closest("button");
      if (!button || button.getAttribute("aria-disabled") === "true") return;
      const { go, act, confirm } = button.dataset;
      if (go === "notice") this.run(() => this.openNotice(), button);
      else if (go) this.show(go);
      if (act === "more") return this.more(button);
      if (!ACTIONS[act]) return;
      if (confirm && !(await this.confirm(this.t(`confirm_${confirm}`), button.textContent.trim()))) return;
      this.run(() => this[ACTIONS[act]](button), button);
    }

    // Native modal <dialog>: Escape cancels, focus returns to the opener.
    confirm(message, yes = this.t("confirm_yes")) {
      const dialog = this.$("[data-confirm-box]");
      const opener = document.activeElement;
      this.$("p", dialog).textContent = message;
      this.$('[value="yes"]', dialog).textContent = yes;
      dialog.returnValue = "";
      dialog.showModal();
      this.$('[value="no"]', dialog).focus();
      return new Promise((resolve) =>
        dialog.addEventListener(
          "close",
          () => {
            opener?.focus();
            resolve(dialog.returnValue === "yes");
          },
          { once: true },
        ),
      );
    }

    // Retry-After: "a moment", else whole minutes or hours, rounded up.
    wait(retryAfter) {
      const seconds = Number(retryAfter) || 0;
      if (seconds < 60) return this.t("wait_moment");
      const minutes = Math.ceil(seconds / 60);
      if (minutes < 60) return this.t(minutes === 1 ? "wait_minute" : "wait_minutes", { n: minutes });
      const hours = Math.ceil(minutes / 60);
      return this.t(hours === 1 ? "wait_hour" : "wait_hours", { n: hours });
    }

    // Each failure says what to do; an unexpected one is also logged.
    message(error) {
      if (error instanceof TypeError) return this.t("offline");
      if (!(error instanceof ApiError)) {
        console.error(error);
        return this.t("error");
      }
      if (error.status === 429 || error.code === "analysis_unavailable") {
        const key = error.status === 429 ? "rate_limited" : error.code;
        return this.t(key, { wait: this.wait(error.retryAfter ?? (error.status === 429 ? 60 : 0)) });
      }
      return this.t(error.code) === error.code ? this.t("error") : this.t(error.code);
    }

    // One user action: busy while it lasts; failures shown where it was.
    async run(work, origin) {
      if (this.busy) return;
      this.busy = true;
      const area = origin.closest("[data-area]") || this.step;
      // A new action makes every older message in the step stale.
      for (const box of this.step.querySelectorAll("[data-say], [data-error]")) box.textContent = "";
      this.setAttribute("aria-busy", "true");
      for (const b of this.querySelectorAll("button")) b.setAttribute("aria-disabled", "true");
      try {
        await work();
      } catch (error) {
        const place = area.closest("[hidden]") ? this.step : area;
        const box =
          this.$("[data-error]", place) || this.$("[data-say]", place) || this.$("[data-error], [data-say]", this.step);
        box.textContent = this.message(error);
      } finally {
        this.busy = false;
        this.removeAttribute("aria-busy");
        for (const b of this.querySelectorAll("button")) b.removeAttribute("aria-disabled");
      }
    }

    proof() {
      return {
        ...(this.state.subject && { "x-subject-id": this.state.subject }),
        ...(this.state.receipt && { "x-consent-receipt": this.state.receipt }),
      };
    }

    request(path, init = {}) {
      return fetch(`${this.dataset.proxy}/${path.replace(/^\//, "")}`, {
        credentials: "same-origin",
        ...init,
        headers: { ...this.proof(), ...init.headers },
      });
    }

    async api(path, { method = "GET", json, body, headers = {} } = {}) {
      const response = await this.request(path, {
        method,
        headers: { ...(json && { "content-type": "application/json" }), ...headers },
        body: json ? JSON.stringify(json) : body,
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw new ApiError(response.status, data.error?.code || "error", response.headers.get("retry-after"));
      }
      return data;
    }

    // The API the lazy assets get (docs/widget.md, "Hooks").
    hooks() {
      return (this.hookApi ??= {
        request: (path, init) => this.request(path, init),
        t: (key, values) => this.t(key, values),
        locale: this.locale(),
        formatDate: (date) => this.date(date),
        wait: (retryAfter) => this.wait(retryAfter),
        confirm: (message) => this.confirm(message),
        announce: (el, message) => this.announce(el, message),
      });
    }

    subject() {
      if (!SECRET.test(this.state.subject || "")) this.save({ subject: newSecret() });
      return this.state.subject;
    }

    // Only with the visitor's yes in Shopify's Customer Privacy API.
    track(name) {
      const shopify = window.Shopify;
      if (shopify?.customerPrivacy?.analyticsProcessingAllowed?.())
        shopify.analytics?.publish?.(`scanshield_${name}`, {});
    }

    async openNotice() {
      this.track("started");
      const select = this.$("[data-lang]");
      const lang = (this.dataset.locale || "en").slice(0, 2);
      if ([...select.options].some((o) => o.value === lang)) select.value = lang;
      this.show("notice");
      await this.loadNotice(select.value);
    }

    // Layered, yet every word is in the page, as hashed (P7).
    async loadNotice(locale) {
      const say = this.announce(this.$("[data-form='consent']"), this.t("loading"));
      const notice = await this.api(`notice?locale=${encodeURIComponent(locale)}`);
      this.notice = notice;
      // P20: paused at the shop's allowance, said before consent (the CSS then hides the form).
      this.$("[data-pause]").textContent = notice.scansPaused ? this.t("scans_paused") : "";
      const box = this.$("[data-notice]");
      const template = this.$("[data-section]").content.firstElementChild;
      box.lang = notice.locale;
      box.replaceChildren(
        ...notice.sections.map((section, i) => {
          const node = template.cloneNode(true);
          const [first, rest] = node.querySelectorAll("p span");
          const split = FULL.includes(section.key) ? null : /^(.+?[.!?।])(\s+[\s\S]+)$/.exec(section.body);
          this.$("h4", node).textContent = section.title;
          node.dataset.key = section.key;
          first.textContent = split ? split[1] : section.body;
          const more = this.$("button", node);
          if (split) {
            rest.textContent = split[2];
            rest.id = `${this.id}-more-${i}`;
            more.setAttribute("aria-controls", rest.id);
          } else more.remove();
          return node;
        }),
      );
      const offered = this.dataset.purposes.split(",");
      const purposes = this.$("[data-purposes]");
      purposes.lang = notice.locale;
      purposes.replaceChildren(
        ...notice.purposes
          .filter((p) => offered.includes(p.key))
          .map((p) => {
            const label = document.createElement("label");
            const input = Object.assign(document.createElement("input"), {
              type: "checkbox",
              name: "purpose",
              value: p.key,
            });
            label.append(input, ` ${p.label}`);
            return label;
          }),
      );
      say.textContent = "";
    }

    more(button) {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open);
      document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
    }

    async consent(data, form) {
      const error = this.$("[data-error]", form);
      if (!data.get("age")) return (error.textContent = this.t("age_required"));
      if (data.get("age") !== "yes") return this.show("minor");
      const purposes = data.getAll("purpose");
      if (!purposes.includes("skin_analysis")) return (error.textContent = this.t("purpose_required"));
      const consent = await this.api("consents", {
        method: "POST",
        json: {
          noticeVersion: this.notice.version,
          locale: this.notice.locale,
          ageConfirmed: true,
          purposes,
          subjectId: this.subject(),
        },
      });
      this.save({ receipt: consent.receipt, consentId: consent.consentId, scanId: null });
      this.token = consent.scanToken;
      this.track("consented");
      this.show("capture");
    }

    // skin-scan-camera.js (framing guide, on-device hints), loaded on first use: a Blob, or null if cancelled.
    // It stops the camera itself (photo taken, Escape, cancel, tab hidden, step left).
    async camera(button) {
      const host = this.$("[data-camera-host]");
      const pick = this.$("[data-pick]");
      let photo;
      try {
        await loadScript(this.dataset.cameraSrc);
        pick.hidden = true;
        host.hidden = false;
        this.removeAttribute("aria-busy"); // the camera view is live, not busy
        photo = await window.ScanShieldCamera.open(host, {
          t: (key, values) => this.t(key, values),
          locale: this.locale(),
          reducedMotion: matchMedia("(prefers-reduced-motion: reduce)").matches,
        });
      } catch {
        // No camera, permission refused, or the asset could not load: the upload still works.
        photo = false;
      } finally {
        host.hidden = true;
        host.replaceChildren();
        pick.hidden = false;
        this.setAttribute("aria-busy", "true");
      }
      if (photo === false) {
        this.$("[data-error]", this.step).textContent = this.t("camera_denied");
        return this.$("[data-file]").focus();
      }
      if (!photo) return button.focus();
      await this.scan(photo);
    }

    async upload(file) {
      this.$("[data-file]").value = "";
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) {
        throw new ApiError(415, "not_image");
      }
      this.analysing(1, "stage_prepare");
      // A truncated or damaged file fails here, before anything is sent.
      const bitmap = await createImageBitmap(file).catch(() => null);
      if (!bitmap) {
        this.show("capture");
        throw new ApiError(422, "photo_damaged");
      }
      const photo = await toJpeg(bitmap, bitmap.width, bitmap.height);
      bitmap.close();
      await this.scan(photo);
    }

    analysing(stage, key) {
      if (this.step?.dataset.step !== "analysing") this.show("analysing");
      this.$("progress", this.step).value = stage;
      this.announce(this.step, this.t(key));
    }

    // The photo is shown back from this device's Blob, never downloaded.
    setPhoto(blob) {
      if (this.photoUrl) URL.revokeObjectURL(this.photoUrl);
      this.photoUrl = blob && URL.createObjectURL(blob);
      for (const img of this.querySelectorAll("[data-preview], [data-photo] img")) {
        img.hidden = !blob;
        if (blob) img.src = this.photoUrl;
      }
    }

    async scan(photo) {
      if (!this.token) return this.openNotice();
      this.setPhoto(photo);
      this.analysing(2, "analysing");
      let result;
      try {
        result = await this.api("scans", {
          method: "POST",
          body: photo,
          headers: { "content-type": "image/jpeg", "x-scan-token": this.token },
        });
      } catch (error) {
        // Expired token, withdrawn or outdated consent: ask again.
        if (error instanceof ApiError && [401, 403, 409].includes(error.status)) {
          this.token = null;
          return this.openNotice();
        }
        this.show("capture");
        throw error;
      }
      if (result.status !== "accepted") {
        this.setPhoto(null);
        const hints = this.$("[data-hints]");
        hints.replaceChildren(
          ...result.quality.reasons.map((reason, i) => {
            const item = document.createElement("li");
            item.textContent = this.t(reason) === reason ? result.quality.hints[i] : this.t(reason);
            return item;
          }),
        );
        return this.show("retry");
      }
      this.save({ scanId: result.scanId });
      this.track("scanned");
      this.showResult(result);
    }

    showResult({ result, recommendations, zones = [], image }) {
      const { skinTone, ...indices } = result.indices;
      const fitz = skinTone.fitzpatrick;
      this.$("[data-tone]").textContent = this.toneWords(skinTone);
      const groups = skinTone.groups ?? [skinTone.group];
      [...this.$("[data-swatches]").children].forEach((swatch, i) => {
        swatch.classList.toggle("ss-in", groups.includes(GROUPS[i]));
        swatch.classList.toggle("ss-at", skinTone.group === GROUPS[i]);
      });
      const types = fitz.types ?? [];
      this.$("[data-fitz]").textContent =
        types.length > 2
          ? this.t("fitz_range", { a: types[0], b: types[types.length - 1] })
          : fitz.alternative
            ? this.t("fitz_near", { t: fitz.type, a: fitz.alternative })
            : this.t("fitz", { t: fitz.type });
      this.$("[data-fitz-answer]").textContent = "";
      const meter = this.$("[data-meter]").content.firstElementChild;
      this.$("[data-concerns]").replaceChildren(
        ...Object.entries(CONCERNS)
          .filter(([key]) => indices[key])
          .map(([key, word]) => {
            const item = meter.cloneNode(true);
            const [label, bar] = item.children;
            label.textContent = this.t(word);
            bar.style.setProperty("--v", BANDS[indices[key].band] || 0);
            this.$("strong", item).textContent = this.t(indices[key].band);
            return item;
          }),
      );
      const svg = this.$("[data-zones]");
      svg.replaceChildren(
        ...zones.map((z) => {
          const ring = document.createElementNS("http://www.w3.org/2000/svg", "ellipse");
          const at = { cx: z.x + z.w / 2, cy: z.y + z.h / 2, rx: z.w / 2, ry: z.h / 2 };
          for (const [name, value] of Object.entries(at)) ring.setAttribute(name, value);
          ring.setAttribute("vector-effect", "non-scaling-stroke");
          return ring;
        }),
      );
      this.$("[data-photo]").hidden = !this.photoUrl;
      const img = this.$("[data-photo] img");
      img.parentNode.parentNode.toggleAttribute("data-zoom", false);
      if (zones.length)
        img.decode().then(
          () => this.zoom(zones, img),
          () => {},
        );
      this.$("[data-kept]").hidden = !image?.kept;
      this.show("result");
      this.showRights();
      this.products(recommendations, this.$("[data-products]", this.step));
      this.announce(this.step, this.t("results_ready"));
    }

    // A square around the measured zones (twice their extent), so the face fills the frame on a phone.
    zoom(zones, img) {
      const { naturalWidth: w, naturalHeight: h } = img;
      const xs = zones.flatMap((z) => [z.x * w, (z.x + z.w) * w]);
      const ys = zones.flatMap((z) => [z.y * h, (z.y + z.h) * h]);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const side = Math.min(w, h, 2 * Math.max(x1 - x0, y1 - y0));
      const at = (mid, max) => Math.min(Math.max(mid - side / 2, 0), max - side);
      const k = 100 / side;
      Object.assign(img.parentNode.style, {
        width: `${w * k}%`,
        height: `${h * k}%`,
        left: `${-at((x0 + x1) / 2, w) * k}%`,
        top: `${-at((y0 + y1) / 2, h) * k}%`,
      });
      img.parentNode.parentNode.toggleAttribute("data-zoom", true);
    }

    // P18: the range the light allows, with its confidence; older results: the group alone.
    toneWords(tone) {
      const groups = tone.groups ?? [];
      const ends = () => ({ a: this.t(groups[0]), b: this.t(groups[groups.length - 1]) });
      const range =
        groups.length > 2
          ? this.t("tone_range", ends())
          : groups.length === 2
            ? this.t(tone.lightPinned ? "tone_boundary" : "tone_between", ends())
            : this.t("tone", { g: this.t(tone.group) });
      if (typeof tone.confidence !== "number") return range;
      const level = tone.confidence <= 0.4 ? "low" : tone.confidence >= 0.7 ? "high" : "moderate";
      return `${range} ${this.t("confidence", { c: this.t(`confidence_${level}`) })}`;
    }

    // Burn + tan answers (0–8) to a type, on this device only.
    refine(data) {
      const burn = data.get("burn");
      const tan = data.get("tan");
      if (burn === null || tan === null) return;
      const type = ["I", "I", "II", "II", "III", "IV", "V", "V", "VI"][Number(burn) + Number(tan)];
      this.$("[data-fitz-answer]").textContent = this.t("fitz_answer", { t: type });
    }

    products(list, box) {
      const template = this.$("[data-product]").content.firstElementChild;
      box.replaceChildren(
        ...list.map((product) => {
          const item = template.cloneNode(true);
          const link = this.$("a", item);
          link.href = product.url;
          link.textContent = product.title;
          // Rule reasons are in the shop's words; other languages get the concern's.
          const reason = this.dataset.locale?.startsWith("en") ? "" : this.t(`reason_${product.concern}`);
          this.$("[data-reason]", item).textContent = reason.startsWith("reason_") || !reason ? product.reason : reason;
          this.$("[data-price]", item).textContent =
            product.price && product.currency
              ? new Intl.NumberFormat(this.locale(), {
                  style: "currency",
                  currency: product.currency,
                  trailingZeroDisplay: "stripIfInteger",
                }).format(product.price)
              : (product.price ?? "");
          const image = this.$("img", item);
          if (product.imageUrl) {
            image.src = product.imageUrl;
            image.alt = product.imageAlt || "";
            image.hidden = false;
          }
          const add = this.$("button", item);
          if (product.variantId) add.dataset.variant = product.variantId;
          else add.remove();
          return item;
        }),
      );
      if (list.length) this.event("product_viewed");
      else box.append(Object.assign(document.createElement("li"), { textContent: this.t("no_products") }));
    }

    async addToCart(button) {
      const response = await fetch("/cart/add.js", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        // The cart wants the numeric variant id, not a gid.
        body: JSON.stringify({ items: [{ id: Number(button.dataset.variant.split("/").pop()), quantity: 1 }] }),
      });
      if (!response.ok) throw new ApiError(response.status, "error");
      this.track("added_to_cart");
      this.event("added_to_cart");
      this.announce(button, this.t("added"));
      document.dispatchEvent(new CustomEvent("cart:refresh", { bubbles: true }));
    }

    async quiz(data, form) {
      const tone = data.get("tone");
      const { recommendations } = await this.api("recommendations", {
        method: "POST",
        json: { concerns: data.getAll("concern"), ...(tone && { toneGroup: tone }) },
      });
      this.track("quiz");
      this.products(recommendations, this.$("[data-products]", this.step));
      this.announce(form, this.t(recommendations.length ? "suggestions_ready" : "no_products"));
    }

    showRights() {
      for (const receipt of this.querySelectorAll("[data-receipt]")) receipt.textContent = this.state.receipt || "—";
      this.$('[data-act="delete-scan"]').hidden = !this.state.scanId;
      this.$('[data-act="withdraw"]').hidden = !this.state.consentId;
    }

    // If the button went away, focus goes to where the outcome is said.
    done(button, message) {
      this.showRights();
      const say = this.announce(button, message);
      if (button.hidden) say.focus();
    }

    async withdraw(button) {
      const { consentId, receipt } = this.state;
      const result = await this.api(`consents/${encodeURIComponent(consentId)}/withdraw`, {
        method: "POST",
        json: { subjectId: this.subject(), receipt },
      });
      this.token = null;
      this.save({ consentId: null });
      this.done(
        button,
        this.t("withdrawn", { n: new Intl.NumberFormat(this.locale()).format(result.imagesDeleted ?? 0) }),
      );
    }

    async deleteScan(button) {
      await this.api(`scans/${encodeURIComponent(this.state.scanId)}`, { method: "DELETE" });
      this.save({ scanId: null });
      this.setPhoto(null);
      this.done(button, this.t("scan_deleted"));
    }

    async download(button) {
      const data = await this.api("my-data");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data.export, null, 2)], { type: "application/json" }));
      link.download = "skin-scan-data.json";
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      this.announce(button, this.t("downloaded"));
    }

    async erase(button) {
      await this.api("my-data", { method: "DELETE" });
      this.token = null;
      this.state = {};
      this.save({});
      this.setPhoto(null);
      this.$("[data-returning]").hidden = true;
      this.done(button, this.t("erased"));
    }

    async fileRequest(data, form) {
      const message = data.get("message").trim();
      if (!message) return (this.$("[data-error]", form).textContent = this.t("message_required"));
      const email = data.get("email").trim();
      const filed = await this.api("requests", {
        method: "POST",
        json: {
          type: data.get("type"),
          message,
          ...(email && { contactEmail: email }),
          ...(this.state.subject && { subjectId: this.state.subject }),
          ...(this.state.receipt && { receipt: this.state.receipt }),
        },
      });
      form.reset();
      this.announce(form, this.t("request_sent", { r: filed.reference, d: this.date(filed.dueAt) }));
    }

    async openProgress() {
      this.show("progress");
      await loadScript(this.dataset.progressSrc);
      const host = this.$("[data-progress-host]");
      host.replaceChildren();
      await window.ScanShieldProgress.mount(host, this.hooks());
    }
  }

  customElements.define("skin-scan", SkinScan);
}
