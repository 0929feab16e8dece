import { z } from "zod";
import { database } from "../db.server";
import { DomainError } from "../domain-error";
import { describeError, logger } from "../logger.server";
import { webhookEdge } from "./receive.server";
import { fromAdminClient, productGid, refreshProduct, removeProduct } from "../recommendations/catalogue-sync.server";

/**
 * products/update and products/delete keep the recommendation cache current between full syncs
 * (issue 6). Both are idempotent (an upsert, a delete), so a redelivery does no harm. An update
 * re-reads the product through the Admin API because the payload lacks collections and metafields;
 * if Shopify cannot answer, the 503 makes Shopify deliver the webhook again later.
 */
export type ProductTopic = "PRODUCTS_UPDATE" | "PRODUCTS_DELETE";

const payload = z.object({ id: z.union([z.number().int().positive(), z.string().regex(/^\d{1,20}$/)]) });

export const receiveProductWebhook = (request: Request, expected: ProductTopic): Promise<Response> =>
  webhookEdge(request, expected, async (context) => {
    const parsed = payload.safeParse(context.payload);
    if (!parsed.success) throw new DomainError(400, "invalid_payload", "The payload has no product id.");
    const { client: db } = await database();
    const gid = productGid(parsed.data.id);
    const shop = context.shop;
    if (expected === "PRODUCTS_DELETE") {
      const removed = await removeProduct(db, shop, gid);
      logger.info("product webhook", { shop, topic: expected, outcome: removed ? "removed" : "absent" });
      return new Response(null, { status: 200 });
    }
    // No offline session: the app was uninstalled; its data goes with shop/redact.
    if (!context.admin) return new Response(null, { status: 200 });
    try {
      const outcome = await refreshProduct(db, shop, gid, { graphql: fromAdminClient(context.admin) });
      logger.info("product webhook", { shop, topic: expected, outcome });
      return new Response(null, { status: 200 });
    } catch (error) {
      logger.warn("product refresh failed", { shop, topic: expected, error: describeError(error) });
      throw new DomainError(503, "shopify_unavailable", "The product could not be read; deliver again later.");
    }
  });
