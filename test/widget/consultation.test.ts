import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { NoticePurpose } from "../../app/consent/default-notice";
import { noticeTextHash } from "../../app/consent/notice.server";
import { DEMO_CATALOGUE } from "../../app/recommendations/demo-catalogue";
import {
  answerDialog,
  checkStep,
  eventually,
  focused,
  newShopper,
  proofHeaders,
  proxyApi,
  shown,
  stackForFile,
  statusOf,
  text,
  widgetState,
  uploadPhoto,
} from "./harness";

/**
 * Issue 12, items 1–4: the widget as a guided consultation, walked in real Chromium in English and Hindi
 * at phone (390×844) and desktop (1440×900) size, axe-core clean and screenshotted at every step: the step
 * indicator, the layered notice (P7: every word still in the page, hash unchanged), the analysing state,
 * results first (tone swatch and range, concern meters, the shopper's own photo from the device with the
 * measured zones, product cards with feedback at the button, then "refine my type"), and rights that ask
 * before they destroy and answer where the shopper acted, with dates in the store's locale.
 */
const WORDS = {
  en: {
    heading: "Skin scan",
    start: "Start skin scan",
    yes: "Yes, I am 18 or older",
    analyse: "Analyse my photo now to show my skin results",
    keep: "Keep my photos for before/after tracking",
    agree: "Agree and continue",
    results: "Your results",
    ready: "Your results are ready.",
    added: "Added to your cart.",
    myData: "My skin scan data",
    withdraw: "Withdraw consent",
    withdrawn: "Consent withdrawn. Stored photos deleted: 1.",
    message: "Your message",
    send: "Send request",
    messageRequired: "Please write a message.",
    erase: "Erase everything",
    erased: "Everything was erased.",
    steps: ["Notice", "Photo", "Results"],
  },
  hi: {
    heading: "स्किन स्कैन",
    start: "स्किन स्कैन शुरू करें",
    yes: "हाँ, मेरी आयु 18 वर्ष या उससे अधिक है",
    analyse: "मेरे त्वचा परिणाम दिखाने के लिए अभी मेरी फ़ोटो का विश्लेषण करें",
    keep: "पहले/बाद की तुलना के लिए मेरी फ़ोटो रखें",
    agree: "सहमत हूँ, आगे बढ़ें",
    results: "आपके परिणाम",
    ready: "",
    added: "",
    myData: "मेरा स्किन स्कैन डेटा",
    withdraw: "सहमति वापस लें",
    withdrawn: "सहमति वापस ले ली गई। मिटाई गई सहेजी फ़ोटो: 1।",
    message: "आपका संदेश",
    send: "अनुरोध भेजें",
    messageRequired: "",
    erase: "सब कुछ मिटाएँ",
    erased: "",
    steps: ["सूचना", "फ़ोटो", "परिणाम"],
  },
};
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1440, height: 900 } };

/** Which step the indicator marks as current (its text), or null when it is hidden. */
const currentStep = (page: Page) =>
  page.evaluate(() => {
    const bar = document.querySelector("skin-scan [data-steps]") as HTMLElement;
    return bar.hidden ? null : (bar.querySelector("[aria-current='step']")?.textContent?.trim() ?? "");
  });

