import { database } from "../db.server";
import type { Db } from "../db/client.server";
import { errorResponse } from "../http/responses";
import { authenticate } from "../shopify.server";

/**
 * The edge of every /proxy route (Shopify's app proxy): the signature is checked first
 * (authenticate.public.appProxy, 400 when wrong, nothing touched), then the route's work runs with
 * the shop and, for a logged-in shopper, Shopify's customer id. Works with or without an offline
 * session for the shop.
 */
export interface ProxyContext {
  shop: string;
  /** Shopify's logged_in_customer_id, or null for an anonymous shopper. */
  customerId: string | null;
  url: URL;
  db: Db;
}

export async function handleProxy(
  request: Request,
  work: (context: ProxyContext) => Promise<Response>,
): Promise<Response> {
  try {
    await authenticate.public.appProxy(request);
  } catch (error) {
    if (error instanceof Response) {
      return errorResponse(400, "invalid_signature", "This request was not signed by Shopify's app proxy.");
    }
    throw error;
  }
  const url = new URL(request.url);
  const shop = url.searchParams.get("shop") ?? "";
  const customerId = url.searchParams.get("logged_in_customer_id") || null;
  return work({ shop, customerId, url, db: (await database()).client });
}
