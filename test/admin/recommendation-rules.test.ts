import { describe, expect, it } from "vitest";
import { action } from "../../app/routes/app.recommendations";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { SHOP, storeOfflineSession } from "../support/shopify";

/** A rule as the recommendations page posts it (JSON). */
const RULE = { concern: "redness", band: "moderate", matchType: "tag", matchValue: "calming", reason: null };

describe.each(DATABASE_KINDS)("recommendation rules form on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const save = async (rules: Record<string, unknown>[]) =>
    (await call(action, await adminRequest("/app/recommendations", { json: { rules } }))) as Response;

  it.each([
    // z.coerce read these as 1, 0, 16, 5 and 10.
    [true],
    [false],
    ["0x10"],
    [[5]],
    ["1e1"],
    [2.5],
    ["2.0"],
    [101],
    ["-101"],
  ])("a rule's priority %j is refused on its field and nothing is saved", async (priority) => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save([RULE, { ...RULE, matchValue: "soothing", priority }]);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors).toEqual({ "rules.1.priority": "Enter a whole number from -100 to 100." });
    expect(body.error.code).toBe("invalid_fields");
    expect(await database.client.recommendationRule.count({ where: { shop: SHOP } })).toBe(0);
  });

  it("a priority in decimal digits or as a JSON number is saved; blank or missing is 0", async () => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save([
      { ...RULE, matchValue: "a", priority: 7 },
      { ...RULE, matchValue: "b", priority: "-7" },
      { ...RULE, matchValue: "c", priority: "" },
      { ...RULE, matchValue: "d" },
    ]);
    expect(response.status).toBe(200);
    const saved = await database.client.recommendationRule.findMany({
      where: { shop: SHOP },
      orderBy: { matchValue: "asc" },
    });
    expect(saved.map((r) => [r.matchValue, r.priority])).toEqual([
      ["a", 7],
      ["b", -7],
      ["c", 0],
      ["d", 0],
    ]);
  });
});
