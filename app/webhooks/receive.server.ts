import { pseudonymise } from "../crypto/keyring.server";
import { database } from "../db.server";
import { BodyTooLargeError, errorResponse, readBodyLimited } from "../http/responses";
import { describeError, logger } from "../logger.server";
import { acceptDelivery, WebhookPayloadError } from "../privacy/compliance.server";
import type { WebhookTopic } from "../privacy/webhook-payloads";
import { authenticate } from "../shopify.server";

/** Shopify's compliance payloads are a few hundred bytes; 256 KiB leaves room for any app topic. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

const TOPIC_PATHS: Record<WebhookTopic, string> = {
  CUSTOMERS_DATA_REQUEST: "customers/data_request",
  CUSTOMERS_REDACT: "customers/redact",
  SHOP_REDACT: "shop/redact",
  APP_UNINSTALLED: "app/uninstalled",
};

export const subjectDigest = (shop: string, customerId: string) =>
  pseudonymise("subject", `${shop.toLowerCase()}|${customerId}`);

/**
 * The HTTP edge of every webhook route: size limit (413), HMAC over the raw body by the Shopify
 * library (401; 400 for missing headers), topic and payload checks (400), then one transaction
 * records the delivery and its job and the answer is 200. Nothing is written on any 4xx.
 */
export async function receiveWebhook(request: Request, expected: WebhookTopic): Promise<Response> {
  if (request.method !== "POST") return errorResponse(405, "method_not_allowed", "Webhooks are POST requests.");
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await readBodyLimited(request, WEBHOOK_BODY_LIMIT);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      return errorResponse(413, "payload_too_large", `Webhook bodies are limited to ${WEBHOOK_BODY_LIMIT} bytes.`);
    }
    throw error;
  }
  // The library reads the body itself to check the HMAC, so it gets a fresh copy of the bytes.
  const copy = new Request(request.url, { method: "POST", headers: request.headers, body });

  let context: Awaited<ReturnType<typeof authenticate.webhook>>;
  try {
    context = await authenticate.webhook(copy);
  } catch (error) {
    if (error instanceof Response) {
      const reasons: Record<number, [string, string]> = {
        401: ["invalid_hmac", "The X-Shopify-Hmac-Sha256 signature does not match the body."],
        400: ["missing_headers", "Required X-Shopify-* webhook headers are missing or invalid."],
        405: ["method_not_allowed", "Webhooks are POST requests."],
      };
      const [code, message] = reasons[error.status] ?? ["rejected", "The webhook was rejected."];
      return errorResponse(error.status, code, message);
    }
    // The HMAC was valid (the library checks it before parsing) but the body is not JSON.
    if (error instanceof SyntaxError) return errorResponse(400, "invalid_json", "The webhook body is not valid JSON.");
    throw error;
  }

  const topic = String(context.topic);
  if (topic !== expected) {
    return errorResponse(400, "wrong_topic", `This endpoint handles ${TOPIC_PATHS[expected]} only.`);
  }

  try {
    const acceptance = await acceptDelivery(await database(), subjectDigest, {
      webhookId: context.webhookId,
      topic: expected,
      shop: context.shop,
      payload: context.payload,
    });
    logger.info("webhook accepted", { shop: context.shop, topic: expected, outcome: acceptance.outcome });
    return new Response(null, { status: 200 });
  } catch (error) {
    if (error instanceof WebhookPayloadError) return errorResponse(400, "invalid_payload", error.message);
    logger.error("webhook intake failed", { shop: context.shop, topic: expected, error: describeError(error) });
    throw error;
  }
}
