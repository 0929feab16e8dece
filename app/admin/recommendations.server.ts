import { z } from "zod";
import type { Db } from "../db/client.server";
import { shopRules } from "../recommendations/recommend.server";
import { BANDS, CONCERNS, MATCH_TYPES, RULE_CONCERNS, ruleTerm, type Rule } from "../recommendations/rules";
import { TONE_GROUPS } from "./constants";
import { fieldErrors, FormError, optionalWholeNumber } from "./form";

/**
 * The recommendations editor (issue 6): the shop's rules (what RecommendationRule holds, read by
 * app/recommendations/) and a coverage report of concerns and tone groups no product answers.
 */
export const MAX_RULES = 200;

const rule = z
  .object({
    concern: z.enum(RULE_CONCERNS, { message: "Choose what the rule responds to." }),
    band: z.string().trim().max(32),
    matchType: z.enum(MATCH_TYPES, { message: "Choose tag, collection or metafield." }),
    matchValue: z.string().trim().min(1, "Enter the tag, collection handle or metafield.").max(255, "Too long."),
    reason: z.string().trim().max(120, "Keep the reason under 120 characters.").nullable().default(null),
    // Missing or blank: 0. Only decimal digits (wholeNumber): `true` is not 1.
    priority: optionalWholeNumber({
      min: -100,
      max: 100,
      notNumber: "Enter a whole number from -100 to 100.",
      tooSmall: "Enter a whole number from -100 to 100.",
      tooLarge: "Enter a whole number from -100 to 100.",
    }).transform((p) => p ?? 0),
  })
  .superRefine((r, ctx) => {
    const ok =
      r.concern === "any"
        ? r.band === "*"
        : r.concern === "tone_group"
          ? (TONE_GROUPS as readonly string[]).includes(r.band)
          : (BANDS as readonly string[]).includes(r.band);
    if (!ok) ctx.addIssue({ code: "custom", path: ["band"], message: "Choose a band or tone group for this concern." });
    if (r.matchType === "metafield" && !/^[\w-]+\.[\w-]+=.+$/.test(r.matchValue)) {
      ctx.addIssue({ code: "custom", path: ["matchValue"], message: "Write a metafield as namespace.key=value." });
    }
  });

export const rulesInput = z.object({ rules: z.array(rule).max(MAX_RULES, `At most ${MAX_RULES} rules.`) });

export function parseRules(body: unknown): Rule[] {
  const parsed = rulesInput.safeParse(body);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data.rules;
}

/** Replaces the shop's rules (an empty list returns the shop to the default tag rules). */
export async function saveRules(db: Db, shop: string, rules: Rule[]) {
  await db.$transaction([
    db.recommendationRule.deleteMany({ where: { shop } }),
    db.recommendationRule.createMany({ data: rules.map((r) => ({ shop, ...r })) }),
    db.auditEvent.create({
      data: {
        shop,
        actor: "merchant",
        action: "recommendations.rules",
        details: JSON.stringify({ rules: rules.length }),
      },
    }),
  ]);
  return { rules: rules.length };
}

export interface CoverageRow {
  concern: string;
  band: string | null;
  rules: number;
  products: number;
}

/** For each concern and tone group: how many rules respond to it and how many buyable products they reach. */
export async function recommendationsPage(db: Db, shop: string) {
  const [stored, rules, catalogue, lastSync] = await Promise.all([
    db.recommendationRule.count({ where: { shop } }),
    shopRules(db, shop),
    db.product.count({ where: { shop } }),
    db.product.findFirst({ where: { shop }, orderBy: { syncedAt: "desc" }, select: { syncedAt: true } }),
  ]);
  const terms = [...new Set(rules.map(ruleTerm))];
  const hits = await db.productTerm.groupBy({
    by: ["term"],
    where: { shop, term: { in: terms }, product: { available: true } },
    _count: { _all: true },
  });
  const productsByTerm = new Map(hits.map((h) => [h.term, h._count._all]));
  const everyone = rules.filter((r) => r.concern === "any");
  const reach = (rs: Rule[]) => rs.reduce((n, r) => n + (productsByTerm.get(ruleTerm(r)) ?? 0), 0);
  const coverage: CoverageRow[] = [
    ...CONCERNS.map((concern) => {
      const rs = rules.filter((r) => r.concern === concern);
      return { concern, band: null, rules: rs.length, products: reach(rs) };
    }),
    ...TONE_GROUPS.map((group) => {
      const rs = rules.filter((r) => r.concern === "tone_group" && r.band.toLowerCase() === group);
      return { concern: "tone_group", band: group, rules: rs.length, products: reach(rs) };
    }),
  ];
  return {
    usingDefaults: stored === 0,
    rules,
    coverage,
    uncovered: coverage.filter((c) => c.products === 0 && c.concern !== "tone_group").map((c) => c.concern),
    everydayProducts: reach(everyone),
    catalogue: { products: catalogue, lastSyncedAt: lastSync?.syncedAt.toISOString() ?? null },
  };
}
