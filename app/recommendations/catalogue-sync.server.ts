import { z } from "zod";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import { logger } from "../logger.server";
import { saveProduct, type CatalogueEntry } from "./recommend.server";

/**
 * The catalogue cache behind recommendations (issue 6): products with their tags, collections and
 * metafields, read through the Admin GraphQL API page by page (cursors) and written with
 * saveProduct, so a scan never waits on Shopify. It keeps to Shopify's cost-based throttle: after
 * each page it waits until the bucket holds enough for the next one, and a THROTTLED answer waits
 * for the bucket to refill and retries the same page.
 */

/** What a GraphQL answer looks like once the transport is done: data, errors and the cost extension. */
export interface GraphqlAnswer {
  data?: unknown;
  errors?: unknown;
  extensions?: unknown;
}
export type GraphqlCaller = (query: string, variables: Record<string, unknown>) => Promise<GraphqlAnswer>;

/** The part of the library's admin client the sync uses. */
export interface AdminGraphqlClient {
  graphql: (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;
}

/**
 * Adapts the admin client from authenticate.admin, authenticate.webhook or unauthenticated.admin
 * (the worker's, from the stored offline session). The library throws on a GraphQL error
 * (THROTTLED included) with the answer in `body`; the sync wants to read it.
 */
export function fromAdminClient(admin: AdminGraphqlClient): GraphqlCaller {
  return async (query, variables) => {
    try {
      return (await (await admin.graphql(query, { variables })).json()) as GraphqlAnswer;
    } catch (error) {
      if (error instanceof Error && "body" in error && typeof error.body === "object" && error.body) {
        const body = error.body as { data?: unknown; errors?: { graphQLErrors?: unknown }; extensions?: unknown };
        return { data: body.data, errors: body.errors?.graphQLErrors ?? body.errors, extensions: body.extensions };
      }
      throw error;
    }
  };
}

/** Products per page: with the nested connections below, a page costs a few hundred points of 1,000. */
export const PAGE_SIZE = 25;
const MAX_THROTTLE_RETRIES = 8;
/** A cap on pages per run, so a runaway cursor cannot loop forever (25 × 2,000 = 50,000 products). */
export const MAX_PAGES = 2_000;

const PRODUCT_FIELDS = `
  id handle title status tags
  featuredMedia { alt preview { image { url altText } } }
  priceRangeV2 { minVariantPrice { currencyCode } }
  variants(first: 10) { nodes { id price availableForSale } }
  collections(first: 20) { nodes { handle } }
  metafields(first: 20) { nodes { namespace key value type } }
`;

export const PRODUCTS_QUERY = `#graphql
query ScanShieldCatalogue($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes { ${PRODUCT_FIELDS} }
  }
}`;

export const PRODUCT_QUERY = `#graphql
query ScanShieldProduct($id: ID!) {
  product(id: $id) { ${PRODUCT_FIELDS} }
}`;

const productNode = z.object({
  id: z.string().startsWith("gid://shopify/Product/"),
  handle: z.string().min(1).max(255),
  title: z.string().max(255),
  status: z.string(),
  tags: z.array(z.string().max(255)).max(250),
  featuredMedia: z
    .object({
      alt: z.string().nullable().optional(),
      preview: z
        .object({ image: z.object({ url: z.string().url(), altText: z.string().nullable().optional() }).nullable() })
        .nullable(),
    })
    .nullable()
    .optional(),
  priceRangeV2: z
    .object({ minVariantPrice: z.object({ currencyCode: z.string() }) })
    .nullable()
    .optional(),
  variants: z.object({
    nodes: z.array(z.object({ id: z.string(), price: z.string().nullable(), availableForSale: z.boolean() })),
  }),
  collections: z.object({ nodes: z.array(z.object({ handle: z.string() })) }),
  metafields: z.object({
    nodes: z.array(z.object({ namespace: z.string(), key: z.string(), value: z.string(), type: z.string() })),
  }),
});
type ProductNode = z.infer<typeof productNode>;

const pageShape = z.object({
  products: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    nodes: z.array(z.unknown()),
  }),
});

