import { InvalidShopError } from "@shopify/shopify-api";
import { pseudonymise } from "../crypto/keyring.server";
import { database } from "../db.server";
import { DomainError } from "../domain-error";
import { BODY_LIMITS } from "../http/body-limits";
import { errorResponseFor } from "../http/errors";
import { readBodyLimited } from "../http/responses";
import { describeError, logger } from "../logger.server";
import { acceptDelivery } from "../privacy/compliance.server";
import type { WebhookTopic } from "../privacy/webhook-payloads";
import { authenticate } from "../shopify.server";
import { authenticateWithoutSession } from "./signature.server";

/** Shopify's compliance payloads are a few hundred bytes; 256 KiB leaves room for any app topic. */
export const WEBHOOK_BODY_LIMIT = BODY_LIMITS.webhook;

export const subjectDigest = (shop: string, customerId: string) =>
  pseudonymise("subject", `${shop.toLowerCase()}|${customerId}`);

type WebhookContext = Awaited<ReturnType<typeof authenticate.webhook>>;

/**
 * Topics whose handling never calls the Admin API: verified without loading the shop's offline
 * session, which was most of an acknowledgement's cost in a burst (docs/decisions/0008).
 */
const WITHOUT_SESSION = new Set<string>([
  "CUSTOMERS_DATA_REQUEST",
  "CUSTOMERS_REDACT",
  "SHOP_REDACT",
  "APP_UNINSTALLED",
]);

// What the library's refusals mean, in the API's words.
const REFUSALS: Record<number, [string, string]> = {
  401: ["invalid_hmac", "The X-Shopify-Hmac-Sha256 signature does not match the body."],
  400: ["missing_headers", "Required X-Shopify-* webhook headers are missing or invalid."],
  405: ["method_not_allowed", "Webhooks are POST requests."],
};

/**
 * The checks every webhook route makes before any work: POST, the size limit (413) before anything
 * reads the body, Shopify's HMAC over the raw bytes (401; 400 for missing headers), JSON, and the topic
 * the route handles. Throws a DomainError for each refusal; nothing has been written by then.
 */
export async function verifiedWebhook(request: Request, expected: string): Promise<WebhookContext> {
  if (request.method !== "POST") throw new DomainError(405, "method_not_allowed", "Webhooks are POST requests.");
  const body = await readBodyLimited(request, WEBHOOK_BODY_LIMIT);
  // The library reads the body itself to check the HMAC, so it gets a fresh copy of the bytes.
  const copy = new Request(request.url, { method: "POST", headers: request.headers, body });
  let context: WebhookContext;
  try {
    context = await (WITHOUT_SESSION.has(expected) ? authenticateWithoutSession : authenticate.webhook)(copy);
  } catch (error) {
    if (error instanceof Response) {
      const [code, message] = REFUSALS[error.status] ?? ["rejected", "The webhook was rejected."];
      throw new DomainError(error.status, code, message);
    }
    // The HMAC was valid (the library checks it before parsing) but the body is not JSON.
    if (error instanceof SyntaxError) throw new DomainError(400, "invalid_json", "The webhook body is not valid JSON.");
    // The HMAC covers the body only: a genuine body replayed with an X-Shopify-Shop-Domain that is no
    // shop domain passes it, and the library refuses the header once it looks for that shop's session.
    if (error instanceof InvalidShopError) {
      throw new DomainError(400, "invalid_shop", "The X-Shopify-Shop-Domain header is not a shop domain.");
    }
    throw error;
  }
  if (String(context.topic) !== expected) {
    throw new DomainError(400, "wrong_topic", `This endpoint does not handle ${String(context.topic)}.`);
  }
  return context;
}

/** A webhook route: the verified delivery, then the work; every refusal leaves through the one error exit. */
export async function webhookEdge(
  request: Request,
  expected: string,
  work: (context: WebhookContext) => Promise<Response>,
): Promise<Response> {
  try {
    return await work(await verifiedWebhook(request, expected));
  } catch (error) {
    return errorResponseFor(error);
  }
}

/**
 * The compliance topics and app/uninstalled: one transaction records the delivery and its job and the
 * answer is 200 (docs/decisions/0003-job-queue.md). Nothing is written on any 4xx.
 */
export const receiveWebhook = (request: Request, expected: WebhookTopic): Promise<Response> =>
  webhookEdge(request, expected, async (context) => {
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
      if (!(error instanceof DomainError)) {
        logger.error("webhook intake failed", { shop: context.shop, topic: expected, error: describeError(error) });
      }
      throw error;
    }
  });
