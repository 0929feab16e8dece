import { createHmac, randomUUID } from "node:crypto";
import { signedAppProxyQuery } from "../../scripts/preview/app-proxy-signature.mjs";

/**
 * Requests signed exactly as Shopify signs them: webhooks carry a base64 HMAC-SHA256 of the raw
 * body keyed with the app's API secret (X-Shopify-Hmac-Sha256), plus Shopify's delivery headers.
 */
export const TEST_SECRET = process.env.SHOPIFY_API_SECRET ?? "test-api-secret-for-signing";
export const SHOP = "lotus-skin.myshopify.com";
export const OTHER_SHOP = "other-store.myshopify.com";

export const TOPIC_HEADERS = {
  CUSTOMERS_DATA_REQUEST: "customers/data_request",
  CUSTOMERS_REDACT: "customers/redact",
  SHOP_REDACT: "shop/redact",
  APP_UNINSTALLED: "app/uninstalled",
} as const;
export type Topic = keyof typeof TOPIC_HEADERS;

export function webhookHmac(body: string | Uint8Array, secret = TEST_SECRET): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

export interface SignedWebhook {
  url: string;
  headers: Record<string, string>;
  body: string;
  webhookId: string;
}

export function signedWebhook(
  topic: Topic,
  payload: unknown,
  options: { shop?: string; webhookId?: string; secret?: string; baseUrl?: string; rawBody?: string } = {},
): SignedWebhook {
  const body = options.rawBody ?? JSON.stringify(payload);
  const webhookId = options.webhookId ?? randomUUID();
  const path = TOPIC_HEADERS[topic];
  return {
    url: `${options.baseUrl ?? "https://scanshield.test"}/webhooks/${path}`,
    webhookId,
    body,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": path,
      "x-shopify-hmac-sha256": webhookHmac(body, options.secret),
      "x-shopify-shop-domain": options.shop ?? SHOP,
      "x-shopify-webhook-id": webhookId,
      "x-shopify-event-id": randomUUID(),
      "x-shopify-api-version": "2025-10",
      "x-shopify-triggered-at": new Date().toISOString(),
    },
  };
}

export function toRequest(w: SignedWebhook): Request {
  return new Request(w.url, { method: "POST", headers: w.headers, body: w.body });
}

/** Compliance payloads in the shapes Shopify documents. */
export const payloads = {
  dataRequest: (customerId: number, shop = SHOP) => ({
    shop_id: 954889,
    shop_domain: shop,
    orders_requested: [299938, 280263],
    customer: { id: customerId, email: "priya@example.com", phone: "+91-98765-43210" },
    data_request: { id: 9999 },
  }),
  customerRedact: (customerId: number, shop = SHOP) => ({
    shop_id: 954889,
    shop_domain: shop,
    customer: { id: customerId, email: "priya@example.com", phone: "+91-98765-43210" },
    orders_to_redact: [299938, 280263],
  }),
  shopRedact: (shop = SHOP) => ({ shop_id: 954889, shop_domain: shop }),
  appUninstalled: (shop = SHOP) => ({ id: 954889, name: "Lotus Skin", domain: shop, myshopify_domain: shop }),
};

/** An offline session stored the way the app stores one (token encrypted). */
export async function storeOfflineSession(client: import("../../app/db/client.server").Db, shop = SHOP): Promise<void> {
  const { Session } = await import("@shopify/shopify-api");
  const { EncryptedSessionStorage } = await import("../../app/crypto/session-storage.server");
  const { appKeyring } = await import("../../app/crypto/keyring.server");
  const storage = new EncryptedSessionStorage(client, appKeyring());
  await storage.storeSession(
    new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, accessToken: "shpat_test_token" }),
  );
}

/**
 * A storefront request as Shopify's app proxy forwards it: the query gains `shop`,
 * `logged_in_customer_id`, `path_prefix` and `timestamp`, and `signature` is the hex HMAC-SHA256
 * of the other parameters sorted by name and joined as "key=value" with no separator.
 */
export function appProxyUrl(
  path: string,
  params: Record<string, string> = {},
  options: { shop?: string; customerId?: string; secret?: string; timestamp?: number } = {},
): string {
  // One signer for the tests and the local storefront preview (scripts/preview/app-proxy-signature.mjs).
  const search = signedAppProxyQuery(params, {
    shop: options.shop ?? SHOP,
    customerId: options.customerId,
    secret: options.secret ?? TEST_SECRET,
    timestamp: options.timestamp,
  });
  return `https://scanshield.test/proxy${path}?${search.toString()}`;
}