const costShape = z.object({
  cost: z.object({
    requestedQueryCost: z.number(),
    throttleStatus: z.object({
      maximumAvailable: z.number(),
      currentlyAvailable: z.number(),
      restoreRate: z.number().positive(),
    }),
  }),
});

const errorShape = z.array(
  z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).passthrough().optional() }),
);

/** Metafield types whose value is one short word or phrase a rule can match. */
const MATCHABLE_METAFIELD_TYPES = new Set(["single_line_text_field", "boolean", "number_integer"]);

/** Shopify caps alt text at 512 characters; one line is all a product card needs. */
const MAX_ALT = 512;

/** The featured image's alt text (the media's, else its preview image's), one line; null when there is none. */
function imageAlt(node: ProductNode): string | null {
  const media = node.featuredMedia;
  if (!media?.preview?.image) return null;
  const alt = (media.alt || media.preview.image.altText || "").replace(/\s+/g, " ").trim().slice(0, MAX_ALT);
  return alt || null;
}

/** A product node as the recommendation cache stores it. */
export function toCatalogueEntry(node: ProductNode): CatalogueEntry {
  const variant = node.variants.nodes.find((v) => v.availableForSale) ?? node.variants.nodes[0] ?? null;
  const metafields: Record<string, string> = {};
  for (const m of node.metafields.nodes) {
    if (MATCHABLE_METAFIELD_TYPES.has(m.type) && m.value.length <= 100) metafields[`${m.namespace}.${m.key}`] = m.value;
  }
  return {
    shopifyId: node.id,
    handle: node.handle,
    title: node.title,
    imageUrl: node.featuredMedia?.preview?.image?.url ?? null,
    imageAlt: imageAlt(node),
    price: variant?.price ?? null,
    currency: node.priceRangeV2?.minVariantPrice.currencyCode ?? null,
    variantId: variant ? (variant.id.split("/").pop() ?? null) : null,
    // Only what a shopper can buy is recommended.
    available: node.status === "ACTIVE" && node.variants.nodes.some((v) => v.availableForSale),
    tags: node.tags,
    collections: node.collections.nodes.map((c) => c.handle),
    metafields,
  };
}

export class CatalogueSyncError extends DomainError {}

export interface SyncDeps {
  graphql: GraphqlCaller;
  /** Waits this many milliseconds; tests record the waits instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** The job's signal: a stopping worker or a lost lease ends the run between pages and waits. */
  signal?: AbortSignal;
}

/** The audit action of a completed full sync; the recommendations page reads the latest one. */
export const CATALOGUE_SYNCED = "catalogue.synced";
/** Warnings kept in the audit record: Shopify repeats the same refusal on every page. */
const MAX_WARNINGS = 10;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Milliseconds until the bucket holds `needed` points. */
export function waitForPoints(status: { currentlyAvailable: number; restoreRate: number }, needed: number): number {
  if (status.currentlyAvailable >= needed) return 0;
  return Math.ceil(((needed - status.currentlyAvailable) / status.restoreRate) * 1000);
}

/** One GraphQL call with Shopify's throttle respected: THROTTLED answers wait and try again. */
async function call(deps: SyncDeps, query: string, variables: Record<string, unknown>) {
  const sleep = deps.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    const answer = await deps.graphql(query, variables);
    const cost = costShape.safeParse(answer.extensions);
    const errors = errorShape.safeParse(answer.errors ?? []);
    const list = errors.success ? errors.data : [{ message: "Unreadable errors from Shopify" }];
    if (list.some((e) => e.extensions?.code === "THROTTLED")) {
      if (attempt >= MAX_THROTTLE_RETRIES) {
        throw new CatalogueSyncError(503, "shopify_throttled", "Shopify is busy; try the sync again in a minute.");
      }
      const wait = cost.success
        ? waitForPoints(cost.data.cost.throttleStatus, cost.data.cost.requestedQueryCost)
        : 1000 * 2 ** attempt;
      await sleep(Math.max(wait, 250));
      continue;
    }
    return { answer, errors: list, cost: cost.success ? cost.data.cost : null };
  }
}

export interface SyncResult {
  pages: number;
  saved: number;
  removed: number;
  skipped: number;
  warnings: string[];
  waitedMs: number;
}

