import { z } from "zod";
import { database } from "../db.server";
import { errorResponse } from "../http/responses";
import { describeError, logger } from "../logger.server";
import { authenticate } from "../shopify.server";
import { fromAdminClient, productGid, refreshProduct, removeProduct } from "./catalogue-sync.server";

/**
 * products/update and products/delete keep the recommendation cache current between full syncs
 * (issue 6). Both are idempotent (an upsert, a delete), so a redelivery does no harm. An update
 * re-reads the product through the Admin API because the payload lacks collections and metafields;
 * if Shopify cannot answer, the 503 makes Shopify deliver the webhook again later.
 */
export type ProductTopic = "PRODUCTS_UPDATE" | "PRODUCTS_DELETE";

const payload = z.object({ id: z.union([z.number().int().positive(), z.string().regex(/^\d{1,20}$/)]) });

export async function receiveProductWebhook(request: Request, expected: ProductTopic): Promise<Response> {
  if (request.method !== "POST") return errorResponse(405, "method_not_allowed", "Webhooks are POST requests.");
  let context: Awaited<ReturnType<typeof authenticate.webhook>>;
  try {
    context = await authenticate.webhook(request);
  } catch (error) {
    if (error instanceof Response) return errorResponse(error.status, "rejected", "The webhook was rejected.");
    if (error instanceof SyntaxError) return errorResponse(400, "invalid_json", "The webhook body is not valid JSON.");
    throw error;
  }
  if (String(context.topic) !== expected) return errorResponse(400, "wrong_topic", "Wrong topic for this endpoint.");
  const parsed = payload.safeParse(context.payload);
  if (!parsed.success) return errorResponse(400, "invalid_payload", "The payload has no product id.");
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
    return errorResponse(503, "shopify_unavailable", "The product could not be read; deliver again later.");
  }
}
