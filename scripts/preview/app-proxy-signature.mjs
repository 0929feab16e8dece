import { createHmac } from "node:crypto";

/**
 * Shopify's app-proxy signature, computed the way Shopify computes it when it forwards a storefront
 * request to an app (shopify.dev, "Authenticate app proxies"): every query parameter but `signature`,
 * sorted by name, written as `name=value` with the values of a repeated name joined by ",", the pairs
 * concatenated with no separator, then HMAC-SHA256 with the app's API secret, in hex.
 * Shared by the local storefront preview (scripts/preview/server.mjs) and the tests (test/support/shopify.ts).
 */

/** Parameters Shopify sets itself; a shopper's browser cannot choose them. */
export const SHOPIFY_PROXY_PARAMS = ["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"];

/**
 * @param {Iterable<[string, string]>} params every query parameter except `signature`
 * @param {string} secret the app's API secret
 * @returns {string} the hex signature
 */
export function appProxySignature(params, secret) {
  /** @type {Map<string, string[]>} */
  const values = new Map();
  for (const [name, value] of params) values.set(name, [...(values.get(name) ?? []), value]);
  const message = [...values.keys()]
    .sort()
    .map((name) => `${name}=${(values.get(name) ?? []).join(",")}`)
    .join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

/**
 * The query Shopify's app proxy sends the app: the shopper's own parameters (any that imitate
 * Shopify's are dropped), then shop, logged_in_customer_id (empty when anonymous), path_prefix,
 * timestamp and signature.
 * @param {URLSearchParams | Record<string, string>} query the storefront request's query
 * @param {{ shop: string, secret: string, customerId?: string | null, pathPrefix?: string, timestamp?: number }} options
 * @returns {URLSearchParams}
 */
export function signedAppProxyQuery(query, options) {
  const signed = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(query)) {
    if (!SHOPIFY_PROXY_PARAMS.includes(name)) signed.append(name, value);
  }
  signed.set("shop", options.shop);
  signed.set("logged_in_customer_id", options.customerId ?? "");
  signed.set("path_prefix", options.pathPrefix ?? "/apps/skin-scan");
  signed.set("timestamp", String(options.timestamp ?? Math.floor(Date.now() / 1000)));
  signed.set("signature", appProxySignature(signed, options.secret));
  return signed;
}
