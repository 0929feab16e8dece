import { z } from "zod";

/**
 * Product recommendations by rules (pure): a scan's concern bands and skin-tone group, or a quiz's
 * self-reported concerns, trigger the shop's rules; each rule names products by a tag, a collection
 * or a metafield value. No model and no guess: a product is shown because a rule the merchant can
 * read says so, and the reason shown to the shopper says which.
 */
export const CONCERNS = ["redness", "unevenness", "shine", "under_eye"] as const;
export type Concern = (typeof CONCERNS)[number];
export const BANDS = ["low", "moderate", "high"] as const;
export type Band = (typeof BANDS)[number];
export const MATCH_TYPES = ["tag", "collection", "metafield"] as const;
export type MatchType = (typeof MATCH_TYPES)[number];
export const RULE_CONCERNS = [...CONCERNS, "tone_group", "any"] as const;
export type RuleConcern = (typeof RULE_CONCERNS)[number];

export interface Rule {
  concern: RuleConcern;
  /** A concern's lowest triggering band; a tone group for tone_group; "*" for any. */
  band: string;
  matchType: MatchType;
  matchValue: string;
  reason: string | null;
  priority: number;
}

/** What a result (or a quiz) says, as far as rules care. */
export interface Profile {
  bands: Partial<Record<Concern, Band>>;
  toneGroup: string | null;
}

/**
 * Used while a shop has no rules of its own: products tagged `skin-scan:<concern>` (and
 * `skin-scan:everyday` for everyone), so a merchant can start by tagging products.
 */
export const DEFAULT_RULES: readonly Rule[] = [
  ...CONCERNS.map((concern) => ({
    concern,
    band: "moderate",
    matchType: "tag" as const,
    matchValue: `skin-scan:${concern.replace("_", "-")}`,
    reason: null,
    priority: 0,
  })),
  { concern: "any", band: "*", matchType: "tag", matchValue: "skin-scan:everyday", reason: null, priority: -1 },
];

/** Default reasons, in plain words (the widget translates by `concern`). */
export const DEFAULT_REASONS: Record<RuleConcern, string> = {
  redness: "For visible redness",
  unevenness: "For uneven-looking tone",
  shine: "For shine",
  under_eye: "For darker-looking under-eyes",
  tone_group: "Suited to your measured skin tone",
  any: "An everyday essential",
};

// The local engine's result shape (app/analysis/indices.ts); a remote API's may lack any part.
const bandOf = z
  .object({ band: z.enum(BANDS) })
  .optional()
  .catch(undefined);
const resultShape = z.object({
  indices: z.object({
    skinTone: z
      .object({ group: z.string().max(32) })
      .optional()
      .catch(undefined),
    redness: bandOf,
    unevenness: bandOf,
    shine: bandOf,
    underEyeDarkness: bandOf,
  }),
});

export function profileFromResult(result: unknown): Profile {
  const parsed = resultShape.safeParse(result);
  if (!parsed.success) return { bands: {}, toneGroup: null };
  const i = parsed.data.indices;
  const bands: Profile["bands"] = {};
  if (i.redness) bands.redness = i.redness.band;
  if (i.unevenness) bands.unevenness = i.unevenness.band;
  if (i.shine) bands.shine = i.shine.band;
  if (i.underEyeDarkness) bands.under_eye = i.underEyeDarkness.band;
  return { bands, toneGroup: i.skinTone?.group ?? null };
}

/** A quiz answer names concerns without measuring them: each counts as "moderate". */
export function profileFromQuiz(concerns: readonly Concern[], toneGroup: string | null = null): Profile {
  return { bands: Object.fromEntries(concerns.map((c) => [c, "moderate" as const])), toneGroup };
}

const rank = (band: string): number => BANDS.indexOf(band as Band);

