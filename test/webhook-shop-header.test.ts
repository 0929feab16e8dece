import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { action as subscriptionUpdate } from "../app/routes/webhooks.app_subscriptions.update";
import { action as productsDelete } from "../app/routes/webhooks.products.delete";
import { action as productsUpdate } from "../app/routes/webhooks.products.update";
import { useFakeShopify } from "./support/fake-shopify";
import { useDatabase } from "./support/lifecycle";
import { SHOP, storeOfflineSession, webhookHmac } from "./support/shopify";

/**
 * Shopify's HMAC covers the body, not the headers: whoever holds one genuine delivery can send its
 * body again with any X-Shopify-Shop-Domain. The routes that load the shop's session (the library's
 * authenticate.webhook) must refuse a header that is no shop domain with a 4xx and write nothing,
 * never a 500 (found by sending such replays to the running server).
 */
const ROUTES = [
  {
    topic: "app_subscriptions/update",
    promise: "P20: ",
    action: subscriptionUpdate,
    body: {
      app_subscription: {
        admin_graphql_api_id: "gid://shopify/AppSubscription/1029266948",
        name: "Growth",
        status: "ACTIVE",
        admin_graphql_api_shop_id: "gid://shopify/Shop/954889",
        updated_at: "2026-11-20T10:00:05-05:00",
        plan_handle: "growth",
      },
    },
  },
  { topic: "products/update", promise: "", action: productsUpdate, body: { id: 788032119674292900, title: "Serum" } },
  { topic: "products/delete", promise: "", action: productsDelete, body: { id: 788032119674292900 } },
] as const;

const SHOP_HEADERS = ["not a shop", "evil.example.com", SHOP.toUpperCase(), "lotus-skin.myshopify.com.evil.example"];

function replay(topic: string, body: unknown, shopHeader: string): Request {
  const raw = JSON.stringify(body);
  return new Request(`https://scanshield.test/webhooks/${topic}`, {
    method: "POST",
    body: raw,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": topic,
      "x-shopify-hmac-sha256": webhookHmac(raw),
      "x-shopify-shop-domain": shopHeader,
      "x-shopify-webhook-id": randomUUID(),
      "x-shopify-event-id": randomUUID(),
      "x-shopify-api-version": "2026-10",
      "x-shopify-triggered-at": new Date().toISOString(),
    },
  });
}

describe("a genuine webhook body replayed under a shop header that is no shop domain", () => {
  const database = useDatabase("sqlite", { app: true });
  useFakeShopify();

  it.each(
    ROUTES.flatMap((route) => SHOP_HEADERS.map((header) => [route.promise, route.topic, header, route] as const)),
  )(
    "%s%s with X-Shopify-Shop-Domain %j is a 400 invalid_shop that writes nothing",
    async (_promise, _topic, header, route) => {
      await storeOfflineSession(database.client, SHOP);
      const response = await route.action({
        request: replay(route.topic, route.body, header),
        params: {},
        context: {},
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: "invalid_shop", message: "The X-Shopify-Shop-Domain header is not a shop domain." },
      });
      expect(await database.client.shopPlan.count()).toBe(0);
      expect(await database.client.product.count()).toBe(0);
      expect(await database.client.job.count()).toBe(0);
    },
  );
});
