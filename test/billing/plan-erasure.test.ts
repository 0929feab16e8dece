import { describe, expect, it } from "vitest";
import { appKeyring } from "../../app/crypto/keyring.server";
import { eraseShop } from "../../app/privacy/erasure.server";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { OTHER_SHOP, SHOP } from "../support/shopify";

describe.each(DATABASE_KINDS)("a shop's plan and usage at erasure on %s", (kind) => {
  const database = useDatabase(kind);

  it("P11, P20: erasing a shop removes its stored plan and its monthly scan counters, and nothing of another shop", async () => {
    const db = database.client;
    for (const shop of [SHOP, OTHER_SHOP]) {
      await db.shopPlan.create({
        data: { shop, shopGid: "gid://shopify/Shop/1", planName: "Growth", status: "ACTIVE" },
      });
      await db.scanUsage.createMany({
        data: [
          { shop, month: "2026-10", scans: 40 },
          { shop, month: "2026-11", scans: 7 },
        ],
      });
    }
    await eraseShop(database, appKeyring(), SHOP);
    expect(await db.shopPlan.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.scanUsage.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.shopPlan.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await db.scanUsage.count({ where: { shop: OTHER_SHOP } })).toBe(2);
  });
});