/** How strongly a rule applies to a profile; null when it does not. Stronger concerns come first. */
export function ruleStrength(rule: Rule, profile: Profile): number | null {
  if (rule.concern === "any") return 0;
  if (rule.concern === "tone_group") {
    return profile.toneGroup !== null && rule.band.toLowerCase() === profile.toneGroup.toLowerCase() ? 1 : null;
  }
  const band = profile.bands[rule.concern];
  if (!band || rank(rule.band) < 0 || rank(band) < rank(rule.band)) return null;
  return 2 + rank(band);
}

/** The lookup key a rule matches in the ProductTerm table. */
export function ruleTerm(rule: Pick<Rule, "matchType" | "matchValue">): string {
  return `${rule.matchType}:${rule.matchValue.trim().toLowerCase()}`;
}

/** The terms a product carries, from its tags, collection handles and metafield values. */
export function productTerms(product: {
  tags: readonly string[];
  collections: readonly string[];
  metafields: Readonly<Record<string, string>>;
}): string[] {
  const terms = [
    ...product.tags.map((t) => ruleTerm({ matchType: "tag", matchValue: t })),
    ...product.collections.map((c) => ruleTerm({ matchType: "collection", matchValue: c })),
    ...Object.entries(product.metafields).map(([k, v]) =>
      ruleTerm({ matchType: "metafield", matchValue: `${k}=${v}` }),
    ),
  ];
  return [...new Set(terms)].filter((t) => t.length <= 300);
}

export interface TriggeredRule {
  rule: Rule;
  term: string;
  strength: number;
}

export function triggeredRules(rules: readonly Rule[], profile: Profile): TriggeredRule[] {
  const triggered: TriggeredRule[] = [];
  for (const rule of rules) {
    const strength = ruleStrength(rule, profile);
    if (strength !== null) triggered.push({ rule, term: ruleTerm(rule), strength });
  }
  return triggered.sort((a, b) => b.strength - a.strength || b.rule.priority - a.rule.priority);
}

export interface CatalogueProduct {
  shopifyId: string;
  handle: string;
  title: string;
  imageUrl: string | null;
  /** The image's alt text from the catalogue (Shopify's media alt); absent or null when the merchant wrote none. */
  imageAlt?: string | null;
  price: string | null;
  currency: string | null;
  variantId: string | null;
}

export interface Recommendation {
  productId: string;
  title: string;
  url: string;
  imageUrl: string | null;
  /** The merchant's alt text for the image; null when none (the widget then treats the image as decorative). */
  imageAlt: string | null;
  price: string | null;
  currency: string | null;
  variantId: string | null;
  /** Which rule concern put it here, so the widget can word the reason in the shopper's language. */
  concern: RuleConcern;
  reason: string;
}

export const MAX_RECOMMENDATIONS = 6;

/**
 * Products in rule order (strongest concern first), each once, at most `limit`: a product that
 * answers two concerns is listed under the stronger one.
 */
export function chooseProducts(
  triggered: readonly TriggeredRule[],
  productsByTerm: ReadonlyMap<string, readonly CatalogueProduct[]>,
  limit = MAX_RECOMMENDATIONS,
): Recommendation[] {
  const chosen = new Map<string, Recommendation>();
  for (const { rule, term } of triggered) {
    const products = [...(productsByTerm.get(term) ?? [])].sort((a, b) => a.title.localeCompare(b.title));
    for (const p of products) {
      if (chosen.size >= limit) return [...chosen.values()];
      if (chosen.has(p.shopifyId)) continue;
      chosen.set(p.shopifyId, {
        productId: p.shopifyId,
        title: p.title,
        url: `/products/${encodeURIComponent(p.handle)}`,
        imageUrl: p.imageUrl,
        imageAlt: p.imageAlt ?? null,
        price: p.price,
        currency: p.currency,
        variantId: p.variantId,
        concern: rule.concern,
        reason: rule.reason?.trim() || DEFAULT_REASONS[rule.concern],
      });
    }
  }
  return [...chosen.values()];
}
