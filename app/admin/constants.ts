import { ITA_GROUPS } from "../analysis/colour";
import type { RuleConcern } from "../recommendations/rules";

/** Values the admin pages and their server modules share (pure, so the pages can import them). */
export const PERIODS = [7, 30, 90, 365] as const;

/** Skin-tone groups a rule can target (the ITA groups of app/analysis/colour.ts). */
export const TONE_GROUPS = ITA_GROUPS.map((g) => g.group);

/** What the admin calls each concern a rule or an insight is about (the rules editor, the dashboard's mix). */
export const CONCERN_LABELS: Record<RuleConcern, string> = {
  redness: "Redness",
  unevenness: "Uneven tone",
  shine: "Shine",
  under_eye: "Under-eye darkness",
  tone_group: "Skin-tone group",
  any: "Everyone",
};
/** A concern's label, or the key itself for one the admin has no words for. */
export const concernLabel = (concern: string): string =>
  (CONCERN_LABELS as Record<string, string | undefined>)[concern] ?? concern;

export const TYPE_LABELS: Record<string, string> = {
  access: "Access",
  correction: "Correction",
  erasure: "Erasure",
  portability: "Portability",
  objection: "Objection",
  withdrawal: "Withdrawal of consent",
  grievance: "Grievance",
  nomination: "Nomination",
  shopify_data_request: "Shopify: customer data request",
  shopify_customer_redact: "Shopify: customer redaction",
  shopify_shop_redact: "Shopify: shop redaction",
};
