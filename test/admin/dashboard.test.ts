import { describe, expect, it } from "vitest";
import { dashboard } from "../../app/admin/dashboard.server";
import { appKeyring } from "../../app/crypto/keyring.server";
import { loader } from "../../app/routes/app._index";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { seedConsent, seedRefusedScan, seedShop, seedSubject } from "../support/seed";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

const keyring = appKeyring();
const DAY = 86_400_000;

describe.each(DATABASE_KINDS)("admin dashboard on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  async function setup(now: Date) {
    await storeOfflineSession(database.client, SHOP);
    const notice = await seedShop(database.client, SHOP);
    const yesterday = new Date(now.getTime() - DAY);
    const s = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "dash-subject-0001",
      scans: 3,
      createdAt: yesterday,
    });
    const db = database.client;
    const refused = (createdAt: Date, reasons: string[]) =>
      seedRefusedScan(db, {
        shop: SHOP,
        subjectId: s.subjectId,
        consentId: s.consentId,
        reasons,
        measured: { skinL: 20 },
        createdAt,
      });
    await refused(yesterday, ["too_dark"]);
    await refused(yesterday, ["too_dark", "uneven_light"]);
    await refused(now, ["move_closer"]);
    // Consents: the seeded grant (today) plus two with opt-ins.
    for (const purposes of [
      ["skin_analysis", "extended_retention"],
      ["skin_analysis", "model_training"],
    ]) {
      await seedConsent(db, {
        shop: SHOP,
        subjectId: s.subjectId,
        noticeId: notice.id,
        purposes,
        receipt: `SS-DASH${purposes.length}${purposes[1]?.slice(0, 3).toUpperCase()}`,
      });
    }
    // Six shoppers were shown the notice (the proxy's request log), one of them in another shop.
    await db.requestLog.createMany({
      data: [
        ...Array.from({ length: 6 }, () => ({
          shop: SHOP,
          route: "/proxy/notice",
          method: "GET",
          status: 200,
          durationMs: 3,
        })),
        { shop: SHOP, route: "/proxy/scans", method: "POST", status: 200, durationMs: 900 },
        { shop: OTHER_SHOP, route: "/proxy/notice", method: "GET", status: 200, durationMs: 3 },
      ],
    });
    await db.privacyRequest.createMany({
      data: [
        { shop: SHOP, source: "shopper", type: "grievance", dueAt: new Date(now.getTime() - DAY) },
        { shop: SHOP, source: "shopper", type: "access", dueAt: new Date(now.getTime() + 2 * DAY) },
        { shop: SHOP, source: "shopify", type: "shopify_data_request", status: "completed", dueAt: now },
        { shop: OTHER_SHOP, source: "shopper", type: "access", dueAt: new Date(now.getTime() - DAY) },
      ],
    });
    return { subject: s };
  }

  it("P12/P15: counts scans, consent and opt-in rates, refusals by reason and open requests over the period", async () => {
    const now = new Date();
    await setup(now);
    const data = await call(loader, await adminRequest("/app?days=7"));
    expect(data.period.days).toBe(7);
    expect(data.totals).toMatchObject({ scans: 6, refused: 3, grants: 3, noticeViews: 6, withdrawals: 0 });
    expect(data.rates.consent).toBeCloseTo(3 / 6);
    expect(data.rates.retentionOptIn).toBeCloseTo(1 / 3);
    expect(data.rates.trainingOptIn).toBeCloseTo(1 / 3);
    expect(data.refusalReasons).toEqual([
      { reason: "too_dark", count: 2 },
      { reason: "move_closer", count: 1 },
      { reason: "uneven_light", count: 1 },
    ]);
    expect(data.requests).toEqual({ open: 2, overdue: 1, dueThisWeek: 1 });
    expect(data.daily).toHaveLength(7);
    expect(data.daily.at(-2)).toMatchObject({ scans: 5, refused: 2 });
    expect(data.daily.at(-1)).toMatchObject({ scans: 1, refused: 1, grants: 3 });
  });

  it("ended days are summarised once and then read from the summary, so a month costs a few rows", async () => {
    // Noon UTC, so "yesterday" has ended whatever the time of the run.
    const now = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
    const { subject } = await setup(now);
    const database0 = { kind, client: database.client, url: database.url } as Parameters<typeof dashboard>[0];
    await dashboard(database0, SHOP, 30, now);
    const stats = await database.client.dailyStat.findMany({ where: { shop: SHOP }, orderBy: { day: "asc" } });
    // 29 ended days (today is counted live), zero-filled, so nothing is scanned twice.
    expect(stats).toHaveLength(29);
    const yesterday = stats.at(-1);
    expect(yesterday).toMatchObject({ scans: 5, refused: 2 });
    expect(JSON.parse(yesterday?.refusalReasons ?? "{}")).toEqual({ too_dark: 2, uneven_light: 1 });
    // Retention deletes old scans; the summary (counts only) keeps the history.
    await database.client.scan.deleteMany({ where: { subjectId: subject.subjectId, createdAt: { lt: now } } });
    const again = await dashboard(database0, SHOP, 30, now);
    expect(again.daily.at(-2)).toMatchObject({ scans: 5, refused: 2 });
  });

  it("P12: retention health flags a kept photo that is past its deletion time", async () => {
    const now = new Date();
    const notice = await seedShop(database.client, SHOP);
    await storeOfflineSession(database.client, SHOP);
    await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "7401",
      image: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    });
    const healthy = await call(loader, await adminRequest("/app"));
    expect(healthy.retention).toMatchObject({ healthy: true, overdueImages: 0, windowDays: 90, oldestImageAgeDays: 0 });
    await database.client.storedImage.updateMany({ data: { expiresAt: new Date(now.getTime() - 2 * 3_600_000) } });
    const behind = await call(loader, await adminRequest("/app"));
    expect(behind.retention).toMatchObject({ healthy: false, overdueImages: 1 });
  });

  it("tenant isolation: the dashboard counts only the merchant's own shop", async () => {
    await setup(new Date());
    await storeOfflineSession(database.client, OTHER_SHOP);
    const other = await call(loader, await adminRequest("/app", { shop: OTHER_SHOP }));
    expect(other.totals).toMatchObject({ scans: 0, grants: 0, noticeViews: 1 });
    expect(other.requests).toEqual({ open: 1, overdue: 1, dueThisWeek: 0 });
  });
});