describe("storefront widget: the consultation (Chromium, en + hi, phone + desktop)", () => {
  const rig = stackForFile();

  for (const locale of ["en", "hi"] as const) {
    for (const size of ["phone", "desktop"] as const) {
      it(`P7, P8, P9: ${locale} ${size}: notice → photo → results → rights, every step axe-clean`, async () => {
        const w = WORDS[locale];
        const name = (step: string) => `consult-${locale}-${size}-${step}`;
        const page = await newShopper(rig.stack, { viewport: SIZES[size], reducedMotion: size === "phone" });
        const events: string[] = [];
        await page.route("**/apps/skin-scan/events", async (route) => {
          events.push(route.request().postData() ?? "");
          await route.fulfill({ status: 204 });
        });
        await page.goto(`${rig.stack.storeUrl}/?locale=${locale}`);
        const widget = page.locator("skin-scan");
        expect(await text(widget.locator("h2"))).toBe(w.heading);
        await shown(widget.getByRole("button", { name: w.start }));
        await checkStep(page, name("01-start"));
        expect(await currentStep(page)).toBeNull();

        // Notice: layered; what data, why, rights, withdrawal and complaints in full; the rest behind "Read more".
        await widget.getByRole("button", { name: w.start }).click();
        const notice = (await page.evaluate(
          (l) => fetch(`/apps/skin-scan/notice?locale=${l}`).then((r) => r.json()),
          locale,
        )) as {
          version: number;
          textHash: string;
          sections: { key: string; title: string; body: string }[];
          purposes: NoticePurpose[];
        };
        await eventually(() => widget.locator("[data-notice] .ss-sec").count()).toBe(notice.sections.length);
        expect(await currentStep(page)).toBe(w.steps[0]);
        for (const key of ["data", "purpose", "rights", "withdraw", "complaints"]) {
          const body = notice.sections.find((s) => s.key === key)?.body;
          const section = widget.locator(`[data-notice] [data-key="${key}"] p`);
          expect(await section.evaluate((p) => (p as HTMLElement).innerText.trim())).toBe(body);
        }
        const more = widget.locator("[data-notice] [aria-expanded='false']");
        expect(await more.count()).toBeGreaterThan(2);
        const ageTop = await widget.locator("[data-form='consent'] fieldset").first().boundingBox();
        const noticeTop = await widget.locator("[data-step='notice'] h3").boundingBox();
        console.log(
          `${locale} ${size}: the age question starts ${Math.round((ageTop?.y ?? 0) - (noticeTop?.y ?? 0))} px below the notice heading`,
        );
        await checkStep(page, name("02-notice"));
        await more.first().click();
        await eventually(() => widget.locator("[data-notice] [aria-expanded='true']").count()).toBe(1);
        const id = await widget.locator("[data-notice] [aria-expanded='true']").getAttribute("aria-controls");
        expect(await page.locator(`#${id}`).isVisible()).toBe(true);
        await checkStep(page, name("03-notice-read-more"));
        // P7: the words in the page, section by section, are exactly the text whose hash is on record.
        const shownSections = await widget.locator("[data-notice] .ss-sec").evaluateAll((nodes) =>
          nodes.map((n) => ({
            key: (n as HTMLElement).dataset.key ?? "",
            title: n.querySelector("h4")?.textContent ?? "",
            body: n.querySelector("p")?.textContent ?? "",
          })),
        );
        expect(noticeTextHash(locale, 18, { sections: shownSections, purposes: notice.purposes })).toBe(
          notice.textHash,
        );

        await widget.getByLabel(w.yes).check();
        await widget.getByLabel(w.analyse).check();
        await widget.getByLabel(w.keep).check();
        await widget.getByRole("button", { name: w.agree }).click();
        await shown(widget.locator("[data-step='capture'] [data-act='camera']"));
        expect(await currentStep(page)).toBe(w.steps[1]);
        // The upload button's label sits in the middle of the button.
        const centred = await widget.locator(".ss-file").evaluate((label) => {
          const range = document.createRange();
          range.selectNodeContents(label.firstChild as Node);
          const words = range.getBoundingClientRect();
          const box = label.getBoundingClientRect();
          return Math.abs(words.top + words.height / 2 - (box.top + box.height / 2));
        });
        expect(centred).toBeLessThan(2);
        await checkStep(page, name("04-capture"));

        // Analysing: held at the network so the state can be seen; the bar pulses only where motion is welcome.
        let release = () => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        await page.route("**/apps/skin-scan/scans", async (route) => {
          await held;
          await route.continue();
        });
        await uploadPhoto(widget, rig.photo);
        await shown(widget.locator("[data-step='analysing']"));
        expect(await currentStep(page)).toBe(w.steps[1]);
        await eventually(() =>
          widget.locator("[data-step='analysing'] progress").evaluate((p) => (p as HTMLProgressElement).value),
        ).toBe(2);
        const animation = await widget
          .locator("[data-step='analysing'] progress")
          .evaluate((p) => getComputedStyle(p).animationName);
        expect(animation).toBe(size === "phone" ? "none" : "ss-pulse");
        expect(await widget.locator("[data-preview]").getAttribute("src")).toMatch(/^blob:/);
        await checkStep(page, name("05-analysing"));
        // The photo is shown back from the device: nothing is fetched from the app for it.
        const photoRequests: string[] = [];
        page.on("request", (r) => {
          const url = new URL(r.url());
          if (r.method() === "GET" && url.pathname.startsWith("/apps/skin-scan/")) photoRequests.push(url.pathname);
        });
        release();

        // Results first: photo with zones, tone swatch and range, Fitzpatrick in words, meters, products, refine.
        const results = widget.locator("[data-step='result']");
        await shown(results.getByRole("heading", { name: w.results, exact: true }), 30_000);
        expect(await currentStep(page)).toBe(w.steps[2]);
        if (w.ready) await eventually(() => text(statusOf(page))).toBe(w.ready);
        expect(await results.locator("[data-photo] img").getAttribute("src")).toMatch(/^blob:/);
        expect(await results.locator("[data-zones] ellipse").count()).toBe(6);
        expect(await results.locator("[data-swatches] .ss-in").count()).toBeGreaterThan(0);
        expect(await results.locator("[data-swatches] .ss-at").count()).toBe(1);
        expect(await text(results.locator("[data-tone]"))).not.toBe("");
        expect(await text(results.locator("[data-fitz]"))).not.toBe("");
        expect(await results.locator("[data-concerns] li").count()).toBe(4);
        for (const meter of await results.locator("[data-concerns] .ss-meter").all())
          expect(Number(await meter.evaluate((m) => (m as HTMLElement).style.getPropertyValue("--v")))).toBeGreaterThan(
            0,
          );
        const cards = results.locator("[data-products] li");
        await eventually(() => cards.count()).toBeGreaterThan(0);
        // Whole rupees as the theme writes them (₹600, not ₹600.00).
        expect(await text(cards.first().locator("[data-price]"))).toMatch(/^₹\d[\d,]*$/);
        // Product images come from the catalogue, in a box sized before they load (no layout shift).
        await eventually(() =>
          cards
            .first()
            .locator("img")
            .evaluate((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
        ).toBe(true);
        // Each image is described by the merchant's alt text from the catalogue sync (here the demo's).
        const alts = new Map(DEMO_CATALOGUE.map((p) => [p.imageUrl, p.imageAlt]));
        for (const img of await cards.locator("img").all()) {
          const src = new URL((await img.getAttribute("src")) ?? "", rig.stack.storeUrl).pathname;
          expect(await img.getAttribute("alt")).toBe(alts.get(src));
        }
        const y = (selector: string) =>
          results
            .locator(selector)
            .first()
            .evaluate((e) => e.getBoundingClientRect().top);
        const order = [
          await y(".ss-summary"),
          await y("[data-concerns]"),
          await y("[data-products]"),
          await y("[data-form='fitz']"),
        ];
        expect([...order].sort((a, b) => a - b)).toEqual(order);
        expect(photoRequests).toEqual([]);
        await checkStep(page, name("06-results"));

        // Add to cart: the answer is said in the card, next to its button.
        const card = cards.first();
        await card.locator("[data-act='add']").click();
        await eventually(() => text(card.locator("[data-say]"))).not.toBe("");
        if (w.added) expect(await text(card.locator("[data-say]"))).toBe(w.added);
        const gap = await card.evaluate((c) => {
          const button = c.querySelector("[data-act='add']")!.getBoundingClientRect();
          const said = c.querySelector("[data-say]")!.getBoundingClientRect();
          return Math.max(said.top - button.bottom, button.top - said.bottom);
        });
        expect(gap).toBeLessThan(20);
        await checkStep(page, name("07-added-to-cart"));

        // Refine my type: optional, after the products.
        await results.locator("input[name='burn'][value='0']").check();
        await results.locator("input[name='tan'][value='0']").check();
        await results.locator("[data-form='fitz'] button[type='submit']").click();
        await eventually(() => text(results.locator("[data-fitz-answer]"))).toMatch(/\bI\b/);

        // Rights: withdraw asks first; Cancel changes nothing; the answer is said where the buttons are.
        const state = await widgetState(page);
        await results.getByRole("button", { name: w.myData }).click();
        const rights = widget.locator("[data-step='rights']");
        await shown(rights.getByRole("button", { name: w.withdraw }));
        await checkStep(page, name("08-rights"));
        await rights.getByRole("button", { name: w.withdraw }).click();
        await checkStep(page, name("09-confirm-withdraw"));
        await answerDialog(page, false);
        await eventually(() => focused(rights.getByRole("button", { name: w.withdraw }))).toBe(true);
        const kept = await proxyApi(rig.stack, "/my-data", { headers: proofHeaders(state) });
        expect(kept.body).toMatchObject({ summary: { storedImages: 1 } });
        await rights.getByRole("button", { name: w.withdraw }).click();
        await answerDialog(page, true);
        const rightsSay = rights.locator("div.ss-card[data-area] [data-say]");
        await eventually(() => text(rightsSay)).toBe(w.withdrawn);
        // The withdraw button is gone, so focus is on the answer, not lost.
        await eventually(() => focused(rightsSay)).toBe(true);
        const after = await proxyApi(rig.stack, "/my-data", { headers: proofHeaders(state) });
        expect(after.body).toMatchObject({ summary: { storedImages: 0 } });

        // A request: the missing message is named, then cleared once sent; the due date in the store's locale.
        const form = rights.locator("[data-form='request']");
        await form.getByRole("button", { name: w.send }).click();
        await eventually(() => text(form.locator("[data-error]"))).not.toBe("");
        if (w.messageRequired) expect(await text(form.locator("[data-error]"))).toBe(w.messageRequired);
        await checkStep(page, name("10-request-missing-message"));
        await form.locator("select[name='type']").selectOption("grievance");
        await form.getByLabel(w.message).fill("Please explain what my results were used for.");
        await form.getByRole("button", { name: w.send }).click();
        await eventually(() => text(form.locator("[data-say]"))).not.toBe("");
        expect(await text(form.locator("[data-error]"))).toBe("");
        console.log(`${locale} ${size}: ${await text(form.locator("[data-say]"))}`);
        const due = (await text(form.locator("[data-say]"))).match(/\d{1,2}\/\d{1,2}\/\d{4}/)?.[0] ?? "";
        const [dd, mm, yyyy] = due.split("/").map(Number);
        const dueDate = new Date(Date.UTC(yyyy ?? 0, (mm ?? 0) - 1, dd ?? 0));
        // en-IN and hi-IN write day/month/year: 15 days from now, read that way, is a real date near then.
        expect(Math.abs(dueDate.getTime() - Date.now() - 15 * 86_400_000)).toBeLessThan(3 * 86_400_000);
        await checkStep(page, name("11-request-sent"));

        await rights.getByRole("button", { name: w.erase }).click();
        await answerDialog(page, true);
        await eventually(() => text(rightsSay)).not.toBe("");
        if (w.erased) expect(await text(rightsSay)).toBe(w.erased);
        expect(await widgetState(page)).toEqual({});
        await checkStep(page, name("12-erased"));

        // Insights: counts without identifiers, the block's first showing once.
        expect(events.filter((e) => e.includes("widget_opened"))).toHaveLength(1);
        expect(events).toContain(JSON.stringify({ event: "product_viewed" }));
        expect(events).toContain(JSON.stringify({ event: "added_to_cart" }));
        await page.context().close();
      }, 120_000);
    }
  }
});
