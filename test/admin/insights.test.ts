import { describe, expect, it } from "vitest";
import { dashboard } from "../../app/admin/dashboard.server";
import { refusalAdvice, REFUSAL_ADVICE } from "../../app/insights/events";
import { loader } from "../../app/routes/app._index";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { seedConsent, seedShop } from "../support/seed";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

/**
 * The dashboard's insights (issue 13): the funnel, the tone and concern mix, and refusal reasons with
 * advice, each shown only where at least ten different shoppers are behind it.
 */
const DAY = 86_400_000;
const measured = (group: string, bands: { redness?: string; shine?: string } = {}) =>
  JSON.stringify({
    indices: {
      skinTone: { group, itaDegrees: 30 },
      redness: { band: bands.redness ?? "low", score: 0.1 },
      unevenness: { band: "low", score: 0.1 },
      shine: { band: bands.shine ?? "low", score: 0.1 },
      underEyeDarkness: { band: "low", score: 0.1 },
    },
    whiteBalance: "none",
    notes: [],
  });
const refused = (reasons: string[]) => JSON.stringify({ ok: false, reasons, hints: [] });

describe.each(DATABASE_KINDS)("dashboard insights on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  let seq = 0;

  /** A shopper (subject + consent) first seen at `at`, with scans at the given times. */
  async function shopper(
    at: Date,
    scans: { at?: Date; result?: string; quality?: string }[],
    shop = SHOP,
    noticeId?: string,
  ) {
    const db = database.client;
    const n = ++seq;
    const notice = noticeId ?? (await db.noticeVersion.findFirstOrThrow({ where: { shop } })).id;
    const subject = await db.subject.create({ data: { shop, anonymousId: `insight-${n}`, createdAt: at } });
    const consent = await seedConsent(db, {
      shop,
      subjectId: subject.id,
      noticeId: notice,
      receipt: `SS-INS${String(n).padStart(5, "0")}`,
      createdAt: at,
    });
    for (const s of scans) {
      await db.scan.create({
        data: {
          shop,
          subjectId: subject.id,
          consentId: consent.id,
          status: s.quality ? "refused" : "accepted",
          provider: "local",
          quality: s.quality ?? JSON.stringify({ ok: true, reasons: [], hints: [] }),
          result: s.quality ? null : (s.result ?? measured("intermediate")),
          createdAt: s.at ?? at,
        },
      });
    }
    return subject.id;
  }

  async function events(day: string, counts: Record<string, number>, shop = SHOP) {
    for (const [event, count] of Object.entries(counts)) {
      await database.client.storefrontEventDay.create({ data: { shop, day, event, count } });
    }
  }

  it("funnel: each step from its source, and a step with fewer than 10 shoppers says not enough data", async () => {
    await storeOfflineSession(database.client, SHOP);
    await seedShop(database.client, SHOP);
    await seedShop(database.client, OTHER_SHOP);
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    await events(today, { widget_opened: 40, product_viewed: 12, added_to_cart: 9 });
    await events(today, { widget_opened: 500 }, OTHER_SHOP);
    // 12 shoppers consent; 11 of them scan (one twice); one more consents in the other shop.
    for (let i = 0; i < 12; i++) await shopper(now, i < 11 ? [{}, ...(i === 0 ? [{}] : [])] : []);
    await shopper(now, [{}], OTHER_SHOP);

    const data = await call(loader, await adminRequest("/app?days=7"));
    expect(data.insights!.funnel).toEqual([
      { step: "widget_opened", count: 40 },
      { step: "consent", count: 12 },
      // 11 shoppers (one scanned twice that day).
      { step: "scan_accepted", count: 11 },
      { step: "product_viewed", count: 12 },
      { step: "added_to_cart", count: null },
    ]);
    expect(data.insights!.minShoppers).toBe(10);
  });

  it("funnel: a shopper back on later days to scan under an earlier consent counts as consented on those days too, so accepted scans never outnumber consents", async () => {
    await storeOfflineSession(database.client, SHOP);
    await seedShop(database.client, SHOP);
    const now = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
    const day = (n: number) => new Date(now.getTime() - n * 86_400_000);
    await events(day(0).toISOString().slice(0, 10), { widget_opened: 60 });
    // 12 shoppers consent five days ago and scan then, and again on two later days (progress tracking, P19).
    for (let i = 0; i < 12; i++) await shopper(day(5), [{ at: day(5) }, { at: day(3) }, { at: day(1) }]);
    const data = await dashboard(database, SHOP, 7, now);
    const step = (name: string) => data.insights!.funnel.find((s) => s.step === name)?.count;
    // Shoppers each day: 12 on each of three days, with a consent each time (given, or scanned under).
    expect(step("scan_accepted")).toBe(36);
    expect(step("consent")).toBe(36);
  });

  it("tone and concern mix: shares over shown groups; a group of 9 shoppers is not shown", async () => {
    await storeOfflineSession(database.client, SHOP);
    await seedShop(database.client, SHOP);
    const now = new Date();
    for (let i = 0; i < 30; i++) await shopper(now, [{ result: measured("intermediate", { redness: "high" }) }]);
    for (let i = 0; i < 10; i++) await shopper(now, [{ result: measured("tan", { shine: "moderate" }) }]);
    for (let i = 0; i < 9; i++) await shopper(now, [{ result: measured("dark", { shine: "moderate" }) }]);
    const { insights } = await call(loader, await adminRequest("/app?days=7"));
    const tone = Object.fromEntries(insights!.tones.map((t) => [t.group, t.share]));
    // The 9 "dark" shoppers are hidden, and the shares are of the 40 shown, so theirs cannot be worked out.
    expect(tone).toEqual({ "very light": null, light: null, intermediate: 0.75, tan: 0.25, brown: null, dark: null });
    const concern = Object.fromEntries(insights!.concerns.map((c) => [c.concern, c.share]));
    // Shine: 19 of 49 scanning shoppers (10 tan + 9 dark) — the concern's own 19 are enough.
    expect(concern.redness).toBeCloseTo(30 / 49);
    expect(concern.shine).toBeCloseTo(19 / 49);
    expect(concern.unevenness).toBeNull();
    expect(concern.under_eye).toBeNull();
  });

  it("one shopper scanning on ten days is still one shopper: ended days keep who was new, so it is not shown", async () => {
    await storeOfflineSession(database.client, SHOP);
    await seedShop(database.client, SHOP);
    // Noon UTC, so every day before today has ended.
    const now = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
    const first = new Date(now.getTime() - 12 * DAY);
    const scans = Array.from({ length: 10 }, (_, i) => ({
      at: new Date(first.getTime() + i * DAY),
      result: measured("brown"),
    }));
    await shopper(first, scans);
    const db = { kind, client: database.client, url: database.url } as Parameters<typeof dashboard>[0];
    const once = await dashboard(db, SHOP, 30, now);
    expect(once.insights!.tones.find((t) => t.group === "brown")?.share).toBeNull();
    expect(once.insights!.funnel.find((s) => s.step === "scan_accepted")?.count).toBeNull();
    // Ten different shoppers on ten different days are ten people: shown, from the stored summaries.
    for (let i = 1; i < 10; i++) await shopper(new Date(first.getTime() + i * DAY), [{ result: measured("brown") }]);
    await database.client.dailyInsight.deleteMany();
    await dashboard(db, SHOP, 30, now);
    expect(await database.client.dailyInsight.count({ where: { shop: SHOP } })).toBe(29);
    // Read back from DailyInsight even after the scans are gone (retention).
    await database.client.scan.deleteMany({ where: { shop: SHOP } });
    const again = await dashboard(db, SHOP, 30, now);
    expect(again.insights!.tones.find((t) => t.group === "brown")?.share).toBe(1);
    expect(again.insights!.funnel.find((s) => s.step === "scan_accepted")?.count).toBe(19);
    // Counts only: no subject id in any summary.
    const stored = JSON.stringify(await database.client.dailyInsight.findMany({ select: { buckets: true } }));
    const subjects = await database.client.subject.findMany({ select: { id: true, anonymousId: true } });
    for (const s of subjects) {
      expect(stored).not.toContain(s.id);
      expect(stored).not.toContain(s.anonymousId);
    }
  });

  it("today counts ended hours (summarised once into HourlyInsight) and the current hour together", async () => {
    await storeOfflineSession(database.client, SHOP);
    await seedShop(database.client, SHOP);
    const noon = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
    const db = { kind, client: database.client, url: database.url } as Parameters<typeof dashboard>[0];
    for (let i = 0; i < 6; i++) await shopper(new Date(noon.getTime() - 3 * 3_600_000 + i * 60_000), [{}]);
    for (let i = 0; i < 4; i++) await shopper(new Date(noon.getTime() - 2 * 60_000), [{}]);
    const nine = await dashboard(db, SHOP, 7, noon);
    // 6 + 4 = 10 different shoppers, new in their own hour: shown.
    expect(nine.insights!.funnel.find((s) => s.step === "scan_accepted")?.count).toBe(10);
    // Again, with the ended hours read from their summaries and the current hour counted again.
    await shopper(new Date(noon.getTime() - 60_000), [{}]);
    const again = await dashboard(db, SHOP, 7, noon);
    expect(again.insights!.funnel.find((s) => s.step === "scan_accepted")?.count).toBe(11);
    expect(again.insights!.funnel.find((s) => s.step === "consent")?.count).toBe(11);
  });

  it("refusal reasons with advice: most refusals are dim light → suggest daylight; a rare reason is not shown", async () => {
    await storeOfflineSession(database.client, SHOP);
    await seedShop(database.client, SHOP);
    const now = new Date();
    for (let i = 0; i < 14; i++)
      await shopper(now, [{ quality: refused(["too_dark"]) }, { quality: refused(["too_dark"]) }]);
    for (let i = 0; i < 10; i++) await shopper(now, [{ quality: refused(["uneven_light", "too_dark"]) }]);
    for (let i = 0; i < 3; i++) await shopper(now, [{ quality: refused(["move_closer"]) }]);
    const { insights } = await call(loader, await adminRequest("/app?days=7"));
    expect(insights!.refusals).toEqual([
      { reason: "too_dark", label: "Too dark", refusals: 38, shoppers: 24 },
      { reason: "uneven_light", label: "Uneven light", refusals: 10, shoppers: 10 },
      { reason: "move_closer", label: "Too far away", refusals: null, shoppers: null },
    ]);
    expect(insights!.advice?.reason).toBe("too_dark");
    expect(insights!.advice?.advice).toMatch(/daylight/);
    // It points at the block's own setting for it, shown on the widget's photo step.
    expect(insights!.advice?.advice).toContain("the block's “Photo tip” setting");
  });

  it("advice is given only when one shown reason is at least a third of the refusals shown", () => {
    const row = (reason: string, refusals: number | null) => ({ reason, label: reason, refusals, shoppers: refusals });
    expect(
      refusalAdvice([row("too_dark", 10), row("move_closer", 10), row("no_face", 10), row("face_camera", 1)]),
    ).toBeNull();
    expect(refusalAdvice([row("move_closer", 20), row("too_dark", 10)])).toMatchObject({
      reason: "move_closer",
      advice: REFUSAL_ADVICE.move_closer!.advice,
    });
    expect(refusalAdvice([row("too_dark", null)])).toBeNull();
    expect(refusalAdvice([])).toBeNull();
  });
});
