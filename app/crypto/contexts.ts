/**
 * Associated-data contexts for every encrypted column (P14), in one place. A context binds a
 * ciphertext to the row and column it was written to, so a value copied elsewhere fails to
 * decrypt. Each column has its own prefix: changing one silently makes existing data unreadable,
 * so treat these strings as part of the stored format.
 */

export class EncryptionContextError extends Error {
  override name = "EncryptionContextError";
}

function context(prefix: string, id: string): string {
  // An empty id would give every such row the same context and undo the binding.
  if (id.length === 0) throw new EncryptionContextError(`An encryption context for "${prefix}" needs a non-empty id.`);
  return `${prefix}:${id}`;
}

/** StoredImage.ciphertext, bound to its scan (one image per scan). */
export const imageContext = (scanId: string): string => context("image", scanId);

/** DataExport.ciphertext. */
export const exportContext = (exportId: string): string => context("export", exportId);

/** PrivacyRequest.detailsCiphertext. */
export const requestDetailsContext = (requestId: string): string => context("request-details", requestId);

/** Shop.analysisApiKeyCiphertext, bound to the shop domain. */
export const shopApiKeyContext = (shop: string): string => context("shop-api-key", shop);

export type SessionTokenKind = "access" | "refresh";

/**
 * Session.accessToken / Session.refreshToken. The kind is part of the context so a refresh
 * token cannot be swapped into the access-token column (or back) and still decrypt.
 */
export const sessionTokenContext = (sessionId: string, kind: SessionTokenKind = "access"): string =>
  context(`session-${kind}-token`, sessionId);

/** RemoteDeletion.apiKeyCiphertext: the vendor key, bound to the API URL it authenticates to. */
export const remoteDeletionKeyContext = (apiUrl: string): string => context("remote-deletion-key", apiUrl);
