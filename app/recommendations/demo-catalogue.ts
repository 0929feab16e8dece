import type { CatalogueEntry } from "./recommend.server";

/**
 * A small made-up catalogue for the local storefront preview (`npm run quickstart`), tagged the way
 * the default rules expect, so a scan there shows product cards without any Shopify store. Each has a
 * product shot drawn for the demo (public/demo-products/<handle>.svg, a plain bottle, jar or tube in
 * the product's colours: no photographs, nobody's copyright), served by the preview at the same path.
 */
export const DEMO_IMAGE_PATH = "/demo-products/";

const handleOf = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

const demo = (id: number, title: string, price: string, tag: string, imageAlt: string): CatalogueEntry => ({
  shopifyId: `gid://shopify/Product/${id}`,
  handle: handleOf(title),
  title,
  imageUrl: `${DEMO_IMAGE_PATH}${handleOf(title)}.svg`,
  // What the drawing shows, as a merchant would write it in Shopify's media alt text.
  imageAlt,
  price,
  currency: "INR",
  variantId: String(id * 100 + 1),
  available: true,
  tags: [tag],
  collections: ["skin-care"],
  metafields: {},
});

export const DEMO_CATALOGUE: readonly CatalogueEntry[] = [
  demo(9001, "Calm Cica Serum", "899.00", "skin-scan:redness", "Green glass dropper bottle labelled CICA"),
  demo(9002, "Even Tone Niacinamide 10%", "749.00", "skin-scan:unevenness", "Amber dropper bottle labelled 10%"),
  demo(9003, "Oil Balance Gel Moisturiser", "599.00", "skin-scan:shine", "Blue jar with a white lid, labelled GEL"),
  demo(9004, "Bright Eyes Caffeine Cream", "699.00", "skin-scan:under-eye", "Plum squeeze tube labelled EYE"),
  demo(9005, "Daily Mineral SPF 50", "649.00", "skin-scan:everyday", "Yellow squeeze tube labelled SPF 50"),
  demo(9006, "Gentle Cream Cleanser", "449.00", "skin-scan:everyday", "Olive pump bottle labelled CLEANSE"),
];
