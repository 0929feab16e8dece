// The "Skin scan" block's "My progress" view (docs/widget.md, "My progress"). Loaded by skin-scan.js only
// when a shopper opens it: window.ScanShieldProgress.mount(container, api) shows the shopper's own scans
// from GET progress (P19): a small chart per index, changes between scans only where the app compared them
// (comparable light, same engine) and called "real" only where the app says the change is beyond that
// index's measured repeatability; the kept photos side by side with their deletion dates, fetched from
// scans/{id}/photo for this shopper alone and held as object URLs (never stored); delete one scan or all.
// `api` = { request(path, init) → Promise<Response> with the shopper's proof, locale, formatDate(date),
// confirm(message) → Promise<boolean>, announce(el, message) }. This file decides nothing the app decides.
(() => {
  if (window.ScanShieldProgress) return;
  const INDICES = ["ita", "redness", "unevenness", "shine", "underEye"];

  const STRINGS = {
    en: {
      intro:
        "Your scans over time. Scans are compared only when they were taken in similar light, and a change is called real only when it is larger than what taking the same photo again can show. These are cosmetic indicators, not a diagnosis.",
      loading: "Loading your scans…",
      loaded: "{n} scans, from {first} to {latest}.",
      empty: "No scans yet. Your scans appear here after your first skin scan.",
      since: "Since your first scan",
      one_scan: "Take another scan in similar light to see how your skin changes.",
      ita: "Skin tone",
      redness: "Redness",
      unevenness: "Uneven tone",
      shine: "Shine",
      underEye: "Under-eye darkness",
      up: "higher",
      down: "lower",
      ita_up: "lighter",
      ita_down: "deeper",
      chart_real: "{direction} than at your first scan: a real change.",
      real_prev: "{index} {direction} (a real change)",
      chart_same: "No real change since your first scan.",
      no_change_short: "no real change",
      not_compared: "Not compared: {reason}.",
      prev_compared: "Compared with the scan before: {changes}.",
      prev_not_compared: "Not compared with the scan before: {reason}.",
      refused: "one of the photos could not be measured",
      no_measurement: "one scan was made by an older version of the scan",
      different_engine: "the two scans were measured by different versions of the analysis",
      repeatability_unknown: "the analysis service used has no measured repeatability",
      different_white_balance: "a colour card was in one photo and not in the other",
      different_exposure: "the lighting differed",
      different_light_knowledge: "the light was known in one photo only",
      photos: "Your kept photos",
      no_photos:
        "No photos are kept. Photos are kept for before and after only if you choose that when you take a scan.",
      photo_alt: "Your photo of {date}",
      photo_until: "{date}. Deleted on {until}.",
      photo_failed: "This photo could not be shown.",
      photo_unavailable:
        "This photo can no longer be shown; your results are not affected. You can delete this scan, and the photo with it.",
      scans: "Your scans",
      measured: "Measured",
      not_measured: "Photo not usable: nothing measured",
      photo_kept: "Photo kept until {date}",
      no_photo: "No photo kept",
      delete_one: "Delete this scan",
      delete_all: "Delete all my scans and photos",
      confirm_one: "Delete your scan of {date} and any photo kept with it? This cannot be undone.",
      confirm_all: "Delete all {n} of your scans and every kept photo? This cannot be undone.",
      deleted_one: "Your scan of {date} is deleted.",
      deleted_all: "All your scans and photos are deleted.",
      deleted_some: "{n} scans deleted; the rest could not be deleted now.",
      rate_limited: "Too many requests just now. Try again in {wait}.",
      failed: "Your progress could not be loaded. Check your connection and try again.",
      delete_failed: "The scan could not be deleted. Check your connection and try again.",
      retry: "Try again",
    },
    hi: {
      intro:
        "समय के साथ आपके स्कैन। स्कैन की तुलना तभी की जाती है जब वे मिलती-जुलती रोशनी में लिए गए हों, और किसी बदलाव को असली तभी कहा जाता है जब वह उसी फ़ोटो को दोबारा लेने से होने वाले अंतर से बड़ा हो। ये सौंदर्य संकेतक हैं, निदान नहीं।",
      loading: "आपके स्कैन लोड हो रहे हैं…",
      loaded: "{n} स्कैन, {first} से {latest} तक।",
      empty: "अभी कोई स्कैन नहीं है। पहले स्किन स्कैन के बाद आपके स्कैन यहाँ दिखेंगे।",
      since: "आपके पहले स्कैन से अब तक",
      one_scan: "आपकी त्वचा में बदलाव देखने के लिए मिलती-जुलती रोशनी में एक और स्कैन लें।",
      ita: "त्वचा का रंग",
      redness: "लालिमा",
      unevenness: "असमान रंगत",
      shine: "चमक",
      underEye: "आँखों के नीचे कालापन",
      up: "अधिक",
      down: "कम",
      ita_up: "हल्का",
      ita_down: "गहरा",
      chart_real: "आपके पहले स्कैन से {direction}: यह असली बदलाव है।",
      real_prev: "{index} {direction} (असली बदलाव)",
      chart_same: "आपके पहले स्कैन से कोई असली बदलाव नहीं।",
      no_change_short: "कोई असली बदलाव नहीं",
      not_compared: "तुलना नहीं की गई: {reason}।",
      prev_compared: "पिछले स्कैन से तुलना: {changes}।",
      prev_not_compared: "पिछले स्कैन से तुलना नहीं की गई: {reason}।",
      refused: "एक फ़ोटो को मापा नहीं जा सका",
      no_measurement: "एक स्कैन पुराने संस्करण से किया गया था",
      different_engine: "दोनों स्कैन विश्लेषण के अलग-अलग संस्करणों से मापे गए",
      repeatability_unknown: "इस्तेमाल की गई विश्लेषण सेवा की दोहराव-क्षमता मापी नहीं गई है",
      different_white_balance: "एक फ़ोटो में रंग कार्ड था और दूसरी में नहीं",
      different_exposure: "रोशनी अलग थी",
      different_light_knowledge: "रोशनी केवल एक फ़ोटो में ज्ञात थी",
      photos: "आपकी रखी गई फ़ोटो",
      no_photos: "कोई फ़ोटो नहीं रखी गई है। पहले और बाद की तुलना के लिए फ़ोटो तभी रखी जाती हैं जब आप स्कैन करते समय यह चुनें।",
      photo_alt: "{date} की आपकी फ़ोटो",
      photo_until: "{date}। {until} को हटा दी जाएगी।",
      photo_failed: "यह फ़ोटो दिखाई नहीं जा सकी।",
      photo_unavailable:
        "यह फ़ोटो अब दिखाई नहीं जा सकती; आपके परिणामों पर इसका असर नहीं है। आप यह स्कैन, और उसके साथ फ़ोटो, हटा सकते हैं।",
      scans: "आपके स्कैन",
      measured: "मापा गया",
      not_measured: "फ़ोटो उपयोग योग्य नहीं: कुछ नहीं मापा गया",
      photo_kept: "फ़ोटो {date} तक रखी जाएगी",
      no_photo: "कोई फ़ोटो नहीं रखी गई",
      delete_one: "यह स्कैन हटाएँ",
      delete_all: "मेरे सभी स्कैन और फ़ोटो हटाएँ",
      confirm_one: "{date} का आपका स्कैन और उसके साथ रखी कोई भी फ़ोटो हटाएँ? इसे वापस नहीं किया जा सकता।",
      confirm_all: "आपके सभी {n} स्कैन और हर रखी गई फ़ोटो हटाएँ? इसे वापस नहीं किया जा सकता।",
      deleted_one: "{date} का आपका स्कैन हटा दिया गया है।",
      deleted_all: "आपके सभी स्कैन और फ़ोटो हटा दिए गए हैं।",
      deleted_some: "{n} स्कैन हटाए गए; बाकी अभी नहीं हटाए जा सके।",
      rate_limited: "अभी बहुत सारे अनुरोध हुए हैं। {wait} बाद फिर कोशिश करें।",
      failed: "आपकी प्रगति लोड नहीं हो सकी। अपना कनेक्शन जाँचें और फिर कोशिश करें।",
      delete_failed: "स्कैन हटाया नहीं जा सका। अपना कनेक्शन जाँचें और फिर कोशिश करें।",
      retry: "फिर कोशिश करें",
    },
  };

  const CSS = `
.ssp h4{margin:1.5rem 0 .5rem}
.ssp-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.75rem;margin:0;padding:0;list-style:none}
.ssp-chart{margin:0;padding:.75rem;border:1px solid color-mix(in srgb,currentColor 20%,transparent);border-radius:.5rem}
.ssp-chart svg{display:block;width:100%;height:auto;margin-bottom:.25rem;overflow:visible}
.ssp-chart figcaption{font-size:.925em}
.ssp-chart b{display:block}
.ssp-line{fill:none;stroke:var(--ss-accent,#1f4f46);stroke-width:2;vector-effect:non-scaling-stroke}
.ssp-line[data-apart]{stroke:color-mix(in srgb,currentColor 40%,transparent);stroke-dasharray:4 4}
.ssp-dot{fill:var(--ss-bg,#fff);stroke:var(--ss-accent,#1f4f46);stroke-width:2}
.ssp-dot[data-real]{fill:var(--ss-accent,#1f4f46)}
.ssp-photos{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.75rem;margin:0;padding:0;list-style:none}
.ssp-photos figure{margin:0}
.ssp-photos img,.ssp-photos .ssp-none{display:block;width:100%;aspect-ratio:3/4;object-fit:cover;border-radius:.5rem;background:color-mix(in srgb,currentColor 8%,transparent)}
.ssp-photos figcaption{margin:.25rem 0;font-size:.925em}
.ssp-scans{margin:0;padding:0 0 0 1rem;list-style:none;border-left:2px solid color-mix(in srgb,var(--ss-accent,#1f4f46) 40%,transparent)}
.ssp-scans li{margin:0 0 1rem;padding-left:.5rem}
.ssp-scans p{margin:.125rem 0}
.ssp .ss-btn{margin-top:.25rem}
.ssp-status:empty{display:none}`;

  /** Formats a template with {name} placeholders. */
  const fill = (template, vars = {}) => template.replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");

  function element(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  /** A small chart of one index over the measured scans: solid where the app compared two neighbours. */
  function chart(values, links) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    const [w, h, pad] = [200, 56, 6];
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const low = Math.min(...values);
    const span = Math.max(...values) - low;
    const at = (v, i) => [
      values.length === 1 ? w / 2 : pad + (i * (w - 2 * pad)) / (values.length - 1),
      span ? h - pad - ((v - low) / span) * (h - 2 * pad) : h / 2,
    ];
    values.forEach((v, i) => {
      if (i === 0) return;
      const line = document.createElementNS(NS, "polyline");
      line.setAttribute("points", `${at(values[i - 1], i - 1)} ${at(v, i)}`);
      line.setAttribute("class", "ssp-line");
      if (!links[i]?.compared) line.dataset.apart = "";
      svg.append(line);
    });
    values.forEach((v, i) => {
      const [x, y] = at(v, i);
      const dot = document.createElementNS(NS, "circle");
      dot.setAttribute("cx", String(x));
      dot.setAttribute("cy", String(y));
      dot.setAttribute("r", links[i]?.real ? "4" : "3");
      dot.setAttribute("class", "ssp-dot");
      if (links[i]?.real) dot.dataset.real = "";
      svg.append(dot);
    });
    return svg;
  }

  function mount(container, api) {
    const strings = STRINGS[String(api.locale || "en").slice(0, 2)] || STRINGS.en;
    const say = (key, vars) => fill(strings[key] ?? STRINGS.en[key] ?? key, vars);
    const date = (iso) => (api.formatDate ? api.formatDate(new Date(iso)) : new Date(iso).toLocaleDateString());
    if (!document.querySelector("style[data-ssp]")) {
      document.head.append(element("style", { "data-ssp": "", text: CSS }));
    }
    // The caller's step holds the heading ("My progress"); this view adds its sections under it. Its
    // status line is `data-say`, so the widget's announce() writes there, next to the actions.
    const status = element("p", { class: "ssp-status ss-say", role: "status", "data-say": "", tabindex: "-1" });
    const body = element("div");
    const root = element("div", { class: "ssp" }, element("p", { text: say("intro") }), status, body);
    container.append(root);
    let urls = [];
    const announce = (message) => (api.announce ? api.announce(status, message) : (status.textContent = message));

    // The widget's own wording for a wait ("a moment", minutes, hours), so both views say it alike.
    const wait = (response) => api.wait(response.headers.get("retry-after") || 60);
    const trouble = (response, key) =>
      response && response.status === 429 ? say("rate_limited", { wait: wait(response) }) : say(key);

    async function load() {
      announce(say("loading"));
      let response;
      try {
        response = await api.request("progress");
      } catch {
        response = null;
      }
      if (!response || !response.ok) {
        const again = element("button", { type: "button", class: "ss-btn", text: say("retry") });
        again.addEventListener("click", load);
        body.replaceChildren(again);
        return announce(trouble(response, "failed"));
      }
      const progress = await response.json();
      render(progress);
      const { scans } = progress;
      if (scans.length)
        announce(
          say("loaded", {
            n: new Intl.NumberFormat(api.locale || "en").format(scans.length),
            first: date(scans[0].createdAt),
            latest: date(scans[scans.length - 1].createdAt),
          }),
        );
      else announce("");
    }

    /** The verdict for one index between two scans, from the app's comparison; null when it has none. */
    function verdict(comparison, index) {
      if (!comparison) return null;
      if (!comparison.comparable) return { compared: false, reason: comparison.reason };
      const change = comparison.changes.find((c) => c.index === index);
      if (!change) return { compared: false, reason: "different_light_knowledge" };
      return { compared: true, real: change.meaningful, delta: change.delta };
    }
    const capital = (word) => word.charAt(0).toLocaleUpperCase(api.locale || "en") + word.slice(1);
    const direction = (index, delta) =>
      say(delta > 0 ? (index === "ita" ? "ita_up" : "up") : index === "ita" ? "ita_down" : "down");

    function render({ scans, comparisons }) {
      for (const url of urls) URL.revokeObjectURL(url);
      urls = [];
      if (!scans.length) return body.replaceChildren(element("p", { text: say("empty") }));
      const pair = (from, to) => comparisons.find((c) => c.from === from && c.to === to);
      const measured = scans.filter((s) => s.indices);
      const parts = [];

      // Since the first scan: a chart per index and what the app says about first → latest.
      parts.push(element("h4", { text: say("since") }));
      if (measured.length < 2) parts.push(element("p", { text: say("one_scan") }));
      else {
        const overall = pair(measured[0].scanId, measured[measured.length - 1].scanId);
        const charts = element("ul", { class: "ssp-charts" });
        for (const index of INDICES) {
          const links = measured.map((s, i) => (i ? verdict(pair(measured[i - 1].scanId, s.scanId), index) : null));
          const v = verdict(overall, index);
          const words = !v
            ? ""
            : !v.compared
              ? say("not_compared", { reason: say(v.reason) })
              : v.real
                ? say("chart_real", { direction: capital(direction(index, v.delta)) })
                : say("chart_same");
          const caption = element("figcaption", {}, element("b", { text: say(index) }), words);
          charts.append(
            element(
              "li",
              {},
              element(
                "figure",
                { class: "ssp-chart" },
                chart(
                  measured.map((s) => s.indices[index]),
                  links,
                ),
                caption,
              ),
            ),
          );
          caption.dataset.index = index;
        }
        if (overall && !overall.comparable)
          parts.push(element("p", { text: say("not_compared", { reason: say(overall.reason) }) }));
        parts.push(charts);
      }

      // Kept photos, side by side: the first and the latest still kept.
      parts.push(element("h4", { text: say("photos") }));
      const kept = scans.filter((s) => s.photoKept);
      const shown = kept.length > 2 ? [kept[0], kept[kept.length - 1]] : kept;
      if (!shown.length) parts.push(element("p", { text: say("no_photos") }));
      else {
        const grid = element("ul", { class: "ssp-photos" });
        for (const scan of shown) {
          const slot = element("span", { class: "ssp-none" });
          const caption = element("figcaption", {
            text: say("photo_until", { date: date(scan.createdAt), until: date(scan.photoDeleteAfter) }),
          });
          grid.append(element("li", {}, element("figure", {}, slot, caption)));
          photo(scan, slot);
        }
        parts.push(grid);
      }

      // Every scan, newest first, with what it was compared to and a delete button.
      parts.push(element("h4", { text: say("scans") }));
      const list = element("ol", { class: "ssp-scans", reversed: "" });
      [...scans].reverse().forEach((scan) => {
        const i = measured.indexOf(scan);
        const lines = [
          element(
            "p",
            {},
            element("strong", { text: date(scan.createdAt) }),
            ` · ${say(scan.indices ? "measured" : "not_measured")}`,
          ),
          element("p", {
            text: scan.photoKept ? say("photo_kept", { date: date(scan.photoDeleteAfter) }) : say("no_photo"),
          }),
        ];
        const before = i > 0 ? pair(measured[i - 1].scanId, scan.scanId) : null;
        if (before && !before.comparable)
          lines.push(element("p", { text: say("prev_not_compared", { reason: say(before.reason) }) }));
        else if (before) {
          const real = before.changes.filter((c) => c.meaningful);
          const changes = real.length
            ? real
                .map((c) => say("real_prev", { index: say(c.index), direction: direction(c.index, c.delta) }))
                .join("; ")
            : say("no_change_short");
          lines.push(element("p", { text: say("prev_compared", { changes }) }));
        }
        // The date tells the buttons apart for a screen reader; the visible words stay the same.
        const remove = element(
          "button",
          { type: "button", class: "ss-btn ss-btn--quiet" },
          say("delete_one"),
          element("span", { class: "ss-visually-hidden", text: ` (${date(scan.createdAt)})` }),
        );
        remove.addEventListener("click", () => removeOne(scan, remove));
        list.append(element("li", {}, ...lines, remove));
      });
      parts.push(list);
      const all = element("button", { type: "button", class: "ss-btn ss-btn--quiet", text: say("delete_all") });
      all.addEventListener("click", () => removeAll(scans, all));
      parts.push(all);
      body.replaceChildren(...parts);
    }

    /** The kept photo, fetched for this shopper and shown from memory; never cached or stored. */
    async function photo(scan, slot) {
      try {
        const response = await api.request(`scans/${encodeURIComponent(scan.scanId)}/photo`);
        // 410: the photo's key was retired; the server says so, and deleting the scan is what is left to do.
        if (response.status === 410) return void (slot.textContent = say("photo_unavailable"));
        if (!response.ok) throw new Error(String(response.status));
        const url = URL.createObjectURL(await response.blob());
        urls.push(url);
        const image = element("img", {
          src: url,
          alt: say("photo_alt", { date: date(scan.createdAt) }),
          width: "300",
          height: "400",
        });
        slot.replaceWith(image);
      } catch {
        slot.textContent = say("photo_failed");
      }
    }

    const busy = (button, on) =>
      on ? button.setAttribute("aria-disabled", "true") : button.removeAttribute("aria-disabled");

    async function removeOne(scan, button) {
      if (button.getAttribute("aria-disabled") === "true") return;
      if (!(await api.confirm(say("confirm_one", { date: date(scan.createdAt) })))) return;
      busy(button, true);
      const response = await api
        .request(`scans/${encodeURIComponent(scan.scanId)}`, { method: "DELETE" })
        .catch(() => null);
      busy(button, false);
      if (!response || !response.ok) return announce(trouble(response, "delete_failed"));
      status.focus();
      await load();
      announce(say("deleted_one", { date: date(scan.createdAt) }));
    }

    async function removeAll(scans, button) {
      if (button.getAttribute("aria-disabled") === "true") return;
      if (!(await api.confirm(say("confirm_all", { n: scans.length })))) return;
      busy(button, true);
      let done = 0;
      let failed = null;
      for (const scan of scans) {
        const response = await api
          .request(`scans/${encodeURIComponent(scan.scanId)}`, { method: "DELETE" })
          .catch(() => null);
        // Already gone (another tab) counts as deleted.
        if (response && (response.ok || response.status === 404)) done++;
        else {
          failed = response;
          break;
        }
      }
      busy(button, false);
      status.focus();
      await load();
      if (failed !== null || done < scans.length) {
        const n = new Intl.NumberFormat(api.locale || "en").format(done);
        return announce(`${say("deleted_some", { n })} ${trouble(failed, "delete_failed")}`);
      }
      announce(say("deleted_all"));
    }

    load();
    return {
      reload: load,
      unmount() {
        for (const url of urls) URL.revokeObjectURL(url);
        root.remove();
      },
    };
  }

  window.ScanShieldProgress = { mount, strings: STRINGS };
})();
