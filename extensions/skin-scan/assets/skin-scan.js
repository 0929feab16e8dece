// <skin-scan>: upgrades the server-rendered "Skin scan" block (blocks/skin-scan.liquid). No framework,
// no build step. Nothing runs until the shopper clicks: the constructor only wires listeners.
// Talks to the app only through the app proxy (docs/storefront-api.md).
if (!customElements.get("skin-scan")) {
  const STORE = "scanshield";
  const MAX_SIDE = 1024;
  const CONCERNS = { redness: "redness", unevenness: "unevenness", shine: "shine", underEyeDarkness: "under_eye" };

  // The subject secret is the anonymous shopper's proof (docs/decisions/0006): 32 random bytes, base64url.
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
      // An older widget's id proves nothing now: forget it with the receipt and ids issued to it.
      localStorage.removeItem(STORE);
    } catch {
      // Unreadable or blocked storage: start afresh.
    }
    return {};
  };

  /** The longest side at most 1024 px, re-encoded as JPEG (which also drops every byte of metadata). */
  const toJpeg = (source, width, height) => {
    const k = Math.min(1, MAX_SIDE / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * k);
    canvas.height = Math.round(height * k);
    canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  };

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
      for (const type of ["click", "submit", "change", "keydown"]) this.addEventListener(type, this);
      this.stopOnHide = () => document.hidden && this.stopCamera();
      document.addEventListener("visibilitychange", this.stopOnHide);
      window.addEventListener("pagehide", this.stopOnHide);
      if (this.state.receipt) this.$("[data-returning]").hidden = false;
    }

    disconnectedCallback() {
      for (const type of ["click", "submit", "change", "keydown"]) this.removeEventListener(type, this);
      document.removeEventListener("visibilitychange", this.stopOnHide);
      window.removeEventListener("pagehide", this.stopOnHide);
      this.stopCamera();
    }

    $(selector, root = this) {
      return root.querySelector(selector);
    }

    t(key, values = {}) {
      this.strings ??= JSON.parse(this.$("[data-i18n]").textContent);
      return (this.strings[key] || key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
    }

    save(patch) {
      Object.assign(this.state, patch);
      try {
        localStorage.setItem(STORE, JSON.stringify(this.state));
      } catch {
        // Storage blocked (private mode): the flow still works for this visit.
      }
    }

    say(message) {
      this.$("[data-status]").textContent = message;
    }

    /** Shows one step, moves focus to its heading, and stops the camera if it is no longer needed. */
    show(name) {
      if (name !== "capture") this.stopCamera();
      for (const step of this.querySelectorAll("[data-step]")) step.hidden = step.dataset.step !== name;
      this.step = this.$(`[data-step="${name}"]`);
      for (const error of this.step.querySelectorAll("[data-error]")) error.textContent = "";
      this.$("h3", this.step).focus();
      if (name === "rights") this.showRights();
    }

    handleEvent(event) {
      const target = event.target;
      if (event.type === "keydown") {
        if (event.key === "Escape" && this.stream) {
          this.stopCamera();
          this.$('[data-act="camera"]').focus();
        }
        return;
      }
      if (event.type === "change") {
        if (target.matches("[data-lang]")) this.run(() => this.loadNotice(target.value));
        if (target.matches("[data-file]") && target.files[0]) this.run(() => this.upload(target.files[0]));
        return;
      }
      if (event.type === "submit") {
        event.preventDefault();
        const form = target.dataset.form;
        this.run(() => this[`submit_${form}`](new FormData(target), target));
        return;
      }
      const button = target.closest("button");
      if (!button || button.getAttribute("aria-disabled") === "true") return;
      const { go, act } = button.dataset;
      if (go === "notice") this.run(() => this.openNotice());
      else if (go) this.show(go);
      if (act) this.run(() => this[`act_${act.replace("-", "_")}`](button));
    }

    /** Retry-After (seconds) as a shopper reads it: whole minutes, or whole hours from an hour on, rounded up. */
    wait(retryAfter) {
      const minutes = Math.max(1, Math.ceil((Number(retryAfter) || 60) / 60));
      if (minutes < 60) return this.t(minutes === 1 ? "wait_minute" : "wait_minutes", { n: minutes });
      const hours = Math.ceil(minutes / 60);
      return this.t(hours === 1 ? "wait_hour" : "wait_hours", { n: hours });
    }

    /** Runs one user action: busy while it lasts, any failure shown in words, never swallowed. */
    async run(work) {
      if (this.busy) return;
      this.busy = true;
      this.setAttribute("aria-busy", "true");
      for (const b of this.querySelectorAll("button")) b.setAttribute("aria-disabled", "true");
      try {
        await work();
      } catch (error) {
        const message =
          error instanceof ApiError
            ? error.status === 429
              ? this.t("rate_limited", { wait: this.wait(error.retryAfter) })
              : this.t(error.code) === error.code
                ? this.t("error")
                : this.t(error.code, { s: error.retryAfter || 30 })
            : error instanceof TypeError
              ? this.t("offline")
              : this.t("error");
        const box = this.step && this.$("[data-error]", this.step);
        if (box) box.textContent = message;
        this.say(message);
        if (!(error instanceof ApiError || error instanceof TypeError)) console.error(error);
      } finally {
        this.busy = false;
        this.removeAttribute("aria-busy");
        for (const b of this.querySelectorAll("button")) b.removeAttribute("aria-disabled");
      }
    }

    async api(path, { method = "GET", json, body, headers = {} } = {}) {
      // The random id exists only from the first consent on: nothing is stored for a shopper who only looks.
      const proof = {
        ...(this.state.subject && { "x-subject-id": this.state.subject }),
        ...(this.state.receipt && { "x-consent-receipt": this.state.receipt }),
      };
      const response = await fetch(`${this.dataset.proxy}/${path}`, {
        method,
        headers: { ...proof, ...(json && { "content-type": "application/json" }), ...headers },
        body: json ? JSON.stringify(json) : body,
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw new ApiError(response.status, data.error?.code || "error", response.headers.get("retry-after"));
      }
      return data;
    }

    subject() {
      if (!SECRET.test(this.state.subject || "")) this.save({ subject: newSecret() });
      return this.state.subject;
    }

    /** Shopify's Customer Privacy API decides: no choice recorded, or no API, means no analytics. */
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

    async loadNotice(locale) {
      this.say(this.t("loading"));
      const notice = await this.api(`notice?locale=${encodeURIComponent(locale)}`);
      this.notice = notice;
      const box = this.$("[data-notice]");
      box.lang = notice.locale;
      box.replaceChildren(
        ...notice.sections.flatMap((section) => {
          const title = document.createElement("h4");
          const body = document.createElement("p");
          title.textContent = section.title;
          body.textContent = section.body;
          return [title, body];
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
            const input = document.createElement("input");
            input.type = "checkbox";
            input.name = "purpose";
            input.value = p.key;
            label.append(input, ` ${p.label}`);
            return label;
          }),
      );
      this.say("");
    }

    async submit_consent(data) {
      const error = this.$("[data-error]", this.step);
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

    async act_camera() {
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
          audio: false,
        });
      } catch {
        this.$("[data-error]", this.step).textContent = this.t("camera_denied");
        return this.$("[data-file]").focus();
      }
      const video = this.$("video");
      video.srcObject = this.stream;
      await video.play();
      this.$("[data-cam]").hidden = this.$("[data-cam-controls]").hidden = false;
      this.$("[data-pick]").hidden = true;
      this.say(this.t("camera_on"));
      this.$('[data-act="snap"]').focus();
    }

    act_stop() {
      this.stopCamera();
      this.$('[data-act="camera"]').focus();
    }

    stopCamera() {
      if (!this.stream) return;
      for (const track of this.stream.getTracks()) track.stop();
      this.stream = null;
      this.$("video").srcObject = null;
      this.$("[data-cam]").hidden = this.$("[data-cam-controls]").hidden = true;
      this.$("[data-pick]").hidden = false;
      this.say(this.t("camera_off"));
    }

    async act_snap() {
      const video = this.$("video");
      const photo = await toJpeg(video, video.videoWidth, video.videoHeight);
      this.stopCamera();
      await this.scan(photo);
    }

    async upload(file) {
      this.$("[data-file]").value = "";
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) {
        return (this.$("[data-error]", this.step).textContent = this.t("not_image"));
      }
      const bitmap = await createImageBitmap(file);
      const photo = await toJpeg(bitmap, bitmap.width, bitmap.height);
      bitmap.close();
      await this.scan(photo);
    }

    async scan(photo) {
      if (!this.token) return this.openNotice();
      this.say(this.t("analysing"));
      let result;
      try {
        result = await this.api("scans", {
          method: "POST",
          body: photo,
          headers: { "content-type": "image/jpeg", "x-scan-token": this.token },
        });
      } catch (error) {
        // An expired token or a withdrawn or outdated consent: ask again rather than fail.
        if (error instanceof ApiError && [401, 403, 409].includes(error.status)) {
          this.token = null;
          return this.openNotice();
        }
        throw error;
      }
      if (result.status !== "accepted") {
        const hints = this.$("[data-hints]");
        hints.replaceChildren(
          ...result.quality.reasons.map((reason, i) => {
            const item = document.createElement("li");
            item.textContent = this.t(reason) === reason ? result.quality.hints[i] : this.t(reason);
            return item;
          }),
        );
        this.say(hints.textContent);
        return this.show("retry");
      }
      this.save({ scanId: result.scanId });
      this.track("scanned");
      this.showResult(result);
    }

    showResult({ result, recommendations }) {
      const { skinTone, ...indices } = result.indices;
      const fitz = skinTone.fitzpatrick;
      this.$("[data-tone]").textContent = this.toneWords(skinTone);
      // A range over several types names its ends; the API's `types` is absent in older results.
      const types = fitz.types ?? [];
      this.$("[data-fitz]").textContent =
        types.length > 2
          ? this.t("fitz_range", { a: types[0], b: types[types.length - 1] })
          : fitz.alternative
            ? this.t("fitz_near", { t: fitz.type, a: fitz.alternative })
            : this.t("fitz", { t: fitz.type });
      this.$("[data-fitz-answer]").textContent = "";
      this.$("[data-concerns]").replaceChildren(
        ...Object.entries(CONCERNS)
          .filter(([key]) => indices[key])
          .map(([key, word]) => {
            const item = document.createElement("li");
            item.textContent = `${this.t(word)}: ${this.t(indices[key].band)}`;
            return item;
          }),
      );
      this.show("result");
      this.showRights();
      this.products(recommendations);
      this.say(this.t("results_ready"));
    }

    /**
     * The tone as a range with its confidence, in the shopper's language (P18): one group; "between" two
     * (the light, or a boundary when a card pinned the light); or "somewhere from … to …", pointing to the
     * burn/tan questions. A result without a range (an older engine, a vendor) shows the group alone.
     */
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

    /** Self-reported sun reaction, 0–8 points over two answers, to a type: stays on this device. */
    submit_fitz(data) {
      const burn = data.get("burn");
      const tan = data.get("tan");
      if (burn === null || tan === null) return;
      const type = ["I", "I", "II", "II", "III", "IV", "V", "V", "VI"][Number(burn) + Number(tan)];
      this.$("[data-fitz-answer]").textContent = this.t("fitz_answer", { t: type });
    }

    products(list = []) {
      const box = this.$("[data-products]", this.step);
      const template = this.$("[data-product]").content;
      box.replaceChildren(
        ...list.map((product) => {
          const item = template.firstElementChild.cloneNode(true);
          const link = this.$("a", item);
          link.href = product.url;
          link.textContent = product.title;
          // Rule reasons come in the shop's words; in another language, say the concern in the shopper's.
          const reason = this.dataset.locale?.startsWith("en") ? "" : this.t(`reason_${product.concern}`);
          this.$("[data-reason]", item).textContent = reason.startsWith("reason_") || !reason ? product.reason : reason;
          this.$("[data-price]", item).textContent =
            product.price && product.currency
              ? new Intl.NumberFormat(this.dataset.locale, { style: "currency", currency: product.currency }).format(
                  product.price,
                )
              : (product.price ?? "");
          const image = this.$("img", item);
          if (product.imageUrl) {
            image.src = product.imageUrl;
            image.hidden = false;
          }
          const add = this.$("button", item);
          if (product.variantId) add.dataset.variant = product.variantId;
          else add.remove();
          return item;
        }),
      );
      if (!list.length) box.textContent = this.t("no_products");
    }

    async act_add(button) {
      const response = await fetch("/cart/add.js", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        // The theme's cart wants the numeric variant id; the catalogue may hold a GraphQL gid.
        body: JSON.stringify({ items: [{ id: Number(button.dataset.variant.split("/").pop()), quantity: 1 }] }),
      });
      if (!response.ok) throw new ApiError(response.status, "error");
      this.track("added_to_cart");
      this.say(this.t("added"));
      document.dispatchEvent(new CustomEvent("cart:refresh", { bubbles: true }));
    }

    async submit_quiz(data) {
      const tone = data.get("tone");
      const { recommendations } = await this.api("recommendations", {
        method: "POST",
        json: { concerns: data.getAll("concern"), ...(tone && { toneGroup: tone }) },
      });
      this.track("quiz");
      this.products(recommendations);
      this.say(this.$("[data-products]", this.step).textContent ? this.t("results_ready") : this.t("no_products"));
    }

    showRights() {
      for (const receipt of this.querySelectorAll("[data-receipt]")) receipt.textContent = this.state.receipt || "—";
      this.$('[data-act="delete-scan"]').hidden = !this.state.scanId;
      this.$('[data-act="withdraw"]').hidden = !this.state.consentId;
    }

    async act_withdraw() {
      const { consentId, receipt } = this.state;
      const result = await this.api(`consents/${encodeURIComponent(consentId)}/withdraw`, {
        method: "POST",
        json: { subjectId: this.subject(), receipt },
      });
      this.token = null;
      this.save({ consentId: null });
      this.showRights();
      this.say(this.t("withdrawn", { n: result.imagesDeleted ?? 0 }));
    }

    async act_delete_scan() {
      await this.api(`scans/${encodeURIComponent(this.state.scanId)}`, { method: "DELETE" });
      this.save({ scanId: null });
      this.showRights();
      this.say(this.t("scan_deleted"));
    }

    async act_download() {
      const data = await this.api("my-data");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data.export, null, 2)], { type: "application/json" }));
      link.download = "skin-scan-data.json";
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      this.say(this.t("downloaded"));
    }

    async act_erase() {
      await this.api("my-data", { method: "DELETE" });
      this.token = null;
      this.state = {};
      this.save({});
      this.$("[data-returning]").hidden = true;
      this.showRights();
      this.say(this.t("erased"));
    }

    async submit_request(data, form) {
      const message = data.get("message").trim();
      if (!message) return (this.$("[data-error]", this.step).textContent = this.t("message_required"));
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
      const due = new Date(filed.dueAt).toLocaleDateString(document.documentElement.lang || undefined);
      this.say(this.t("request_sent", { r: filed.reference, d: due }));
    }
  }

  customElements.define("skin-scan", SkinScan);
}
