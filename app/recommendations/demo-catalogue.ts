import type { CatalogueEntry } from "./recommend.server";

/**
 * A small made-up catalogue for the local storefront preview (`npm run quickstart`), tagged the way
 * the default rules expect, so a scan there shows products without any Shopify store.
 */
const demo = (id: number, title: string, price: string, tag: string): CatalogueEntry => ({
  shopifyId: `gid://shopify/Product/${id}`,
  handle: title.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
  title,
  imageUrl: null,
  price,
  currency: "INR",
  variantId: String(id * 100 + 1),
  available: true,
  tags: [tag],
  collections: ["skin-care"],
  metafields: {},
});

export const DEMO_CATALOGUE: readonly CatalogueEntry[] = [
  demo(9001, "Calm Cica Serum", "899.00", "skin-scan:redness"),
  demo(9002, "Even Tone Niacinamide 10%", "749.00", "skin-scan:unevenness"),
  demo(9003, "Oil Balance Gel Moisturiser", "599.00", "skin-scan:shine"),
  demo(9004, "Bright Eyes Caffeine Cream", "699.00", "skin-scan:under-eye"),
  demo(9005, "Daily Mineral SPF 50", "649.00", "skin-scan:everyday"),
  demo(9006, "Gentle Cream Cleanser", "449.00", "skin-scan:everyday"),
];
