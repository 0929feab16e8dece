import { describe, expect, it } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { sweepRetention } from "../app/privacy/retention.server";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedSubject } from "./support/seed";
import { OTHER_SHOP, SHOP } from "./support/shopify";

const DAY = 86_400_000;
const keyring = appKeyring();

describe.each(DATABASE_KINDS)("P12: retention sweep on %s", (kind) => {
  const database = useDatabase(kind);

  it("P12: deletes opted-in images when their window ends, and keeps younger ones", async () => {
    const notice = await seedShop(database.client, SHOP);
    const a = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "a",
      image: new Uint8Array([1]),
    });
    const b = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "b",
      image: new Uint8Array([2]),
    });
    await database.client.storedImage.update({
      where: { scanId: a.scanIds[0] },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });

    const counts = await sweepRetention(database, keyring);
    expect(counts.images).toBe(1);
    expect(await database.client.storedImage.findMany({ select: { scanId: true } })).toEqual([
      { scanId: b.scanIds[0] },
    ]);
  });

  it("P12: deletes analysis results older than the shop's window (90 days by default), queueing vendor deletions", async () => {
    const notice = await seedShop(database.client, SHOP);
    const old = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "old",
      createdAt: new Date(Date.now() - 91 * DAY),
      remote: { apiUrl: "http://127.0.0.1:9/analysis" },
    });
    const recent = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "new",
      createdAt: new Date(Date.now() - 89 * DAY),
    });

    const counts = await sweepRetention(database, keyring);
    expect(counts.scans).toBe(1);
    expect(await database.client.scan.count({ where: { id: { in: old.scanIds } } })).toBe(0);
    expect(await database.client.scan.count({ where: { id: { in: recent.scanIds } } })).toBe(1);
    expect(await database.client.remoteDeletion.count()).toBe(1);
  });

  it("P12: keeps results for the life of the install when the merchant chose no limit, and honours a shorter window", async () => {
    const notice = await seedShop(database.client, SHOP);
    const otherNotice = await seedShop(database.client, OTHER_SHOP);
    await database.client.shop.update({ where: { shop: SHOP }, data: { resultRetentionDays: null } });
    await database.client.shop.update({ where: { shop: OTHER_SHOP }, data: { resultRetentionDays: 7 } });
    await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "x",
      createdAt: new Date(Date.now() - 400 * DAY),
    });
    await seedSubject(database.client, keyring, {
      shop: OTHER_SHOP,
      noticeId: otherNotice.id,
      anonymousId: "y",
      createdAt: new Date(Date.now() - 8 * DAY),
    });

    await sweepRetention(database, keyring);
    expect(await database.client.scan.count({ where: { shop: SHOP } })).toBe(1);
    expect(await database.client.scan.count({ where: { shop: OTHER_SHOP } })).toBe(0);
  });

  it("P12: deletes all of a shop's data 30 days after uninstall if shop/redact never came", async () => {
    const notice = await seedShop(database.client, SHOP);
    const otherNotice = await seedShop(database.client, OTHER_SHOP);
    await seedSubject(database.client, keyring, { shop: SHOP, noticeId: notice.id, anonymousId: "x" });
    await seedSubject(database.client, keyring, { shop: OTHER_SHOP, noticeId: otherNotice.id, anonymousId: "y" });
    const uninstalled = new Date();
    await database.client.shop.update({
      where: { shop: SHOP },
      data: { uninstalledAt: uninstalled, dataDeletionDueAt: new Date(uninstalled.getTime() + 30 * DAY) },
    });

    expect((await sweepRetention(database, keyring, new Date(uninstalled.getTime() + 29 * DAY))).shopsErased).toBe(0);
    expect(await database.client.subject.count({ where: { shop: SHOP } })).toBe(1);
    expect((await sweepRetention(database, keyring, new Date(uninstalled.getTime() + 30 * DAY + 1))).shopsErased).toBe(
      1,
    );
    expect(await database.client.subject.count({ where: { shop: SHOP } })).toBe(0);
    expect(await database.client.shop.count({ where: { shop: SHOP } })).toBe(0);
    expect(await database.client.subject.count({ where: { shop: OTHER_SHOP } })).toBe(1);
  });

  it("P12: deletes request logs after 12 months", async () => {
    await seedShop(database.client, SHOP);
    const row = (daysAgo: number, shop: string | null) => ({
      shop,
      route: "/proxy/scans",
      method: "POST",
      status: 200,
      durationMs: 90,
      createdAt: new Date(Date.now() - daysAgo * DAY),
    });
    await database.client.requestLog.createMany({
      data: [row(366, SHOP), row(300, SHOP), row(400, null), row(10, null)],
    });
    const counts = await sweepRetention(database, keyring);
    expect(counts.requestLogs).toBe(2);
    expect(await database.client.requestLog.count()).toBe(2);
  });
});
