import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FREE_PLAN, usageMonth } from "../../app/billing/plans";
import { SHOP } from "../support/shopify";
import {
  agreeToScan,
  answerDialog,
  checkStep,
  eventually,
  newShopper,
  shown,
  stackForFile,
  statusOf,
  text,
  uploadPhoto,
} from "./harness";

/**
 * P20 in the widget: once the shop has used this month's scans, the shopper is told so up front, on the
 * notice (GET /notice says `scansPaused`), before any consent or photo; the notice stays readable and
 * the no-photo suggestions, a way back and the shopper's rights stay usable. A shopper who consented
 * just before the pause is told by the scan's 402 scan_quota_reached, and nothing they gave is lost.
 */
const WORDS = {
  en: {
    start: "Start skin scan",
    paused:
      "Skin scans are paused in this store for now. You can still read the notice below. If you scanned before, nothing is lost: you can see, download or erase your data under “My skin scan data”.",
    quiz: "Suggest products without a photo",
    quizHeading: "Suggestions without a photo",
    back: "Back",
    agree: "Agree and continue",
    age: "Are you 18 or older?",
  },
  hi: {
    start: "स्किन स्कैन शुरू करें",
    paused:
      "इस स्टोर में स्किन स्कैन अभी रुके हुए हैं। आप नीचे दी गई सूचना अब भी पढ़ सकते हैं। अगर आपने पहले स्कैन किया है, तो कुछ भी खोया नहीं है: आप “मेरा स्किन स्कैन डेटा” में अपना डेटा देख, डाउनलोड कर या मिटा सकते हैं।",
    quiz: "फ़ोटो के बिना उत्पाद सुझाएँ",
    quizHeading: "",
    back: "वापस",
    agree: "सहमत हूँ, आगे बढ़ें",
    age: "क्या आपकी आयु 18 वर्ष या उससे अधिक है?",
  },
};
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1440, height: 900 } };

describe("storefront widget: scans paused at the shop's allowance (Chromium)", () => {
  const rig = stackForFile();

  /** This month's accepted scans for the shop, as the scan path counts them. */
  const used = (scans: number) => {
    const db = new Database(join(rig.stack.dir, "app.db"));
    try {
      db.prepare(
        `INSERT INTO "ScanUsage" ("id", "shop", "month", "scans") VALUES (?, ?, ?, ?)
         ON CONFLICT ("shop", "month") DO UPDATE SET "scans" = excluded."scans"`,
      ).run(randomUUID(), SHOP, usageMonth(new Date()), scans);
    } finally {
      db.close();
    }
  };
  const count = (table: string) => {
    const db = new Database(join(rig.stack.dir, "app.db"), { readonly: true });
    try {
      return (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it("P20: paused after the shopper consented: the scan says so and nothing given is lost; back on the page, the notice says it up front and the rights still work", async () => {
    used(FREE_PLAN.monthlyScans - 1);
    const page = await newShopper(rig.stack);
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));

    // Another shopper's scan used the last one meanwhile.
    used(FREE_PLAN.monthlyScans);
    await uploadPhoto(widget, rig.photo);
    await eventually(() => text(statusOf(page))).toBe(
      "Skin scans are paused in this store for now. Nothing you gave is lost: you can still read the notice, withdraw consent, and see or erase your data.",
    );
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    await checkStep(page, "scan-quota-01-paused");
    expect(count("ConsentRecord")).toBe(1);
    expect(count("Scan")).toBe(0);

    // Later on the page: the notice says scans are paused before anything is asked.
    await page.reload();
    await widget.getByRole("button", { name: WORDS.en.start }).click();
    await eventually(() => text(widget.locator("[data-pause]"))).toBe(WORDS.en.paused);
    // Back, then "My skin scan data": the rights work while paused.
    await widget.getByRole("button", { name: WORDS.en.back, exact: true }).first().click();
    await widget.getByRole("button", { name: "My skin scan data" }).click();
    const rights = widget.locator("[data-step='rights']");
    await rights.getByRole("button", { name: "Withdraw consent" }).click();
    await answerDialog(page, true);
    await eventually(() => text(rights.locator("[data-say]").first())).toBe(
      "Consent withdrawn. Stored photos deleted: 0.",
    );
    await checkStep(page, "scan-quota-02-rights-while-paused");
    await page.context().close();
  }, 90_000);

  for (const lang of ["en", "hi"] as const) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      it(`P20: ${lang} at ${size} size: the notice says scans are paused before consent or a photo; the notice stays readable, the no-photo suggestions and a way back are offered, and nothing is sent`, async () => {
        used(FREE_PLAN.monthlyScans);
        const w = WORDS[lang];
        const page = await newShopper(rig.stack, { viewport });
        const posted: string[] = [];
        page.on("request", (r) => {
          if (r.method() !== "GET") posted.push(new URL(r.url()).pathname);
        });
        await page.goto(lang === "hi" ? `${rig.stack.storeUrl}/?locale=hi` : rig.stack.storeUrl);
        const widget = page.locator("skin-scan");
        const notice = widget.locator("[data-step='notice']");
        await widget.getByRole("button", { name: w.start }).click();

        const pause = notice.locator("[data-pause]");
        await eventually(() => text(pause)).toBe(w.paused);
        expect(await pause.getAttribute("role")).toBe("status");
        // Said up front: right under the heading, above the notice's first section.
        const top = (locator: typeof pause) => locator.evaluate((e) => e.getBoundingClientRect().top);
        expect(await top(pause)).toBeLessThan(await top(notice.locator(".ss-sec").first()));
        expect(await top(pause)).toBeLessThan(viewport.height);
        // The notice is all there (P7); no age question, purposes or "Agree" for a scan that cannot run.
        expect(await notice.locator(".ss-sec").count()).toBeGreaterThan(5);
        expect(await notice.getByText(w.age).isVisible()).toBe(false);
        expect(await notice.getByRole("button", { name: w.agree }).isVisible()).toBe(false);
        await checkStep(page, `scan-quota-03-notice-paused-${lang}-${size}`);

        // The ways on: suggestions without a photo, and back.
        await notice.getByRole("button", { name: w.quiz }).click();
        const quiz = widget.locator("[data-step='quiz']");
        await shown(quiz.locator("h3"));
        if (w.quizHeading) expect(await text(quiz.locator("h3"))).toBe(w.quizHeading);
        await quiz.getByRole("button", { name: w.back, exact: true }).click();
        await widget.getByRole("button", { name: w.start }).click();
        await eventually(() => text(pause)).toBe(w.paused);
        await notice.getByRole("button", { name: w.back, exact: true }).click();
        await shown(widget.getByRole("button", { name: w.start }));

        // Nothing was asked of the app but reads and the anonymous "widget opened" counter.
        expect(posted.filter((p) => !p.endsWith("/events"))).toEqual([]);
        await page.context().close();
      }, 90_000);
    }
  }

  it("P20: below the allowance the notice says nothing about a pause and the consent form is there", async () => {
    used(FREE_PLAN.monthlyScans - 1);
    const page = await newShopper(rig.stack, { viewport: SIZES.phone });
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await widget.getByRole("button", { name: WORDS.en.start }).click();
    await shown(widget.getByRole("button", { name: WORDS.en.agree }));
    expect(await text(widget.locator("[data-pause]"))).toBe("");
    expect(await widget.locator("[data-step='notice'] .ss-paused").isVisible()).toBe(false);
    await page.context().close();
  }, 60_000);
});
