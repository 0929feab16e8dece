import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPEATABILITY } from "../../app/analysis/repeatability";
import { subjectDigest } from "../../app/consent/consent.server";
import { imageContext } from "../../app/crypto/contexts";
import { createKeyring } from "../../app/crypto/keyring";
import { appKeyring } from "../../app/crypto/keyring.server";
import { openDatabase } from "../../app/db/client.server";
import { seedShop, seedStoredImage, seedSubject } from "../support/seed";
import { newSubjectSecret } from "../support/shopper";
import { SHOP } from "../support/shopify";
import {
  checkStep,
  eventually,
  newShopper,
  proxyApi,
  selfie,
  shown,
  startStack,
  text,
  type Stack,
  tabTo,
} from "./harness";

/**
 * "My progress" (extensions/skin-scan/assets/skin-scan-progress.js, issue 12 item 5) in the real widget,
 * on the local storefront preview in front of the built app, for a shopper whose scans are written as the
 * local engine stores them: the view shows what GET /proxy/progress decided (which scans were compared,
 * why not, which changes are real) and the kept photos fetched for that shopper alone, and deletes one
 * scan or all of them after a confirmation.
 */
const DAY = 86_400_000;
const ENGINE = REPEATABILITY.engine;
const REDNESS_MDC = REPEATABILITY.indices.redness.mdc95;

/** What the local engine stores for an accepted photo: skin L* and redness Δa* vary, the rest is fixed. */
function stored(skinL: number, rednessDeltaA: number) {
  const quality = { ok: true, reasons: [], hints: [], measured: { skinL, clippedShare: 0, sideLightStops: 0.07 } };
  const measurement = {
    indices: {
      version: "indices-2",
      skinTone: {
        lab: { L: skinL, a: 10.9, b: 18.0 },
        itaDegrees: 34.1,
        group: "intermediate",
        itaRange: [20, 45],
        groups: ["light", "intermediate"],
        confidence: 0.5,
        lightPinned: false,
      },
      redness: { deltaA: rednessDeltaA, score: 0.1, band: "low" },
      unevenness: { lSpreadIqr: 4.1, darkSpotFraction: 0, score: 0.2, band: "low" },
      shine: { specularFraction: 0.03, score: 0.1, band: "low" },
      underEyeDarkness: { deltaL: 2.5, score: 0.2, band: "low" },
    },
    whiteBalance: "none",
    notes: [],
  };
  return { quality: JSON.stringify(quality), result: JSON.stringify(measurement) };
}

interface Seeded {
  secret: string;
  receipt: string;
  /** Oldest first: d60 (photo kept), d40 (brighter light), d20 (refused), d10 (photo past its date), d2 (photo kept, redder). */
  scans: string[];
  photos: string[];
}

/**
 * A shopper's history: the first and latest scans in the same light with redness up by three times its
 * MDC95 (a real change), a scan in much brighter light between them (not comparable: the lighting
 * differed), a refused one, and a photo whose deletion date has passed.
 */
async function seedHistory(databaseUrl: string, options: { customerId?: string } = {}): Promise<Seeded> {
  const db = await openDatabase(databaseUrl);
  const keyring = appKeyring();
  try {
    const notice =
      (await db.client.noticeVersion.findFirst({ where: { shop: SHOP } })) ?? (await seedShop(db.client, SHOP));
    const secret = newSubjectSecret();
    const who = await seedSubject(db.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      scans: 0,
      ...(options.customerId ? { customerId: options.customerId } : { anonymousId: subjectDigest(SHOP, secret) }),
    });
    const photo = await sharp(await selfie())
      .resize(300, 400, { fit: "cover" })
      .jpeg()
      .toBuffer();
    const plan = [
      { days: 60, L: 62, redness: 1.2, photoDays: 30 },
      { days: 40, L: 75, redness: 1.2 },
      { days: 20, refused: true },
      { days: 10, L: 62, redness: 1.2, photoDays: -1 },
      { days: 2, L: 62, redness: 1.2 + 3 * REDNESS_MDC, photoDays: 88 },
    ];
    const scans: string[] = [];
    const photos: string[] = [];
    for (const step of plan) {
      const row = step.refused ? null : stored(step.L ?? 62, step.redness ?? 1.2);
      const scan = await db.client.scan.create({
        data: {
          shop: SHOP,
          subjectId: who.subjectId,
          consentId: who.consentId,
          status: row ? "accepted" : "refused",
          provider: ENGINE.name,
          engineVersion: ENGINE.version,
          quality: row?.quality ?? JSON.stringify({ ok: false, reasons: ["too_dark"], hints: [], measured: {} }),
          result: row?.result ?? null,
          createdAt: new Date(Date.now() - step.days * DAY),
        },
      });
      scans.push(scan.id);
      if (step.photoDays === undefined) continue;
      await seedStoredImage(db.client, keyring, {
        shop: SHOP,
        scanId: scan.id,
        subjectId: who.subjectId,
        image: photo,
        expiresAt: new Date(Date.now() + step.photoDays * DAY),
      });
      if (step.photoDays > 0) photos.push(scan.id);
    }
    return { secret, receipt: who.receipt, scans, photos };
  } finally {
    await db.close();
  }
}

