import { database } from "../db.server";
import type { Db } from "../db/client.server";
import { clientNetwork } from "../http/client-network.server";
import { errorResponseFor } from "../http/errors";
import { InvalidShopError } from "@shopify/shopify-api";
import { DomainError } from "../domain-error";
import { BODY_LIMITS } from "../http/body-limits";
import { errorResponse, readBodyLimited } from "../http/responses";
import { noteStorefrontRequest } from "../insights/storefront.server";
import { authenticate } from "../shopify.server";
import { z } from "zod";
import { logRequest, routePattern } from "./request-log.server";

/**
 * The edge of every /proxy route (Shopify's app proxy): the signature is checked first
 * (authenticate.public.appProxy, 400 when wrong, nothing touched), then the route's work runs with
 * the shop and, for a logged-in shopper, Shopify's customer id. Works with or without an offline
 * session for the shop. The domain's typed errors thrown by the work become 4xx answers here.
 */
export interface ProxyContext {
  shop: string;
  /** Shopify's logged_in_customer_id, or null for an anonymous shopper. */
  customerId: string | null;
  /**
   * The client's network (keyed hash of its /24 or /48, P7, P15), worked out once per request from
   * TRUSTED_PROXY_HOPS (app/http/client-network.server.ts); null only when no address is known.
   */
  network: string | null;
  url: URL;
  db: Db;
}

export async function handleProxy(
  request: Request,
  work: (context: ProxyContext) => Promise<Response>,
): Promise<Response> {
  // Shopify's library refuses a repeated shop, timestamp or signature. A repeated customer id would
  // pass it (signed as "a,b") while the app read only the first, so it is refused the same way.
  if (new URL(request.url).searchParams.getAll("logged_in_customer_id").length > 1)
    return errorResponse(400, "invalid_signature", "This request was not signed by Shopify's app proxy.");
  try {
    await authenticate.public.appProxy(request);
  } catch (error) {
    if (error instanceof Response) {
      return errorResponse(400, "invalid_signature", "This request was not signed by Shopify's app proxy.");
    }
    // A valid signature over a `shop` that is no shop domain: the library refuses it once it looks
    // for that shop's session.
    if (error instanceof InvalidShopError) return errorResponse(400, "invalid_shop", "The shop is not a shop domain.");
    throw error;
  }
  const started = performance.now();
  const url = new URL(request.url);
  const shop = url.searchParams.get("shop") ?? "";
  const customerId = url.searchParams.get("logged_in_customer_id") || null;
  const db = await database();
  // The setup checklist's "block added": the storefront's own signed traffic (once per shop).
  await noteStorefrontRequest(db.client, shop);
  let response: Response;
  try {
    response = await work({ shop, customerId, network: clientNetwork(request.headers), url, db: db.client });
  } catch (error) {
    response = errorResponseFor(error);
  }
  logRequest(db, {
    shop,
    route: routePattern(url.pathname),
    method: request.method,
    status: response.status,
    durationMs: Math.round(performance.now() - started),
  });
  return response;
}

/**
 * A route's missing loader or action: without it Remix answers an unsupported method in its own
 * shape; with it the answer is the API's error shape, after the signature check like every other.
 */
export const onlyMethods =
  (allowed: string) =>
  ({ request }: { request: Request }) =>
    handleProxy(request, async () => errorResponse(405, "method_not_allowed", `Use ${allowed}.`, { allow: allowed }));

/** A body that failed its zod schema: 400 naming the fields (never echoing their values). */
export function invalidFields(code: string, issues: readonly { path: (string | number)[] }[]): Response {
  const fields = [...new Set(issues.map((i) => i.path.join(".") || "body"))].join(", ");
  return errorResponse(400, code, `Check these fields: ${fields}.`);
}

/**
 * A small JSON body, parsed; anything else is a clear 4xx. Only `application/json` is read: a plain
 * HTML form on another site can post `text/plain` (no preflight) to a logged-in customer's storefront,
 * but cannot send this type, so a state-changing route cannot be driven from such a form (415).
 */
export async function readJsonBody(request: Request, limit: number = BODY_LIMITS.proxyJson): Promise<unknown> {
  if (request.method !== "POST") throw new DomainError(405, "method_not_allowed", "Use POST.");
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    throw new DomainError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const bytes = await readBodyLimited(request, limit);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new DomainError(400, "invalid_json", "The body is not valid JSON.");
  }
}

// BCP 47-ish: "en", "hi", "hi-IN", "zh-Hant-TW". Anything else is refused, not guessed at.
const localeQuery = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/)
  .optional();

/** The `?locale=` a storefront call asks for (undefined when absent); 400 invalid_locale when it is no language tag. */
export function requestedLocale(url: URL): string | undefined {
  const parsed = localeQuery.safeParse(url.searchParams.get("locale") ?? undefined);
  if (!parsed.success)
    throw new DomainError(400, "invalid_locale", "locale must be a language tag such as en or hi-IN.");
  return parsed.data;
}
