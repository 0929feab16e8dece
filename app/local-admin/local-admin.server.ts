import { Session } from "@shopify/shopify-app-remix/server";
import { DomainError } from "../domain-error";
import { env } from "../env.server";
import { addressClass } from "../http/address-class";
import { errorResponseFor } from "../http/errors";
import { parseAddress, formatAddress, PEER_ADDRESS_HEADER } from "../http/client-address";
import { onShopInstalled } from "../privacy/shop-lifecycle.server";
import { sessionStorage } from "../shopify.server";
import { signSessionToken } from "./session-token";

/**
 * The local admin (development only, LOCAL_ADMIN=true): what Shopify's admin does for an embedded
 * app, done by the app itself for the made-up preview shop, so a newcomer sees the real Polaris admin
 * on 127.0.0.1 with no Shopify account. It stores an offline session for PREVIEW_SHOP (as the
 * token exchange would after an install) and hands the browser session tokens signed with the app's
 * secret exactly as Shopify signs them, so every admin route authenticates through the same
 * `authenticate.admin` it uses in production. Nothing here is reachable unless LOCAL_ADMIN is set,
 * which env.server.ts refuses in production and with an app URL that is not on this machine.
 */

/** The script the admin layout loads instead of App Bridge from Shopify's CDN (app/local-admin/app-bridge.js). */
export const LOCAL_APP_BRIDGE_PATH = "/dev/app-bridge.js";
/** Where the browser gets a fresh session token, as App Bridge's `shopify.idToken()` does from the admin. */
export const LOCAL_SESSION_TOKEN_PATH = "/dev/session-token";
/** The staff member the local tokens speak for (Shopify's user ids are numbers). */
const LOCAL_STAFF_ID = "1";
/** The offline session's access token: there is no Shopify behind it, so Admin API calls cannot succeed. */
const NO_ADMIN_API = "local-admin-has-no-admin-api-access";

export class LocalAdminError extends DomainError {}

export const localAdminEnabled = (): boolean => env().LOCAL_ADMIN;

/** The App Bridge script for the admin layout: the local stand-in when the local admin is on, else Shopify's. */
export const appBridgeScript = (): string | undefined => (localAdminEnabled() ? LOCAL_APP_BRIDGE_PATH : undefined);

/**
 * Refuses a request the local admin must not answer: 404 when it is off (as if it did not exist), and
 * 403 from anywhere but this machine (the socket's peer, which server.mjs writes on every request).
 */
export function assertLocalRequest(request: Request): void {
  if (!localAdminEnabled()) throw new LocalAdminError(404, "not_found", "There is no such page.");
  if (!fromThisMachine(request)) {
    throw new LocalAdminError(403, "local_only", "The local admin only answers on the machine it runs on.");
  }
}

/**
 * From this machine, and addressed to it by a loopback name. The peer alone is not enough: a web page
 * the developer opens can point its own domain name at 127.0.0.1 (DNS rebinding) and then read these
 * routes as same-origin, from a loopback peer; such a request still carries that domain as its Host
 * (which server.mjs builds request.url from).
 */
function fromThisMachine(request: Request): boolean {
  const peer = parseAddress(request.headers.get(PEER_ADDRESS_HEADER));
  if (peer === null || addressClass(formatAddress(peer)) !== "loopback") return false;
  const host = new URL(request.url).hostname;
  const named = parseAddress(host);
  return host === "localhost" || (named !== null && addressClass(formatAddress(named)) === "loopback");
}

/** A session token for the preview shop, valid for a minute. */
export function previewSessionToken(now = Date.now()): string {
  const config = env();
  return signSessionToken({
    shop: config.PREVIEW_SHOP,
    apiKey: config.SHOPIFY_API_KEY,
    apiSecret: config.SHOPIFY_API_SECRET,
    userId: LOCAL_STAFF_ID,
    now,
  });
}

/** The parameters Shopify's admin opens an embedded app's URL with (host: the admin's address, base64). */
function embeddedParams(): URLSearchParams {
  const shop = env().PREVIEW_SHOP;
  const host = Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64");
  return new URLSearchParams({ embedded: "1", shop, host });
}

const ADMIN_PATH = /^\/app(\/[A-Za-z0-9._~\-/]*)?$/;

/**
 * Signs the preview shop in: its offline session is stored (as after an install, with the same
 * after-install step), and the answer is the admin page to open, with the parameters and session
 * token Shopify's admin would put on it. `path` picks an admin page; anything else opens the dashboard.
 */
export async function signInPreviewShop(path: string | null): Promise<string> {
  const config = env();
  const shop = config.PREVIEW_SHOP;
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${shop}`,
      shop,
      state: "local-admin",
      isOnline: false,
      scope: config.SCOPES,
      accessToken: NO_ADMIN_API,
    }),
  );
  await onShopInstalled(shop);
  // No dot segments: "/app/../x" would leave the admin.
  const target = path && ADMIN_PATH.test(path) && !path.split("/").some((s) => s === "." || s === "..") ? path : "/app";
  const params = embeddedParams();
  params.set("id_token", previewSessionToken());
  return `${target}?${params}`;
}

/**
 * The bounce page (/auth/session-token), done locally: Shopify's library answers it with a page that
 * loads App Bridge, which fetches a session token and reloads `shopify-reload` with it. Here the
 * server does the same at once. Only for the preview shop and for a page of this app; null otherwise,
 * and the library answers as usual.
 */
export function localBounce(request: Request): string | null {
  if (!localAdminEnabled() || !fromThisMachine(request)) return null;
  const url = new URL(request.url);
  if (url.searchParams.get("shop") !== env().PREVIEW_SHOP) return null;
  let reload: URL;
  try {
    reload = new URL(url.searchParams.get("shopify-reload") ?? "");
  } catch {
    return null;
  }
  if (reload.origin !== new URL(env().SHOPIFY_APP_URL).origin || !ADMIN_PATH.test(reload.pathname)) return null;
  reload.searchParams.set("id_token", previewSessionToken());
  return `${reload.pathname}?${reload.searchParams}`;
}

/** The edge of the local admin's routes: refused (404 when off, 403 from elsewhere) before any work. */
export async function localAdminEdge(request: Request, work: () => Promise<Response> | Response): Promise<Response> {
  try {
    assertLocalRequest(request);
    const response = await work();
    response.headers.set("Cache-Control", "no-store");
    return response;
  } catch (error) {
    return errorResponseFor(error);
  }
}

/**
 * Where a visit to the app's front door (`/`, or the login page Shopify's library sends an admin page
 * without its parameters to) goes in the local admin: to /dev/admin, which signs the preview shop in.
 * Null when the local admin is off.
 */
export const localAdminEntry = (): string | null => (localAdminEnabled() ? "/dev/admin" : null);
