import { createHmac, randomBytes, randomUUID } from "node:crypto";

/**
 * A session token exactly as Shopify's admin hands one to an embedded app (App Bridge's `idToken()`):
 * a JWT signed HS256 with the app's API secret, for one shop and one staff member, valid for a minute.
 * `authenticate.admin` (shopify-api's decodeSessionToken) verifies the signature, `exp`/`nbf` and that
 * `aud` is the app's API key, and reads the shop from `dest`. Only the local admin mints these.
 */
export interface SessionTokenInput {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** The staff member the token speaks for (Shopify's numeric user id). */
  userId: string;
  now?: number;
}

/** Shopify's session tokens live one minute. */
export const SESSION_TOKEN_TTL_S = 60;

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

export function signSessionToken({ shop, apiKey, apiSecret, userId, now = Date.now() }: SessionTokenInput): string {
  const iat = Math.floor(now / 1000);
  const header = { alg: "HS256", typ: "JWT" };
  const payload = {
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: apiKey,
    sub: userId,
    exp: iat + SESSION_TOKEN_TTL_S,
    nbf: iat,
    iat,
    jti: randomUUID(),
    sid: randomBytes(16).toString("hex"),
  };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac("sha256", apiSecret).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}
