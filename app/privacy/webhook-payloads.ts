import { z } from "zod";

/**
 * The shapes of the webhook payloads the app acts on, as Shopify documents them. Only the fields
 * the app needs are required; emails and phone numbers in the payloads are never stored.
 */
const shopifyId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
const shopDomain = z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i, "must be a myshopify.com domain");

export const customersDataRequestPayload = z.object({
  shop_id: shopifyId,
  shop_domain: shopDomain,
  customer: z.object({ id: shopifyId }),
  orders_requested: z.array(shopifyId).optional(),
  data_request: z.object({ id: shopifyId }).optional(),
});

export const customersRedactPayload = z.object({
  shop_id: shopifyId,
  shop_domain: shopDomain,
  customer: z.object({ id: shopifyId }),
  orders_to_redact: z.array(shopifyId).optional(),
});

export const shopRedactPayload = z.object({
  shop_id: shopifyId,
  shop_domain: shopDomain,
});

/**
 * app/uninstalled sends the shop resource. The app needs only `myshopify_domain`, which must name the
 * shop in X-Shopify-Shop-Domain (as `shop_domain` must for the compliance topics); nothing else is kept.
 */
export const appUninstalledPayload = z.object({ id: shopifyId.optional(), myshopify_domain: shopDomain });

export const WEBHOOK_TOPICS = ["CUSTOMERS_DATA_REQUEST", "CUSTOMERS_REDACT", "SHOP_REDACT", "APP_UNINSTALLED"] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];
