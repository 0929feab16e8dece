import { describe, expect, it } from "vitest";
import { DEVELOPMENT_PLAN, FREE_PLAN, usageMonth } from "../app/billing/plans";
import { withinScanQuota } from "../app/billing/quota.server";
import { loader as notice } from "../app/routes/proxy.notice";
import { action as scans } from "../app/routes/proxy.scans";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop } from "./support/seed";
import { newSubjectSecret, storefront } from "./support/shopper";
import { appProxyUrl, SHOP } from "./support/shopify";

/**
 * P20 through the real proxy routes: at the month's allowance a new scan pauses with a clear 402 in
 * the error shape, before the photo is read; the notice, consent, withdrawal, my-data, erasure and
 * requests keep working, and nothing already given is lost.
 */
const args = (request: Request) => ({ request, params: {}, context: {} });
/** Not a photo: a scan that passes the quota gate is refused later, for its bytes. */
const NOT_A_PHOTO = new TextEncoder().encode("this is not an image");

describe.each(DATABASE_KINDS)("P20: scans pause at the monthly allowance on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const month = usageMonth(new Date());

  const usedThisMonth = (scans: number) => database.client.scanUsage.create({ data: { shop: SHOP, month, scans } });
  const plan = (data: { planName?: string; status?: string; developmentStore?: boolean }) =>
    database.client.shopPlan.create({ data: { shop: SHOP, shopGid: "gid://shopify/Shop/954889", ...data } });
  const scan = async (token: string) => {
    const response = await scans(
      args(
        new Request(appProxyUrl("/scans"), {
          method: "POST",
          headers: { "content-type": "image/jpeg", "x-scan-token": token },
          body: NOT_A_PHOTO,
        }),
      ),
    );
    return { status: response.status, body: await response.json() };
  };

  it("P20: at the allowance a scan is refused with 402 scan_quota_reached and a plain message; the notice, consent, withdrawal, my-data, requests and erasure keep working", async () => {
    await seedShop(database.client, SHOP);
    await usedThisMonth(FREE_PLAN.monthlyScans);
    const shopper = storefront();
    const subjectId = newSubjectSecret();

    const shown = await notice(args(new Request(appProxyUrl("/notice", { locale: "en" }))));
    expect(shown.status).toBe(200);
    // The notice tells the shopper up front, before consent and a photo; its text and hash are the same.
    const body = await shown.json();
    expect(body.scansPaused).toBe(true);
    const version = await database.client.noticeVersion.findFirstOrThrow({ where: { shop: SHOP, locale: "en" } });
    expect(body.textHash).toBe(version.textHash);
    const given = await shopper.consent(subjectId);
    expect(given.status).toBe(201);

    const paused = await scan(given.body.scanToken);
    expect(paused.status).toBe(402);
    expect(paused.body).toEqual({
      error: {
        code: "scan_quota_reached",
        message:
          "Skin scans are paused in this store for now. Your consent and your data are kept: you can still read the notice, withdraw consent, see or erase your data and send a request.",
      },
    });
    // Nothing was analysed or counted.
    expect(await database.client.scan.count()).toBe(0);
    const usage = await database.client.scanUsage.findUniqueOrThrow({ where: { shop_month: { shop: SHOP, month } } });
    expect(usage.scans).toBe(FREE_PLAN.monthlyScans);

    // Every right keeps working; the consent given is still there.
    const proof = { subjectId, receipt: given.body.receipt };
    const mine = await shopper.myData(proof);
    expect(mine.status).toBe(200);
    expect(mine.body.summary).toMatchObject({ consents: 1, scans: 0 });
    const asked = await shopper.request({ type: "grievance", message: "Why are scans paused?", ...proof });
    expect(asked.status).toBe(201);
    const withdrawn = await shopper.withdraw(given.body.consentId, proof);
    expect(withdrawn.status).toBe(200);
    const erased = await shopper.eraseAll(proof);
    expect(erased.status).toBe(200);
  });

  it("P20: below the allowance the scan is not paused; the allowance follows the stored plan (free, development store, paid, cancelled)", async () => {
    await seedShop(database.client, SHOP);
    const shopper = storefront();
    const token = async () => (await shopper.consent(newSubjectSecret())).body.scanToken as string;
    /** What the notice tells the shopper before consent: paused or not. */
    const paused = async () =>
      (await (await notice(args(new Request(appProxyUrl("/notice", { locale: "hi" }))))).json()).scansPaused;

    expect(await paused()).toBe(false);
    await usedThisMonth(FREE_PLAN.monthlyScans - 1);
    expect(await paused()).toBe(false);
    // Past the quota gate: refused for its bytes, not for the plan.
    const below = await scan(await token());
    expect(below.status).not.toBe(402);
    expect(below.body.error.code).not.toBe("scan_quota_reached");

    await database.client.scanUsage.update({
      where: { shop_month: { shop: SHOP, month } },
      data: { scans: FREE_PLAN.monthlyScans },
    });
    expect(await paused()).toBe(true);
    expect((await scan(await token())).status).toBe(402);

    // A development store gets the development allowance.
    await plan({ developmentStore: true });
    expect(await paused()).toBe(false);
    expect((await scan(await token())).status).not.toBe(402);
    await database.client.scanUsage.update({
      where: { shop_month: { shop: SHOP, month } },
      data: { scans: DEVELOPMENT_PLAN.monthlyScans },
    });
    expect((await scan(await token())).status).toBe(402);

    // An active Growth subscription (5,000 a month) lifts it at once; cancelled, it no longer counts.
    await database.client.shopPlan.update({
      where: { shop: SHOP },
      data: { developmentStore: false, planName: "Growth", status: "ACTIVE" },
    });
    expect((await scan(await token())).status).not.toBe(402);
    await database.client.shopPlan.update({ where: { shop: SHOP }, data: { status: "CANCELLED" } });
    expect(await paused()).toBe(true);
    expect((await scan(await token())).status).toBe(402);
  });

  it("P20: only accepted scans count, once each, in the month they ran; at the limit the scan is never started", async () => {
    const db = database.client;
    const at = new Date("2026-11-30T23:59:00Z");
    let runs = 0;
    const run = (status: "accepted" | "refused") => async () => {
      runs += 1;
      return { status };
    };
    await withinScanQuota(db, SHOP, run("accepted"), at);
    await withinScanQuota(db, SHOP, run("refused"), at);
    await withinScanQuota(db, SHOP, run("accepted"), at);
    await withinScanQuota(db, SHOP, run("accepted"), new Date("2026-12-01T00:00:01Z"));
    const rows = await db.scanUsage.findMany({ where: { shop: SHOP }, orderBy: { month: "asc" } });
    expect(rows.map((r) => [r.month, r.scans])).toEqual([
      ["2026-11", 2],
      ["2026-12", 1],
    ]);

    await db.scanUsage.update({
      where: { shop_month: { shop: SHOP, month: "2026-11" } },
      data: { scans: FREE_PLAN.monthlyScans },
    });
    runs = 0;
    await expect(withinScanQuota(db, SHOP, run("accepted"), at)).rejects.toMatchObject({
      status: 402,
      code: "scan_quota_reached",
    });
    expect(runs).toBe(0);
    // A new month starts from zero.
    await withinScanQuota(db, SHOP, run("accepted"), new Date("2026-12-15T00:00:00Z"));
    expect(runs).toBe(1);
  });
});
