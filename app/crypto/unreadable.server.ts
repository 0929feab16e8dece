import { logger } from "../logger.server";
import { DecryptionError, UnknownKeyError, type Keyring } from "./keyring";

/**
 * Opening sealed data that may have become unreadable: its key was removed from ENCRYPTION_KEYS (a
 * key retired before `npm run keys:rotate` re-sealed everything under the new one), or the row was
 * damaged. That is an operator's problem, not the shopper's and not a bug in the request: the caller
 * gets `undefined` and answers without the value (a clear 410, an export with a note), and the
 * operator gets one log line naming the table and the key id, so they know which key to put back.
 * Never the value, the row's owner or anything personal (P14).
 */
export type UnreadableReason = "unknown_key" | "failed_authentication";

export interface SealedRow {
  shop: string;
  /** The table the envelope is stored in, e.g. "StoredImage". */
  table: string;
}

export function openOrReport(
  keyring: Keyring,
  envelope: Uint8Array,
  context: string,
  where: SealedRow,
): Buffer | undefined {
  try {
    return keyring.open(envelope, context);
  } catch (error) {
    if (!(error instanceof UnknownKeyError || error instanceof DecryptionError)) throw error;
    const reason: UnreadableReason = error instanceof UnknownKeyError ? "unknown_key" : "failed_authentication";
    logger.warn("sealed data unreadable", {
      shop: where.shop,
      table: where.table,
      keyId: keyIdOf(keyring, envelope),
      reason,
    });
    return undefined;
  }
}

/** The envelope's key id when its header holds one (a damaged row's bytes are not logged), else null. */
function keyIdOf(keyring: Keyring, envelope: Uint8Array): string | null {
  try {
    const keyId = keyring.keyIdOf(envelope);
    return /^[A-Za-z0-9_-]{1,32}$/.test(keyId) ? keyId : null;
  } catch {
    return null;
  }
}
