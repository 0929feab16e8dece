import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookType } from "@shopify/shopify-api";
import { env } from "../env.server";
import type { authenticate } from "../shopify.server";

type WebhookContext = Awaited<ReturnType<typeof authenticate.webhook>>;

const refuse = (status: number) => new Response(undefined, { status });

/**
 * `authenticate.webhook` for the topics that never call the Admin API (the compliance topics and
 * app/uninstalled): the same checks in the same order (a body, then Shopify's base64 HMAC-SHA256 of
 * the raw bytes keyed with the app's secret, then the delivery headers), the same refusals (thrown
 * `Response`s: 405, 400, 401), the same context, but without loading and decrypting the shop's
 * offline session. That load was the largest part of an acknowledgement's cost under a burst
 * (docs/decisions/0008-webhook-group-commit.md), and a session that cannot be opened must not turn a
 * compliance delivery into a 500.
 */
export async function authenticateWithoutSession(request: Request): Promise<WebhookContext> {
  if (request.method !== "POST") throw refuse(405);
  const raw = Buffer.from(await request.arrayBuffer());
  const given = request.headers.get("x-shopify-hmac-sha256");
  if (raw.length === 0 || !given) throw refuse(400);
  // Compared as text, as the library does: the header must be exactly the base64 digest.
  const expected = Buffer.from(createHmac("sha256", env().SHOPIFY_API_SECRET).update(raw).digest("base64"));
  const received = Buffer.from(given);
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) throw refuse(401);

  const header = (name: string) => request.headers.get(name) ?? undefined;
  const topic = header("x-shopify-topic");
  const shop = header("x-shopify-shop-domain");
  const apiVersion = header("x-shopify-api-version");
  const webhookId = header("x-shopify-webhook-id");
  if (!topic || !shop || !apiVersion || !webhookId) throw refuse(400);
  return {
    apiVersion,
    shop,
    // The library's topic key: "customers/redact" → "CUSTOMERS_REDACT".
    topic: topic.toUpperCase().replace(/\/|\./g, "_"),
    webhookId,
    // A SyntaxError here is the caller's invalid_json, as with the library.
    payload: JSON.parse(raw.toString("utf8")) as Record<string, unknown>,
    webhookType: WebhookType.Webhooks,
    name: header("x-shopify-name"),
    triggeredAt: header("x-shopify-triggered-at"),
    eventId: header("x-shopify-event-id"),
    session: undefined,
    admin: undefined,
  };
}