/**
 * Reads the whole catalogue and replaces the cache: every product seen is saved, and products no
 * longer in the store are removed once the last page is read (never after a failed run).
 */
export async function syncCatalogue(db: Db, shop: string, deps: SyncDeps): Promise<SyncResult> {
  const startedAt = new Date();
  const result: SyncResult = { pages: 0, saved: 0, removed: 0, skipped: 0, warnings: [], waitedMs: 0 };
  const sleep = deps.sleep ?? defaultSleep;
  const timedSleep = async (ms: number) => {
    result.waitedMs += ms;
    await sleep(ms);
    deps.signal?.throwIfAborted();
  };
  const seen = new Set<string>();
  let after: string | null = null;
  for (;;) {
    deps.signal?.throwIfAborted();
    if (result.pages >= MAX_PAGES)
      throw new CatalogueSyncError(500, "too_many_pages", "The catalogue is too large to sync.");
    const { answer, errors, cost } = await call({ ...deps, sleep: timedSleep }, PRODUCTS_QUERY, {
      first: PAGE_SIZE,
      after,
    });
    const page = pageShape.safeParse(answer.data);
    if (!page.success) {
      // No data at all: access denied, a bad query. Nothing is removed; what was saved stays.
      const codes = errors.map((e) => e.extensions?.code ?? "error").join(", ") || "no data";
      logger.warn("catalogue sync failed", { shop, codes, pages: result.pages });
      throw new CatalogueSyncError(
        502,
        "shopify_error",
        `Shopify refused the product query (${codes}). Check the app's access to products.`,
      );
    }
    // Partial data: some fields were refused (e.g. metafields); the products still sync.
    for (const e of errors) result.warnings.push(e.message.slice(0, 200));
    result.pages++;
    for (const raw of page.data.products.nodes) {
      const node = productNode.safeParse(raw);
      if (!node.success) {
        result.skipped++;
        continue;
      }
      seen.add(node.data.id);
      await saveProduct(db, shop, toCatalogueEntry(node.data));
      result.saved++;
    }
    const { hasNextPage, endCursor } = page.data.products.pageInfo;
    if (!hasNextPage || !endCursor) break;
    after = endCursor;
    // Wait now for the next page's points rather than be THROTTLED for them.
    if (cost) await timedSleep(waitForPoints(cost.throttleStatus, cost.requestedQueryCost));
  }
  // Rows not touched by this run are products that no longer exist in the store.
  const { count } = await db.product.deleteMany({ where: { shop, syncedAt: { lt: startedAt } } });
  result.removed = count;
  result.warnings = [...new Set(result.warnings)].slice(0, MAX_WARNINGS);
  // Counts and Shopify's own error messages only: nothing here names a person.
  await db.auditEvent.create({
    data: {
      shop,
      actor: "system",
      action: CATALOGUE_SYNCED,
      details: JSON.stringify({
        pages: result.pages,
        saved: result.saved,
        removed: result.removed,
        skipped: result.skipped,
        waitedMs: result.waitedMs,
        warnings: result.warnings,
      }),
    },
  });
  logger.info("catalogue synced", { shop, pages: result.pages, saved: result.saved, removed: result.removed });
  return result;
}

/** products/update: re-reads the one product (its collections and metafields are not in the payload). */
export async function refreshProduct(db: Db, shop: string, productGid: string, deps: SyncDeps) {
  const { answer } = await call(deps, PRODUCT_QUERY, { id: productGid });
  const data = z.object({ product: z.unknown().nullable() }).safeParse(answer.data);
  if (!data.success) throw new CatalogueSyncError(502, "shopify_error", "Shopify did not return the product.");
  if (data.data.product === null) return removeProduct(db, shop, productGid).then(() => "removed" as const);
  const node = productNode.safeParse(data.data.product);
  if (!node.success) return "skipped" as const;
  await saveProduct(db, shop, toCatalogueEntry(node.data));
  return "saved" as const;
}

/** products/delete. */
export async function removeProduct(db: Db, shop: string, productGid: string): Promise<number> {
  const { count } = await db.product.deleteMany({ where: { shop, shopifyId: productGid } });
  return count;
}

export const productGid = (id: number | string) => `gid://shopify/Product/${id}`;
