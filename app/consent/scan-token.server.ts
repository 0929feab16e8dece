import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { env } from "../env.server";

/**
 * The short-lived token a consent yields (P6): it binds shop, consent and subject, and expires.
 * HMAC-signed with a key derived from PSEUDONYM_KEY (its own purpose label, so neither value can
 * stand in for the other). Not a session: it carries ids only, and the server re-checks the consent.
 */
export const SCAN_TOKEN_TTL_MS = 15 * 60_000;

export interface ScanTokenClaims {
  shop: string;
  consentId: string;
  subjectId: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

const key = () => createHash("sha256").update(`scan-token\u0000${env().PSEUDONYM_KEY}`).digest();
const sign = (body: string) => createHmac("sha256", key()).update(body).digest("base64url");

export function issueScanToken(
  claims: Omit<ScanTokenClaims, "exp">,
  now = Date.now(),
): { token: string; expiresAt: Date } {
  const exp = now + SCAN_TOKEN_TTL_MS;
  const body = Buffer.from(JSON.stringify({ ...claims, exp })).toString("base64url");
  return { token: `${body}.${sign(body)}`, expiresAt: new Date(exp) };
}

export type TokenCheck =
  | { ok: true; claims: ScanTokenClaims }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" | "wrong_shop" };

export function verifyScanToken(token: string, shop: string, now = Date.now()): TokenCheck {
  const [body, mac, extra] = token.split(".");
  if (!body || !mac || extra !== undefined || token.length > 1024) return { ok: false, reason: "malformed" };
  const expected = Buffer.from(sign(body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "bad_signature" };
  let claims: ScanTokenClaims;
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as ScanTokenClaims;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims.exp !== "number" || claims.exp <= now) return { ok: false, reason: "expired" };
  if (claims.shop !== shop) return { ok: false, reason: "wrong_shop" };
  return { ok: true, claims };
}
