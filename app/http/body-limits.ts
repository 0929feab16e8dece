/**
 * How large a request body may be, by route: the one table behind both body guards. The HTTP
 * server (server.mjs, through entry.server's export) applies it to every request before any route
 * or authentication runs: a declared Content-Length over the limit is refused at once, and a body
 * sent without one (chunked) is counted as it arrives and refused the moment it passes the limit.
 * The routes' own reader (`readBodyLimited`) applies the same numbers again, for defence in depth
 * and for tests that call a route without the server. Pure: no Node or Remix imports.
 */
export const BODY_LIMITS = {
  /** Shopify's compliance payloads are a few hundred bytes; 256 KiB leaves room for any app topic. */
  webhook: 256 * 1024,
  /** The storefront API's JSON bodies (consents, withdrawals, requests, the quiz). */
  proxyJson: 16 * 1024,
  /** A widget event ({"event": "widget_opened"}): a few dozen bytes; nothing else belongs in it. */
  proxyEvent: 1024,
  /** A photo for a scan (the same 5 MB as the image checks' MAX_IMAGE_BYTES). */
  photo: 5 * 1024 * 1024,
  /** The admin's actions: the largest is a notice in one language, ~60 KB in a three-byte script. */
  admin: 256 * 1024,
  /** The login form: one shop domain. */
  login: 8 * 1024,
  /** Anywhere else: no other route of ours takes a body. */
  other: 16 * 1024,
} as const;

export interface BodyLimit {
  limit: number;
  /** The error code and message of the 413, in the API's error shape. */
  code: string;
  message: string;
}

const general = (limit: number): BodyLimit => ({
  limit,
  code: "payload_too_large",
  message: `Request bodies here are limited to ${limit} bytes.`,
});

/**
 * The limit for a request. Matched the way Remix matches routes (percent-decoded, any case, a
 * trailing slash ignored), so a path spelled differently cannot reach a route with a larger limit.
 */
export function bodyLimitFor(method: string, pathname: string): BodyLimit {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    path = pathname;
  }
  path = path.toLowerCase().replace(/\/+$/, "");
  if (path.startsWith("/webhooks/")) return general(BODY_LIMITS.webhook);
  if (path === "/proxy/scans" && method.toUpperCase() === "POST") {
    return { limit: BODY_LIMITS.photo, code: "image_too_large", message: "Photos are limited to 5 MB." };
  }
  if (path === "/proxy/events") return general(BODY_LIMITS.proxyEvent);
  if (path.startsWith("/proxy/")) return general(BODY_LIMITS.proxyJson);
  if (path === "/auth/login") return general(BODY_LIMITS.login);
  if (path === "/app" || path.startsWith("/app/")) return general(BODY_LIMITS.admin);
  return general(BODY_LIMITS.other);
}
