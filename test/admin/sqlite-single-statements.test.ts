import { describe, expect, it } from "vitest";
import { dashboard } from "../../app/admin/dashboard.server";
import { getSettings } from "../../app/admin/settings.server";
import { seedShop } from "../support/seed";
import { createTestDatabase } from "../support/database";
import { clientWithInterleavedWrites } from "../support/interleaved-writes";

const SHOP = "interleaved.myshopify.com";

/**
 * Prisma emulates an upsert whose update is empty as a read then a write in one transaction; on SQLite in
 * WAL mode a write by another connection in between fails it at once with "database is locked" (a 5xx).
 * These paths use single statements instead, and must succeed however other connections interleave.
 */
describe("admin writes with another connection writing between statements (SQLite)", () => {
  it("getSettings creates a missing shop row, then only reads it", async () => {
    const database = await createTestDatabase("sqlite");
    const { db, writes, close } = await clientWithInterleavedWrites(database.file!);
    try {
      const first = await getSettings(db, SHOP);
      expect(first.minimumAge).toBe(18);
      expect(writes()).toBeGreaterThan(0);
      const before = await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
      const again = await getSettings(db, SHOP);
      expect(again).toEqual(first);
      const after = await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
      expect(after.updatedAt).toEqual(before.updatedAt);
    } finally {
      await close();
      await database.destroy();
    }
  });

  it("the dashboard stores its daily and hourly summaries", async () => {
    const database = await createTestDatabase("sqlite");
    await seedShop(database.client, SHOP);
    const { database: interleaved, writes, close } = await clientWithInterleavedWrites(database.file!);
    try {
      const noon = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
      const figures = await dashboard(interleaved, SHOP, 30, noon);
      expect(figures.preparing).toBeNull();
      expect(writes()).toBeGreaterThan(0);
      expect(await database.client.dailyStat.count()).toBe(29);
      expect(await database.client.dailyInsight.count()).toBe(29);
      expect(await database.client.hourlyInsight.count()).toBe(11);
      // A second dashboard finds them stored and writes none again.
      await dashboard(interleaved, SHOP, 30, noon);
      expect(await database.client.dailyStat.count()).toBe(29);
    } finally {
      await close();
      await database.destroy();
    }
  });
});
