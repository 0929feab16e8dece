import { describe, expect, it } from "vitest";
import {
  chooseProducts,
  DEFAULT_RULES,
  productTerms,
  profileFromQuiz,
  profileFromResult,
  triggeredRules,
  type CatalogueProduct,
  type Rule,
} from "./rules";

const product = (id: string, title: string): CatalogueProduct => ({
  shopifyId: `gid://shopify/Product/${id}`,
  handle: title.toLowerCase().replace(/\s+/g, "-"),
  title,
  imageUrl: null,
  price: "20.00",
  currency: "INR",
  variantId: `${id}01`,
});

const rule = (concern: Rule["concern"], band: string, matchValue: string, extra: Partial<Rule> = {}): Rule => ({
  concern,
  band,
  matchType: "tag",
  matchValue,
  reason: null,
  priority: 0,
  ...extra,
});

// What the local engine returns (app/analysis/indices.ts), trimmed to the fields rules read.
const result = {
  indices: {
    skinTone: { group: "intermediate", itaDegrees: 33 },
    redness: { band: "high", score: 0.8 },
    unevenness: { band: "low", score: 0.1 },
    shine: { band: "moderate", score: 0.5 },
    underEyeDarkness: { band: "low", score: 0.2 },
  },
};

describe("recommendation rules", () => {
  it("reads concern bands and the tone group from a result, and nothing from a malformed one", () => {
    expect(profileFromResult(result)).toEqual({
      bands: { redness: "high", unevenness: "low", shine: "moderate", under_eye: "low" },
      toneGroup: "intermediate",
    });
    expect(profileFromResult({ indices: { redness: { band: "extreme" } } })).toEqual({ bands: {}, toneGroup: null });
    expect(profileFromResult("nonsense")).toEqual({ bands: {}, toneGroup: null });
  });

  it.each([
    ["low", "high", true],
    ["moderate", "high", true],
    ["high", "moderate", false],
    ["moderate", "low", false],
  ])("a rule from band %s fires for a measured %s: %s", (ruleBand, measured, fires) => {
    const triggered = triggeredRules([rule("redness", ruleBand, "calm")], {
      bands: { redness: measured as "low" },
      toneGroup: null,
    });
    expect(triggered.length === 1).toBe(fires);
  });

  it("puts the strongest concern first, then the merchant's priority; tone groups match by name", () => {
    const rules = [
      rule("shine", "moderate", "matte", { priority: 5 }),
      rule("redness", "moderate", "calm"),
      rule("tone_group", "Intermediate", "spf-tinted"),
      rule("tone_group", "dark", "never"),
      rule("any", "*", "spf"),
    ];
    const order = triggeredRules(rules, profileFromResult(result)).map((t) => t.term);
    expect(order).toEqual(["tag:calm", "tag:matte", "tag:spf-tinted", "tag:spf"]);
  });

  it("lists each product once, under its strongest reason, up to the limit", () => {
    const calm = product("1", "Calm Serum");
    const matte = product("2", "Matte Gel");
    const both = product("3", "Balance Toner");
    const triggered = triggeredRules([rule("redness", "moderate", "calm"), rule("shine", "moderate", "matte")], {
      bands: { redness: "high", shine: "moderate" },
      toneGroup: null,
    });
    const byTerm = new Map([
      ["tag:calm", [calm, both]],
      ["tag:matte", [both, matte]],
    ]);
    const chosen = chooseProducts(triggered, byTerm);
    expect(chosen.map((r) => [r.title, r.concern, r.reason])).toEqual([
      ["Balance Toner", "redness", "For visible redness"],
      ["Calm Serum", "redness", "For visible redness"],
      ["Matte Gel", "shine", "For shine"],
    ]);
    expect(chosen[0]).toMatchObject({ url: "/products/balance-toner", variantId: "301" });
    expect(chooseProducts(triggered, byTerm, 2)).toHaveLength(2);
  });

  it("uses the merchant's own reason when the rule has one", () => {
    const triggered = triggeredRules(
      [rule("redness", "low", "calm", { reason: "Soothes" })],
      profileFromQuiz(["redness"]),
    );
    expect(chooseProducts(triggered, new Map([["tag:calm", [product("1", "Calm")]]]))[0]?.reason).toBe("Soothes");
  });

  it("the defaults work from tags alone: a quiz answer finds products tagged skin-scan:<concern>", () => {
    const terms = triggeredRules(DEFAULT_RULES, profileFromQuiz(["under_eye"])).map((t) => t.term);
    expect(terms).toEqual(["tag:skin-scan:under-eye", "tag:skin-scan:everyday"]);
  });

  it("turns tags, collections and metafields into lower-cased lookup terms", () => {
    expect(
      productTerms({
        tags: ["Redness", "redness"],
        collections: ["Sun-Care"],
        metafields: { "skin.concern": "Shine" },
      }),
    ).toEqual(["tag:redness", "collection:sun-care", "metafield:skin.concern=shine"]);
  });
});
