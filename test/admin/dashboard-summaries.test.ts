import { describe, expect, it } from "vitest";
import { PERIODS } from "../../app/admin/constants";
import { DASHBOARD_SUMMARIES_JOB, requestDashboardSummaries } from "../../app/admin/dashboard-summaries.server";
import { IN_REQUEST_ROWS } from "../../app/admin/daily-summaries.server";
import { loader } from "../../app/routes/app._index";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { runJobs } from "../support/jobs";
import { useDatabase } from "../support/lifecycle";
import { seedConsent, seedShop } from "../support/seed";
import { SHOP, storeOfflineSession } from "../support/shopify";

const DAY = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

/**
 * Issue 13: the first dashboard after an upgrade of a shop with a long history summarised the whole
 * period inside the request (29.6 s at 1,000,000 scans). Now a request summarises at most IN_REQUEST_ROWS
 * raw rows; the rest is a durable job, and the page says which figures are still being prepared.
 */
describe.each(DATABASE_KINDS)("dashboard summaries beyond a request's share on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  /** One shopper with `past` accepted scans spread over the 29 ended days before today, and `now` today. */
  async function history(past: number, now: number) {
    await storeOfflineSession(database.client, SHOP);
    const notice = await seedShop(database.client, SHOP);
    const db = database.client;
    const start = Date.now() - 29 * DAY;
    const subject = await db.subject.create({
      data: { shop: SHOP, anonymousId: "history-1", createdAt: new Date(start) },
    });
    const consent = await seedConsent(db, {
      shop: SHOP,
      subjectId: subject.id,
      noticeId: notice.id,
      receipt: "SS-HISTORY1",
      createdAt: new Date(start),
    });
    const midnight = Date.parse(`${today()}T00:00:00Z`);
    const scan = (createdAt: Date) => ({
      shop: SHOP,
      subjectId: subject.id,
      consentId: consent.id,
      status: "accepted",
      provider: "local",
      quality: '{"ok":true}',
      createdAt,
    });
    // Spread over [29 days ago, yesterday 23:00]: every ended day has some.
    const span = midnight - DAY / 24 - start;
    await db.scan.createMany({
      data: Array.from({ length: past }, (_, i) => scan(new Date(start + Math.floor((i / past) * span)))),
    });
    await db.scan.createMany({ data: Array.from({ length: now }, () => scan(new Date(midnight))) });
  }

  const visit = async () => call(loader, await adminRequest("/app?days=30"));
  const jobs = () => database.client.job.findMany({ where: { type: DASHBOARD_SUMMARIES_JOB } });

  it("issue 13: a long history is queued, never summarised in the request; the page says what is still being prepared, then shows it all", async () => {
    await history(IN_REQUEST_ROWS + 100, 3);
    const first = await visit();
    // Nothing was summarised in the request, and one job was queued.
    expect(await database.client.dailyStat.count()).toBe(0);
    expect(await database.client.dailyInsight.count()).toBe(0);
    expect(await jobs()).toMatchObject([{ status: "queued", shop: SHOP }]);
    // The page counts today only, says so, and leaves the funnel and mixes out until they are whole.
    expect(first.preparing).toEqual({ from: today(), days: 29, insights: true });
    expect(first.totals.scans).toBe(3);
    expect(first.daily).toHaveLength(1);
    expect(first.insights).toBeNull();
    // Another visit meanwhile queues nothing more.
    await visit();
    expect(await jobs()).toHaveLength(1);

    await runJobs(database);
    expect(await jobs()).toMatchObject([{ status: "done" }]);
    // Every ended day of the longest period, so switching to it later needs no job either.
    expect(await database.client.dailyStat.count({ where: { shop: SHOP } })).toBe(Math.max(...PERIODS) - 1);
    const after = await visit();
    expect(after.preparing).toBeNull();
    expect(after.totals.scans).toBe(IN_REQUEST_ROWS + 100 + 3);
    expect(after.daily).toHaveLength(30);
    expect(after.insights).not.toBeNull();
    expect(await jobs()).toHaveLength(1);
  });

  it("a shop's few missing days are summarised in the request: figures at once, no job", async () => {
    await history(200, 2);
    const data = await visit();
    expect(data.preparing).toBeNull();
    expect(data.totals.scans).toBe(202);
    expect(await database.client.dailyStat.count()).toBe(29);
    expect(await jobs()).toHaveLength(0);
  });

  it("the job writes nothing for a shop erased after it was queued (shop/redact)", async () => {
    await requestDashboardSummaries(database.client, "gone.myshopify.com");
    await runJobs(database);
    expect(await jobs()).toMatchObject([{ status: "done" }]);
    expect(await database.client.dailyStat.count()).toBe(0);
    expect(await database.client.hourlyInsight.count()).toBe(0);
  });
});
