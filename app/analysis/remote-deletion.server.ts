import { remoteDeletionKeyContext, shopApiKeyContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import type { Db, DbOrTx } from "../db/client.server";
import { env } from "../env.server";
import { describeError, logger } from "../logger.server";
import { endpointGuard, endpointRefusal, type EndpointGuard } from "./endpoint-guard.server";

/**
 * Erasure reaches the analysis API too (P11): analyses it still holds are deleted with
 * DELETE {url}/v1/analyses/{id}. Local data is erased at once; what is owed to the vendor waits in
 * the RemoteDeletion outbox, with the bearer key sealed beside it because the shop's settings may
 * be erased before the vendor answers.
 */

export interface RemoteAnalysisRef {
  remoteApiUrl: string | null;
  remoteAnalysisId: string | null;
}

/** The bearer key for `apiUrl` as this shop would use it: the shop's own, else the environment's. */
async function bearerKeyFor(db: DbOrTx, keyring: Keyring, shop: string, apiUrl: string): Promise<string | null> {
  const settings = await db.shop.findUnique({
    where: { shop },
    select: { analysisApiUrl: true, analysisApiKeyCiphertext: true },
  });
  if (settings?.analysisApiUrl === apiUrl && settings.analysisApiKeyCiphertext) {
    return keyring.openText(settings.analysisApiKeyCiphertext, shopApiKeyContext(shop));
  }
  const e = env();
  return e.ANALYSIS_API_URL === apiUrl ? (e.ANALYSIS_API_KEY ?? null) : null;
}

/**
 * The outbox writes for the remote analyses among `refs`, not yet run: put them in the batch
 * transaction that erases the local rows, so neither happens without the other.
 */
export async function remoteDeletionWrites(db: DbOrTx, keyring: Keyring, shop: string, refs: RemoteAnalysisRef[]) {
  const keys = new Map<string, { keyId: string; envelope: Buffer } | null>();
  const writes = [];
  for (const ref of refs) {
    if (!ref.remoteApiUrl || !ref.remoteAnalysisId) continue;
    if (!keys.has(ref.remoteApiUrl)) {
      const key = await bearerKeyFor(db, keyring, shop, ref.remoteApiUrl);
      keys.set(ref.remoteApiUrl, key ? keyring.seal(key, remoteDeletionKeyContext(ref.remoteApiUrl)) : null);
    }
    const sealed = keys.get(ref.remoteApiUrl);
    writes.push(
      db.remoteDeletion.upsert({
        where: { apiUrl_remoteAnalysisId: { apiUrl: ref.remoteApiUrl, remoteAnalysisId: ref.remoteAnalysisId } },
        create: {
          apiUrl: ref.remoteApiUrl,
          remoteAnalysisId: ref.remoteAnalysisId,
          apiKeyKeyId: sealed?.keyId ?? null,
          apiKeyCiphertext: sealed ? new Uint8Array(sealed.envelope) : null,
        },
        // Not `{}`: Prisma emulates an upsert with an empty update as a read then a write, which SQLite
        // in WAL mode fails at once ("database is locked") when another connection wrote in between;
        // a non-empty update is one INSERT … ON CONFLICT. Re-queuing keeps the first sealed key.
        update: { apiUrl: ref.remoteApiUrl },
      }),
    );
  }
  return writes;
}

/** Adds outbox rows for the remote analyses among `refs`; call inside the erasing transaction. */
export async function queueRemoteDeletions(
  db: DbOrTx,
  keyring: Keyring,
  shop: string,
  refs: RemoteAnalysisRef[],
): Promise<number> {
  const writes = await remoteDeletionWrites(db, keyring, shop, refs);
  for (const write of writes) await write;
  return writes.length;
}

export class RemoteDeletionPendingError extends Error {
  override name = "RemoteDeletionPendingError";
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * Sends every owed DELETE. 2xx and 404 (already gone) clear the row; anything else stays for the
 * next attempt, and the job fails so the queue retries it with backoff. The DELETE carries the
 * bearer key, so a redirect is never followed, and a URL that is not the operator's ANALYSIS_API_URL
 * (so a merchant's, P16) is reached only where the endpoint guard allows.
 */
export async function drainRemoteDeletions(
  db: Db,
  keyring: Keyring,
  options: { fetch?: typeof fetch; timeoutMs?: number; signal?: AbortSignal; guard?: EndpointGuard } = {},
): Promise<{ deleted: number; pending: number }> {
  const doFetch = options.fetch ?? fetch;
  const operatorUrl = env().ANALYSIS_API_URL;
  const trusted = (apiUrl: string) =>
    operatorUrl !== undefined && withoutTrailingSlash(apiUrl) === withoutTrailingSlash(operatorUrl);
  const rows = await db.remoteDeletion.findMany({ orderBy: { createdAt: "asc" }, take: 500 });
  let deleted = 0;
  for (const row of rows) {
    if (options.signal?.aborted) break;
    const url = `${withoutTrailingSlash(row.apiUrl)}/v1/analyses/${encodeURIComponent(row.remoteAnalysisId)}`;
    try {
      const headers: Record<string, string> = { "X-Request-Id": crypto.randomUUID() };
      if (row.apiKeyCiphertext) {
        headers.Authorization = `Bearer ${keyring.openText(row.apiKeyCiphertext, remoteDeletionKeyContext(row.apiUrl))}`;
      }
      const guard = trusted(row.apiUrl) ? undefined : (options.guard ?? endpointGuard());
      const response = await doFetch(url, {
        method: "DELETE",
        headers,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        redirect: "manual",
        // Node's fetch takes an undici dispatcher; the DOM's RequestInit type does not know it.
        ...(guard ? ({ dispatcher: guard.dispatcher } as RequestInit) : {}),
      });
      if (response.ok || response.status === 404) {
        await db.remoteDeletion.delete({ where: { id: row.id } });
        deleted++;
        continue;
      }
      throw new Error(`analysis API answered ${response.status}`);
    } catch (error) {
      await db.remoteDeletion.update({
        where: { id: row.id },
        data: { attempts: { increment: 1 }, lastError: describeError(endpointRefusal(error) ?? error) },
      });
      logger.warn("remote deletion failed", {
        deletionId: row.id,
        error: describeError(endpointRefusal(error) ?? error),
      });
    }
  }
  const pending = await db.remoteDeletion.count();
  if (pending > 0 && deleted < rows.length) {
    throw new RemoteDeletionPendingError(`${pending} remote deletion(s) still owed; will retry`);
  }
  return { deleted, pending };
}
