import { describe, expect, it } from "vitest";
import {
  billingIsTest,
  DEVELOPMENT_PLAN,
  effectivePlan,
  FREE_PLAN,
  monthResetsAt,
  PAID_PLANS,
  planPageUrl,
  quotaBanner,
  quotaLevel,
  usageMonth,
} from "./plans";

const state = (over: Partial<Parameters<typeof effectivePlan>[0] & object> = {}) => ({
  planName: null,
  planHandle: null,
  status: null,
  developmentStore: false,
  ...over,
});

describe("plans and allowances (P20)", () => {
  it.each([
    ["no plan stored", null, FREE_PLAN.name, FREE_PLAN.monthlyScans, "free"],
    ["no active subscription", state(), FREE_PLAN.name, 100, "free"],
    ["a development store", state({ developmentStore: true }), DEVELOPMENT_PLAN.name, 500, "development"],
    ["Growth, active, by name", state({ planName: "Growth", status: "ACTIVE" }), "Growth", 5_000, "subscription"],
    ["a name in other case", state({ planName: " starter ", status: "ACTIVE" }), "Starter", 1_000, "subscription"],
    [
      "by handle",
      state({ planName: "Renamed", planHandle: "scale", status: "ACTIVE" }),
      "Scale",
      25_000,
      "subscription",
    ],
    ["Growth, cancelled", state({ planName: "Growth", status: "CANCELLED" }), "Free", 100, "free"],
    ["Growth, frozen (unpaid)", state({ planName: "Growth", status: "FROZEN" }), "Free", 100, "free"],
    ["Growth, pending approval", state({ planName: "Growth", status: "PENDING" }), "Free", 100, "free"],
    ["the free plan, active", state({ planName: "Free", status: "ACTIVE" }), "Free", 100, "free"],
    [
      "a development store on a test Starter plan",
      state({ planName: "Starter", status: "ACTIVE", developmentStore: true }),
      "Starter",
      1_000,
      "subscription",
    ],
  ] as const)("P20: %s → %s, %i scans a month", (_label, given, name, scans, source) => {
    const plan = effectivePlan(given);
    expect(plan).toMatchObject({ name, monthlyScans: scans, source, unknown: false });
  });

  it("P20: an active plan this file does not name gets the largest allowance, never less than is paid for, and is flagged", () => {
    const plan = effectivePlan(state({ planName: "Enterprise", status: "ACTIVE" }));
    const largest = Math.max(...PAID_PLANS.map((p) => p.monthlyScans));
    expect(plan).toMatchObject({ name: "Enterprise", monthlyScans: largest, source: "subscription", unknown: true });
  });

  it.each([
    [{ developmentStore: true, production: true }, true],
    [{ developmentStore: false, production: true }, false],
    [{ developmentStore: false, production: false }, true],
    [{ developmentStore: true, production: false }, true],
  ])(
    "P20: billing.check's isTest for %o is %s (test charges count on development stores and outside production)",
    (input, isTest) => {
      expect(billingIsTest(input)).toBe(isTest);
    },
  );

  it("P20: usage counts per UTC month and starts again on the 1st (December rolls into January)", () => {
    expect(usageMonth(new Date("2026-11-30T23:59:59.999Z"))).toBe("2026-11");
    expect(usageMonth(new Date("2026-12-01T00:00:00Z"))).toBe("2026-12");
    expect(monthResetsAt("2026-11").toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(monthResetsAt("2026-12").toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("P20: Shopify's plan page is under the store's handle and the app's handle", () => {
    expect(planPageUrl("lotus-skin.myshopify.com")).toBe(
      "https://admin.shopify.com/store/lotus-skin/charges/scanshield/pricing_plans",
    );
  });
});

describe("the usage banner's thresholds (P20)", () => {
  const banner = (used: number, allowance = 1_000) =>
    quotaBanner({ used, allowance, planName: "Starter", resetsAt: "2026-12-01T00:00:00.000Z" });

  it.each([
    [0, "ok"],
    [799, "ok"],
    [800, "nearing"],
    [999, "nearing"],
    [1_000, "reached"],
    [1_250, "reached"],
  ] as const)("P20: %i of 1,000 scans is %s", (used, level) => {
    expect(quotaLevel(used, 1_000)).toBe(level);
  });

  it("P20: no banner below 80 %", () => {
    expect(banner(0)).toBeNull();
    expect(banner(799)).toBeNull();
  });

  it("P20: a warning from 80 % that says what happens at the limit and when the count starts again", () => {
    expect(banner(800)).toEqual({
      tone: "warning",
      title: "80 % of this month's scans are used",
      body: "800 of 1,000 scans on the Starter plan. When the allowance is used up, new scans pause until 1 December (UTC). A larger plan raises it at once.",
    });
    expect(banner(999)?.title).toBe("99 % of this month's scans are used");
  });

  it("P20: critical at 100 %: scans are paused, and the notice, withdrawal and rights keep working", () => {
    const reached = banner(1_000);
    expect(reached?.tone).toBe("critical");
    expect(reached?.title).toBe("Skin scans are paused: this month's allowance is used up");
    expect(reached?.body).toContain("the notice, consent withdrawal and every data right keep working");
    expect(reached?.body).toContain("Scans resume on 1 December (UTC)");
    expect(banner(1_400)?.tone).toBe("critical");
  });
});
