import type { Db } from "../db/client.server";
import { inList, selectRows } from "../db/raw.server";
import {
  chooseProducts,
  DEFAULT_RULES,
  MAX_RECOMMENDATIONS,
  productTerms,
  triggeredRules,
  type CatalogueProduct,
  type Profile,
  type Recommendation,
  type Rule,
} from "./rules";

/**
 * Recommendations from the app's own database: the shop's rules and its cached catalogue. Two
 * indexed queries and no call to Shopify, so a scan never waits on the Admin API.
 */
export async function shopRules(db: Db, shop: string): Promise<Rule[]> {
  const rows = await selectRows<Rule & { priority: number | bigint }>(
    db,
    `SELECT "concern", "band", "matchType", "matchValue", "reason", "priority" FROM "RecommendationRule" WHERE "shop" = ?`,
    shop,
  );
  if (rows.length === 0) return [...DEFAULT_RULES];
  return rows.map((r) => ({ ...r, priority: Number(r.priority) }));
}

export async function recommendationsFor(
  db: Db,
  shop: string,
  profile: Profile,
  limit = MAX_RECOMMENDATIONS,
): Promise<Recommendation[]> {
  const triggered = triggeredRules(await shopRules(db, shop), profile);
  if (triggered.length === 0) return [];
  const terms = [...new Set(triggered.map((t) => t.term))];
  // Raw, like the rest of the scan's hot path. Enough rows for any ranking of `limit` products
  // across a handful of rules, whatever the catalogue size.
  const rows = await selectRows<CatalogueProduct & { term: string }>(
    db,
    `SELECT t."term", p."shopifyId", p."handle", p."title", p."imageUrl", p."imageAlt", p."price", p."currency", p."variantId"
     FROM "ProductTerm" t JOIN "Product" p ON p."id" = t."productId"
     WHERE t."shop" = ? AND t."term" IN (${inList(terms.length)}) AND p."available" = ?
     LIMIT ?`,
    shop,
    ...terms,
    true,
    50 * limit,
  );
  const byTerm = new Map<string, CatalogueProduct[]>();
  for (const { term, ...product } of rows) byTerm.set(term, [...(byTerm.get(term) ?? []), product]);
  return chooseProducts(triggered, byTerm, limit);
}

/** A product as the catalogue sync (or the demo seed) supplies it. */
export interface CatalogueEntry extends CatalogueProduct {
  available: boolean;
  tags: string[];
  collections: string[];
  metafields: Record<string, string>;
}

/** Inserts or replaces one product and its terms; the admin's product sync calls this per product. */
export async function saveProduct(db: Db, shop: string, entry: CatalogueEntry): Promise<void> {
  const fields = {
    handle: entry.handle,
    title: entry.title,
    imageUrl: entry.imageUrl,
    imageAlt: entry.imageAlt ?? null,
    price: entry.price,
    currency: entry.currency,
    variantId: entry.variantId,
    available: entry.available,
    syncedAt: new Date(),
  };
  // A batch, not an interactive transaction: the SQLite adapter runs every query on its one
  // connection, so other requests' queries would land inside an open transaction. The upsert is
  // safe to repeat; the terms are replaced atomically.
  const product = await db.product.upsert({
    where: { shop_shopifyId: { shop, shopifyId: entry.shopifyId } },
    create: { shop, shopifyId: entry.shopifyId, ...fields },
    update: fields,
  });
  await db.$transaction([
    db.productTerm.deleteMany({ where: { productId: product.id } }),
    db.productTerm.createMany({ data: productTerms(entry).map((term) => ({ productId: product.id, shop, term })) }),
  ]);
}
