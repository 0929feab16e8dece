import { createHmac } from "node:crypto";
import { env, type Env } from "../env.server";
import { createKeyring, parseKeys, type Keyring } from "./keyring";

/**
 * The process keyring and keyed pseudonyms, built from the validated environment (P7, P14).
 * Key material never leaves this module except inside the Keyring it returns.
 */

let cached: { source: Env; keyring: Keyring } | undefined;

/**
 * The keyring for ENCRYPTION_KEYS / ENCRYPTION_ACTIVE_KEY_ID, built once. Rebuilt only when the
 * environment was re-parsed (tests call resetEnvForTests), so it never disagrees with env().
 */
export function appKeyring(): Keyring {
  const source = env();
  if (cached?.source !== source) {
    cached = { source, keyring: createKeyring(parseKeys(source.ENCRYPTION_KEYS), source.ENCRYPTION_ACTIVE_KEY_ID) };
  }
  return cached.keyring;
}

export class PseudonymPurposeError extends Error {
  override name = "PseudonymPurposeError";
}

const PURPOSE_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * A keyed, one-way digest of `value` for one purpose (e.g. "network-hint", "subject-digest"):
 * HMAC-SHA256 with PSEUDONYM_KEY over `${purpose}\0${value}`, as hex. The purpose separates
 * uses, so the same value gives unrelated digests in different places; without the key a
 * digest cannot be reversed or recomputed from a guessed value.
 */
export function pseudonymise(purpose: string, value: string): string {
  // The purpose is a constant chosen by code; restricting it keeps the NUL separator unambiguous.
  if (!PURPOSE_PATTERN.test(purpose)) {
    throw new PseudonymPurposeError('A pseudonym purpose must be 1-64 lowercase letters, digits, ".", "_" or "-".');
  }
  return createHmac("sha256", env().PSEUDONYM_KEY).update(`${purpose}\u0000${value}`, "utf8").digest("hex");
}
