// Breach notices for the "Skin scan" block (docs/widget.md, "Breach notices"; docs/incidents.md). Loaded by
// skin-scan.js only when the browser holds a shopper's proof: window.ScanShieldNotices.check(rootEl, api)
// asks GET notices for this shopper and shows each one not yet acknowledged as an alert at the top of the
// block, in the shopper's language, with "I have read this" (POST notices/{id}/ack). The notice's words
// come from the app (the merchant's account of the incident, Rule 7(1) of the DPDP Rules); this file only
// shows them, as text, never as HTML. `api` = { request(path, init) → Promise<Response> with the proof,
// t(key, vars), locale, formatDate(date), confirm(message), announce(el, message) }.
(() => {
  if (window.ScanShieldNotices) return;

  const STRINGS = {
    en: {
      label: "Important notice about your data",
      published: "Notice from the store, {date}. Reference {reference}.",
      read: "I have read this",
      thanks: "Thank you. The store has recorded that you read this notice.",
      failed: "That did not work. Please try again.",
    },
    hi: {
      label: "आपके डेटा के बारे में महत्वपूर्ण सूचना",
      published: "स्टोर की सूचना, {date}। संदर्भ {reference}।",
      read: "मैंने इसे पढ़ लिया है",
      thanks: "धन्यवाद। स्टोर ने दर्ज कर लिया है कि आपने यह सूचना पढ़ ली है।",
      failed: "यह नहीं हो सका। कृपया फिर से कोशिश करें।",
    },
  };

  const el = (tag, props = {}, children = []) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };

  let count = 0;

  /** One notice: a labelled region whose title is announced, its sections as headings and paragraphs. */
  function render(notice, words, api, onDone) {
    const id = `ss-breach-${++count}`;
    const title = el("h3", { id, textContent: notice.title });
    const box = el("section", { className: "ss-card ss-breach", lang: notice.locale });
    box.setAttribute("aria-labelledby", id);
    box.style.border = "2px solid currentColor";
    // role=alert on the short lines only: the whole notice read out at once would bury its title.
    const alert = el("p", { className: "ss-note" }, [words.label]);
    alert.setAttribute("role", "alert");
    const meta = el("p", {
      className: "ss-note",
      textContent: words.published
        .replace("{date}", notice.publishedAt ? api.formatDate(notice.publishedAt) : "")
        .replace("{reference}", notice.reference),
    });
    const body = [...notice.intro.map((text) => el("p", { textContent: text }))];
    for (const section of notice.sections) {
      body.push(el("h4", { textContent: section.heading }));
      for (const text of section.paragraphs) body.push(el("p", { textContent: text }));
    }
    const error = el("p", { className: "ss-error" });
    error.setAttribute("role", "alert");
    const button = el("button", { type: "button", className: "ss-btn", textContent: words.read });
    button.addEventListener("click", async () => {
      if (button.getAttribute("aria-disabled") === "true") return;
      button.setAttribute("aria-disabled", "true");
      error.textContent = "";
      try {
        const response = await api.request(`notices/${encodeURIComponent(notice.id)}/ack`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        if (!response.ok) throw new Error(`ack ${response.status}`);
        onDone(box, words.thanks);
      } catch (cause) {
        if (!(cause instanceof TypeError)) console.error(cause);
        error.textContent = words.failed;
        button.removeAttribute("aria-disabled");
      }
    });
    box.append(alert, title, meta, ...body, error, button);
    return box;
  }

  window.ScanShieldNotices = {
    async check(root, api) {
      const words = STRINGS[String(api.locale || "en").slice(0, 2)] || STRINGS.en;
      const response = await api.request(`notices?locale=${encodeURIComponent(api.locale || "en")}`);
      if (!response.ok) return []; // Not affected, or the proof is gone: nothing to show.
      const { notices = [] } = await response.json();
      const open = notices.filter((n) => !n.acknowledged);
      const shown = open.map((notice) =>
        render(notice, words, api, (box, thanks) => {
          const next = box.nextElementSibling;
          box.remove();
          api.announce(root, thanks);
          // Focus moves on, never lost to the removed button.
          (next?.closest(".ss-breach") ? next.querySelector("button") : root.querySelector("button"))?.focus();
        }),
      );
      // Right under the block's own heading (h2), so the notice's h3/h4 keep the page's heading order.
      const heading = root.querySelector("h2");
      if (heading) heading.after(...shown);
      else root.prepend(...shown);
      return shown;
    },
  };
})();