const STRINGS = {
  en: {
    myData: "My skin scan data",
    progress: "My progress",
    redness: "Higher than at your first scan: a real change.",
    same: "No real change since your first scan.",
    apart: "Not compared with the scan before: the lighting differed.",
    refused: "Photo not usable: nothing measured",
    noPhoto: "No photo kept",
  },
  hi: {
    myData: "",
    progress: "",
    redness: "आपके पहले स्कैन से अधिक: यह असली बदलाव है।",
    same: "आपके पहले स्कैन से कोई असली बदलाव नहीं।",
    apart: "पिछले स्कैन से तुलना नहीं की गई: रोशनी अलग थी।",
    refused: "फ़ोटो उपयोग योग्य नहीं: कुछ नहीं मापा गया",
    noPhoto: "कोई फ़ोटो नहीं रखी गई",
  },
};

describe("My progress in the widget (Chromium, P19)", () => {
  let stack: Stack;
  let databaseUrl: string;
  beforeAll(async () => {
    stack = await startStack();
    databaseUrl = `file:${stack.dir}/app.db`;
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** A shopper's page with their proof in the widget's storage, the progress view opened by keyboard. */
  async function openProgress(
    seeded: Seeded,
    options: { locale: "en" | "hi"; viewport: { width: number; height: number }; customerId?: string },
  ) {
    const page = await newShopper(stack);
    await page.setViewportSize(options.viewport);
    const photoCalls: { path: string; cacheControl: string | null; status: number }[] = [];
    page.on("response", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.endsWith("/photo"))
        photoCalls.push({ path, cacheControl: r.headers()["cache-control"] ?? null, status: r.status() });
    });
    const state = options.customerId
      ? { receipt: seeded.receipt }
      : { subject: seeded.secret, receipt: seeded.receipt };
    await page.addInitScript((s) => localStorage.setItem("scanshield", s), JSON.stringify(state));
    const query = [
      options.locale === "hi" ? "locale=hi" : "",
      options.customerId ? `customer=${options.customerId}` : "",
    ];
    await page.goto(`${stack.storeUrl}/?${query.filter(Boolean).join("&")}`);
    const widget = page.locator("skin-scan");
    await shown(widget.locator('[data-step="start"] [data-go="rights"]'));
    await tabTo(page, 'skin-scan [data-step="start"] [data-go="rights"]');
    await page.keyboard.press("Enter");
    await tabTo(page, 'skin-scan [data-step="rights"] [data-act="progress"]');
    await page.keyboard.press("Enter");
    const view = widget.locator(".ssp");
    await shown(view.locator(".ssp-scans"));
    return { page, widget, view, photoCalls };
  }

  it.each([
    ["en", "phone", { width: 390, height: 844 }],
    ["en", "desktop", { width: 1440, height: 900 }],
    ["hi", "phone", { width: 390, height: 844 }],
    ["hi", "desktop", { width: 1440, height: 900 }],
  ] as const)(
    "P19: %s at %s size: a chart per index, real changes only where the app found them, 'lighting differed' where it did not compare, kept photos side by side for this shopper only (never past their date); axe-clean",
    async (locale, size, viewport) => {
      const seeded = await seedHistory(databaseUrl);
      const { page, view, photoCalls } = await openProgress(seeded, { locale, viewport });
      const words = STRINGS[locale];
      const captions = view.locator(".ssp-chart figcaption");
      await eventually(() => captions.count()).toBe(5);
      await eventually(() => text(view.locator('[data-index="redness"]'))).toContain(words.redness);
      for (const index of ["ita", "unevenness", "shine", "underEye"])
        expect(await text(view.locator(`[data-index="${index}"]`))).toContain(words.same);
      // Newest first: the latest scan is compared with the one before (same light); the scan in brighter
      // light was not compared with the first one, and the refused one has no numbers.
      const items = view.locator(".ssp-scans > li");
      expect(await items.count()).toBe(5);
      expect(await text(items.nth(0))).not.toContain(words.apart);
      expect(await text(items.nth(1))).toContain(words.noPhoto);
      expect(await text(items.nth(2))).toContain(words.refused);
      expect(await text(items.nth(3))).toContain(words.apart);
      // The two kept photos, first and latest, decrypted for this shopper; the one past its date is never asked for.
      await eventually(() => view.locator(".ssp-photos img").count()).toBe(2);
      await eventually(() =>
        view
          .locator(".ssp-photos img")
          .evaluateAll((images) => images.every((i) => (i as HTMLImageElement).naturalWidth === 300)),
      ).toBe(true);
      expect(photoCalls.map((c) => c.path).sort()).toEqual(
        seeded.photos.map((id) => `/apps/skin-scan/scans/${id}/photo`).sort(),
      );
      expect(photoCalls.every((c) => c.status === 200 && c.cacheControl === "no-store")).toBe(true);
      await checkStep(page, `progress-${locale}-${size}`);
      await page.context().close();
    },
    90_000,
  );

  it("P19: a kept photo the app can no longer decrypt (its key retired) says so and what to do; the other photo still shows", async () => {
    const seeded = await seedHistory(databaseUrl);
    const [orphaned] = seeded.photos;
    const db = await openDatabase(databaseUrl);
    try {
      // Sealed under a key the app no longer has, as after ENCRYPTION_KEYS lost a key a rotation had not reached.
      const retired = createKeyring(new Map([["retired-2025", randomBytes(32)]]), "retired-2025");
      const sealed = retired.seal(await selfie(), imageContext(orphaned as string));
      await db.client.storedImage.update({
        where: { scanId: orphaned },
        data: { keyId: sealed.keyId, ciphertext: new Uint8Array(sealed.envelope) },
      });
    } finally {
      await db.close();
    }
    const { page, view } = await openProgress(seeded, { locale: "en", viewport: { width: 390, height: 844 } });
    await eventually(() => text(view.locator(".ssp-photos"))).toContain(
      "This photo can no longer be shown; your results are not affected. You can delete this scan, and the photo with it.",
    );
    await eventually(() => view.locator(".ssp-photos img").count()).toBe(1);
    await page.context().close();
  }, 90_000);

  it("P15, P19: a refused delete (429) says how long to wait in the widget's own words, and deletes nothing", async () => {
    const seeded = await seedHistory(databaseUrl);
    const { page, view } = await openProgress(seeded, { locale: "en", viewport: { width: 390, height: 844 } });
    await page.route(/\/scans\/[^/]+$/, (route) =>
      route.request().method() === "DELETE"
        ? route.fulfill({
            status: 429,
            headers: { "retry-after": "7200", "content-type": "application/json" },
            body: JSON.stringify({ error: { code: "rate_limited", message: "Too many requests." } }),
          })
        : route.continue(),
    );
    await tabTo(page, "skin-scan .ssp-scans > li:last-child button");
    await page.keyboard.press("Enter");
    await shown(page.locator("skin-scan [data-confirm-box]"));
    await tabTo(page, 'skin-scan [data-confirm-box] [value="yes"]');
    await page.keyboard.press("Enter");
    await eventually(() => text(view.locator("[data-say]"))).toBe("Too many requests just now. Try again in 2 hours.");
    expect(await view.locator(".ssp-scans > li").count()).toBe(5);
    await page.context().close();
  }, 90_000);

  it("P19: keyboard only: delete one scan, then all, each after a confirmation; the app no longer has them", async () => {
    const seeded = await seedHistory(databaseUrl);
    const { page, view } = await openProgress(seeded, { locale: "en", viewport: { width: 390, height: 844 } });
    const proof = { "x-subject-id": seeded.secret, "x-consent-receipt": seeded.receipt };
    const scansLeft = async () =>
      ((await proxyApi(stack, "/progress", { headers: proof })).body as { scans: unknown[] }).scans.length;

    // Cancelling the confirmation deletes nothing.
    await tabTo(page, "skin-scan .ssp-scans > li:last-child button");
    await page.keyboard.press("Enter");
    const dialog = page.locator("skin-scan [data-confirm-box]");
    await shown(dialog);
    expect(await text(dialog)).toContain("and any photo kept with it? This cannot be undone.");
    await checkStep(page, "progress-confirm");
    await page.keyboard.press("Escape");
    await eventually(() => dialog.isVisible()).toBe(false);
    expect(await scansLeft()).toBe(5);

    // The oldest scan (with its kept photo) goes.
    await tabTo(page, "skin-scan .ssp-scans > li:last-child button");
    await page.keyboard.press("Enter");
    await shown(dialog);
    await tabTo(page, 'skin-scan [data-confirm-box] [value="yes"]');
    await page.keyboard.press("Enter");
    await eventually(() => text(view.locator("[data-say]"))).toMatch(/^Your scan of .+ is deleted\.$/);
    expect(await scansLeft()).toBe(4);
    expect(await view.locator(".ssp-scans > li").count()).toBe(4);
    await eventually(() => view.locator(".ssp-photos img").count()).toBe(1);
    await checkStep(page, "progress-deleted-one");

    await tabTo(page, "skin-scan .ssp > div > button:last-child");
    await page.keyboard.press("Enter");
    await shown(dialog);
    expect(await text(dialog)).toContain("Delete all 4 of your scans and every kept photo?");
    await tabTo(page, 'skin-scan [data-confirm-box] [value="yes"]');
    await page.keyboard.press("Enter");
    await eventually(() => text(view.locator("[data-say]"))).toBe("All your scans and photos are deleted.");
    expect(await scansLeft()).toBe(0);
    expect(await text(view)).toContain("No scans yet.");
    const photo = await proxyApi(stack, `/scans/${seeded.photos[1]}/photo`, { headers: proof });
    expect(photo.status).toBe(404);
    await checkStep(page, "progress-deleted-all");
    await page.context().close();
  }, 90_000);

  it("P19: a signed-in customer sees their own progress by Shopify's customer id, and an anonymous shopper none of it", async () => {
    const seeded = await seedHistory(databaseUrl, { customerId: "7001" });
    const { page, view } = await openProgress(seeded, {
      locale: "en",
      viewport: { width: 1440, height: 900 },
      customerId: "7001",
    });
    await eventually(() => view.locator(".ssp-scans > li").count()).toBe(5);
    await eventually(() => view.locator(".ssp-photos img").count()).toBe(2);
    await page.context().close();

    // Someone else on another browser with only the receipt: no subject secret, no customer id, nothing shown.
    const other = await newShopper(stack);
    const seen: number[] = [];
    other.on("response", (r) => new URL(r.url()).pathname.endsWith("/photo") && seen.push(r.status()));
    await other.addInitScript(
      (s) => localStorage.setItem("scanshield", s),
      JSON.stringify({ receipt: seeded.receipt }),
    );
    await other.goto(stack.storeUrl);
    const widget = other.locator("skin-scan");
    await widget.locator('[data-step="start"] [data-go="rights"]').click();
    await widget.locator('[data-step="rights"] [data-act="progress"]').click();
    await eventually(() => text(widget.locator(".ssp"))).toMatch(/No scans yet|could not be loaded/);
    expect(seen).toEqual([]);
    await other.context().close();
  }, 90_000);
});
