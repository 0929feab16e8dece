import type { LoaderFunctionArgs } from "@remix-run/node";
import { getJwt, RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { SHOP, TEST_SECRET } from "./shopify";

/**
 * Requests as the embedded admin sends them: a page load carries App Bridge's session token in
 * `id_token` (RequestType.Admin), a fetch or form post carries it as `Authorization: Bearer`
 * (RequestType.Bearer). Tokens are real HS256 JWTs signed with the app's secret by Shopify's own
 * test helpers, so authenticate.admin verifies them exactly as in production.
 */
export const API_KEY = process.env.SHOPIFY_API_KEY ?? "test-api-key";
const APP = "https://scanshield.test";

export interface AdminRequestOptions {
  shop?: string;
  method?: string;
  json?: unknown;
  form?: Record<string, string>;
  /** Signs with another secret: a forged token. */
  secret?: string;
  /** Replaces the token entirely (e.g. an expired one). */
  token?: string;
}

export async function adminRequest(path: string, options: AdminRequestOptions = {}): Promise<Request> {
  const method = options.method ?? (options.json || options.form ? "POST" : "GET");
  const headers = new Headers();
  let body: string | undefined;
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(options.form).toString();
  }
  const base = new Request(`${APP}${path}`, { method, headers, body });
  const signed = await setUpValidRequest(
    {
      type: method === "GET" ? RequestType.Admin : RequestType.Bearer,
      // The helpers take the store's name and add ".myshopify.com" themselves.
      store: storeName(options.shop ?? SHOP),
      apiKey: API_KEY,
      apiSecretKey: options.secret ?? TEST_SECRET,
    },
    base,
  );
  if (!options.token) return signed;
  const url = new URL(signed.url);
  if (url.searchParams.has("id_token")) url.searchParams.set("id_token", options.token);
  const replaced = new Request(url, signed);
  if (replaced.headers.has("authorization")) replaced.headers.set("authorization", `Bearer ${options.token}`);
  return replaced;
}

const storeName = (shop: string) => shop.replace(/\.myshopify\.com$/, "");

/** A session token that expired an hour ago, signed correctly. */
export async function expiredToken(shop = SHOP): Promise<string> {
  const now = Date.now() / 1000;
  const { token } = await getJwt(storeName(shop), API_KEY, TEST_SECRET, {
    exp: now - 3600,
    nbf: now - 7200,
    iat: now - 7200,
  });
  return token;
}

/** Calls a Remix loader or action the way Remix does. */
export async function call<T>(
  fn: (args: LoaderFunctionArgs) => Promise<T> | T,
  request: Request,
  params: Record<string, string> = {},
): Promise<T> {
  return fn({ request, params, context: {} });
}

/** Runs a loader that may throw a Response (the library's redirects and 401s), returning it either way. */
export async function callForResponse(
  fn: (args: LoaderFunctionArgs) => Promise<unknown>,
  request: Request,
  params: Record<string, string> = {},
): Promise<Response | unknown> {
  try {
    return await fn({ request, params, context: {} });
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}
