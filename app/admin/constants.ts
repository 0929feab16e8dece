import { ITA_GROUPS } from "../analysis/colour";

/** Values the admin pages and their server modules share (pure, so the pages can import them). */
export const PERIODS = [7, 30, 90, 365] as const;

/** Skin-tone groups a rule can target (the ITA groups of app/analysis/colour.ts). */
export const TONE_GROUPS = ITA_GROUPS.map((g) => g.group);

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
