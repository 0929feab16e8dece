import { randomBytes } from "node:crypto";
import { action as consents } from "../../app/routes/proxy.consents";
import { action as withdraw } from "../../app/routes/proxy.consents.$id.withdraw";
import { action as eraseAll, loader as myData } from "../../app/routes/proxy.my-data";
import { action as rightsRequest } from "../../app/routes/proxy.requests";
import { action as scans } from "../../app/routes/proxy.scans";
import { action as deleteScan, loader as readScan } from "../../app/routes/proxy.scans.$id";
import { appProxyUrl, SHOP } from "./shopify";

/**
 * A logged-in shopper through the real proxy routes, with requests signed as Shopify signs them:
 * consent to skin analysis (notice version 1), then one scan of `photo` with the scan token.
 */
export async function consentAndScan(options: { photo: Uint8Array; customerId: string; forwardedFor: string }) {
  const { customerId } = options;
  const network = { "x-forwarded-for": options.forwardedFor };
  const given = await (
    await consents({
      request: new Request(appProxyUrl("/consents", {}, { customerId }), {
        method: "POST",
        headers: { "content-type": "application/json", ...network },
        body: JSON.stringify({ noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"] }),
      }),
      params: {},
      context: {},
    })
  ).json();
  const response = await scans({
    request: new Request(appProxyUrl("/scans", {}, { customerId }), {
      method: "POST",
      headers: { "content-type": "image/jpeg", "x-scan-token": given.scanToken, ...network },
      body: new Uint8Array(options.photo),
    }),
    params: {},
    context: {},
  });
  return { response, body: await response.json() };
}

/** A subject secret as the widget makes it: 32 random bytes, base64url (43 characters). */
export const newSubjectSecret = () => randomBytes(32).toString("base64url");

/** What an anonymous shopper sends as proof (headers on GET/DELETE, the JSON body on POST). */
export interface Proof {
  subjectId?: string;
  receipt?: string;
}

/** One storefront call to a proxy route, signed as Shopify's app proxy signs it. */
export interface ProxyCall {
  method?: string;
  /** Sent as JSON (Content-Type: application/json is always set). */
  body?: unknown;
  /** An anonymous shopper's proof, in X-Subject-Id / X-Consent-Receipt. */
  proof?: Proof;
  /** Shopify's logged_in_customer_id for a signed-in customer. */
  customerId?: string;
  shop?: string;
  /** Query parameters besides the app proxy's own (e.g. locale). */
  query?: Record<string, string>;
}

/** The Request Shopify's app proxy would forward to the app for `path` (e.g. "/my-data"). */
export function proxyRequest(path: string, call: ProxyCall = {}): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (call.proof?.subjectId !== undefined) headers["x-subject-id"] = call.proof.subjectId;
  if (call.proof?.receipt !== undefined) headers["x-consent-receipt"] = call.proof.receipt;
  return new Request(appProxyUrl(path, call.query ?? {}, { shop: call.shop, customerId: call.customerId }), {
    method: call.method ?? "GET",
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
}

/** A route's loader/action arguments for a request (and its URL params), as Remix passes them. */
export const routeArgs = (request: Request, params: Record<string, string> = {}) => ({
  request,
  params,
  context: {},
});

/**
 * An anonymous shopper (or someone posing as one) calling the real proxy routes, signed as Shopify
 * signs them. Each call answers `{ status, body }`; the proof goes in X-Subject-Id / X-Consent-Receipt.
 */
export function storefront(shop = SHOP) {
  const signed = (path: string, init: { method: string; proof?: Proof; body?: unknown }) =>
    proxyRequest(path, { ...init, shop });
  const answer = async (response: Response) => ({ status: response.status, body: await response.json() });
  const args = routeArgs;
  return {
    consent: async (subjectId: string, purposes = ["skin_analysis"]) =>
      answer(
        await consents(
          args(
            signed("/consents", {
              method: "POST",
              body: { noticeVersion: 1, locale: "en", ageConfirmed: true, purposes, subjectId },
            }),
          ),
        ),
      ),
    withdraw: async (consentId: string, proof: Proof) =>
      answer(
        await withdraw(
          args(signed(`/consents/${consentId}/withdraw`, { method: "POST", body: proof }), { id: consentId }),
        ),
      ),
    myData: async (proof: Proof) => answer(await myData(args(signed("/my-data", { method: "GET", proof })))),
    eraseAll: async (proof: Proof) => answer(await eraseAll(args(signed("/my-data", { method: "DELETE", proof })))),
    readScan: async (id: string, proof: Proof) =>
      answer(await readScan(args(signed(`/scans/${id}`, { method: "GET", proof }), { id }))),
    deleteScan: async (id: string, proof: Proof) =>
      answer(await deleteScan(args(signed(`/scans/${id}`, { method: "DELETE", proof }), { id }))),
    request: async (body: Record<string, unknown>) =>
      answer(await rightsRequest(args(signed("/requests", { method: "POST", body })))),
  };
}
