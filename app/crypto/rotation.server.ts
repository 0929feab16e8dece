import type { PrismaClient } from "@prisma/client";
import {
  exportContext,
  imageContext,
  requestDetailsContext,
  sessionTokenContext,
  remoteDeletionKeyContext,
  shopApiKeyContext,
  type SessionTokenKind,
} from "./contexts";
import type { Keyring } from "./keyring";
import { openSessionToken, sealSessionToken, sessionTokenKeyId } from "./session-storage.server";

/**
 * Key rotation (P14): re-seals every encrypted value that is not under the keyring's active key,
 * so an old key can be retired without losing data. Safe to run while the app serves traffic:
 * each row is written with a compare-and-swap on the key id *and* the exact ciphertext read, so
 * a value a request rewrote in the meantime is never overwritten with a stale plaintext. Such a
 * row is left for the next run. Restartable: progress is the data itself, so a crashed run is
 * simply run again, and a run with nothing left to do changes nothing.
 */

export const ROTATED_TABLES = [
  "StoredImage",
  "DataExport",
  "PrivacyRequest",
  "Shop",
  "RemoteDeletion",
  "Session",
] as const;
export type RotatedTable = (typeof ROTATED_TABLES)[number];

export interface RotationOptions {
  /** Rows read per query; bounds memory (images are the large ones). */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 50;

/** A stored value could not be read, so it cannot be rotated. Names the row, never its content. */
export class RotationError extends Error {
  override name = "RotationError";
  constructor(
    readonly table: RotatedTable,
    readonly rowId: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : "unknown error";
    super(`Key rotation stopped at ${table} row "${rowId}": ${reason}`);
  }
}

/** Re-encrypts everything not under `keyring.activeKeyId`; returns how many rows each table had re-sealed. */
export async function reencryptAll(
  db: PrismaClient,
  keyring: Keyring,
  opts: RotationOptions = {},
): Promise<Record<RotatedTable, number>> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError("batchSize must be a positive integer.");
  const ctx: Ctx = { db, keyring, batchSize };
  return {
    StoredImage: await rotateImages(ctx),
    DataExport: await rotateExports(ctx),
    PrivacyRequest: await rotateRequestDetails(ctx),
    Shop: await rotateShopApiKeys(ctx),
    RemoteDeletion: await rotateRemoteDeletionKeys(ctx),
    Session: await rotateSessions(ctx),
  };
}

interface Ctx {
  db: PrismaClient;
  keyring: Keyring;
  batchSize: number;
}

/**
 * Walks a table in primary-key order (a cursor, not offsets, so rows that stop matching the
 * filter as they are rotated do not shift the pages) and counts the rows `rotate` re-sealed.
 */
async function eachBatch<Row>(
  ctx: Ctx,
  fetch: (after: string | undefined, take: number) => Promise<Row[]>,
  keyOf: (row: Row) => string,
  rotate: (row: Row) => Promise<boolean>,
): Promise<number> {
  let after: string | undefined;
  let rotated = 0;
  for (;;) {
    const rows = await fetch(after, ctx.batchSize);
    for (const row of rows) if (await rotate(row)) rotated++;
    if (rows.length < ctx.batchSize) return rotated;
    after = keyOf(rows[rows.length - 1]!);
  }
}

/** Opens under the old key and seals under the active one, naming the row if that fails. */
function reseal(ctx: Ctx, table: RotatedTable, rowId: string, envelope: Uint8Array, context: string) {
  let plaintext: Buffer;
  try {
    plaintext = ctx.keyring.open(envelope, context);
  } catch (error) {
    throw new RotationError(table, rowId, error);
  }
  const { keyId, envelope: sealed } = ctx.keyring.seal(plaintext, context);
  // Images and exports are personal data; do not leave a clear copy waiting for the GC.
  plaintext.fill(0);
  // Prisma's Bytes is Uint8Array<ArrayBuffer>; Node types a Buffer's memory more loosely, so copy.
  return { keyId, envelope: new Uint8Array(sealed) };
}

const idAfter = (after: string | undefined) => (after === undefined ? {} : { id: { gt: after } });

function rotateImages(ctx: Ctx): Promise<number> {
  const { db, keyring } = ctx;
  return eachBatch(
    ctx,
    (after, take) =>
      db.storedImage.findMany({
        where: { keyId: { not: keyring.activeKeyId }, ...idAfter(after) },
        select: { id: true, scanId: true, keyId: true, ciphertext: true },
        orderBy: { id: "asc" },
        take,
      }),
    (row) => row.id,
    async (row) => {
      const sealed = reseal(ctx, "StoredImage", row.id, row.ciphertext, imageContext(row.scanId));
      const { count } = await db.storedImage.updateMany({
        where: { id: row.id, keyId: row.keyId, ciphertext: { equals: row.ciphertext } },
        data: { keyId: sealed.keyId, ciphertext: sealed.envelope },
      });
      return count === 1;
    },
  );
}

function rotateExports(ctx: Ctx): Promise<number> {
  const { db, keyring } = ctx;
  return eachBatch(
    ctx,
    (after, take) =>
      db.dataExport.findMany({
        where: { keyId: { not: keyring.activeKeyId }, ...idAfter(after) },
        select: { id: true, keyId: true, ciphertext: true },
        orderBy: { id: "asc" },
        take,
      }),
    (row) => row.id,
    async (row) => {
      const sealed = reseal(ctx, "DataExport", row.id, row.ciphertext, exportContext(row.id));
      const { count } = await db.dataExport.updateMany({
        where: { id: row.id, keyId: row.keyId, ciphertext: { equals: row.ciphertext } },
        data: { keyId: sealed.keyId, ciphertext: sealed.envelope },
      });
      return count === 1;
    },
  );
}

function rotateRequestDetails(ctx: Ctx): Promise<number> {
  const { db, keyring } = ctx;
  return eachBatch(
    ctx,
    (after, take) =>
      db.privacyRequest.findMany({
        where: {
          // Both conditions: SQL's `<>` never matches NULL, and rows without details have nothing to rotate.
          AND: [{ detailsKeyId: { not: null } }, { detailsKeyId: { not: keyring.activeKeyId } }],
          detailsCiphertext: { not: null },
          ...idAfter(after),
        },
        select: { id: true, detailsKeyId: true, detailsCiphertext: true, updatedAt: true },
        orderBy: { id: "asc" },
        take,
      }),
    (row) => row.id,
    async (row) => {
      if (row.detailsCiphertext === null) return false;
      const sealed = reseal(ctx, "PrivacyRequest", row.id, row.detailsCiphertext, requestDetailsContext(row.id));
      const { count } = await db.privacyRequest.updateMany({
        where: { id: row.id, detailsKeyId: row.detailsKeyId, detailsCiphertext: { equals: row.detailsCiphertext } },
        // Rotation is maintenance, not a change to the request: keep its "last updated" truthful.
        data: { detailsKeyId: sealed.keyId, detailsCiphertext: sealed.envelope, updatedAt: row.updatedAt },
      });
      return count === 1;
    },
  );
}

function rotateRemoteDeletionKeys(ctx: Ctx): Promise<number> {
  const { db, keyring } = ctx;
  return eachBatch(
    ctx,
    (after, take) =>
      db.remoteDeletion.findMany({
        where: {
          AND: [{ apiKeyKeyId: { not: null } }, { apiKeyKeyId: { not: keyring.activeKeyId } }],
          apiKeyCiphertext: { not: null },
          ...(after === undefined ? {} : { id: { gt: after } }),
        },
        select: { id: true, apiUrl: true, apiKeyKeyId: true, apiKeyCiphertext: true },
        orderBy: { id: "asc" },
        take,
      }),
    (row) => row.id,
    async (row) => {
      if (row.apiKeyCiphertext === null) return false;
      const sealed = reseal(ctx, "RemoteDeletion", row.id, row.apiKeyCiphertext, remoteDeletionKeyContext(row.apiUrl));
      const { count } = await db.remoteDeletion.updateMany({
        where: { id: row.id, apiKeyKeyId: row.apiKeyKeyId, apiKeyCiphertext: { equals: row.apiKeyCiphertext } },
        data: { apiKeyKeyId: sealed.keyId, apiKeyCiphertext: sealed.envelope },
      });
      return count === 1;
    },
  );
}

function rotateShopApiKeys(ctx: Ctx): Promise<number> {
  const { db, keyring } = ctx;
  return eachBatch(
    ctx,
    (after, take) =>
      db.shop.findMany({
        where: {
          AND: [{ analysisApiKeyKeyId: { not: null } }, { analysisApiKeyKeyId: { not: keyring.activeKeyId } }],
          analysisApiKeyCiphertext: { not: null },
          ...(after === undefined ? {} : { shop: { gt: after } }),
        },
        select: { shop: true, analysisApiKeyKeyId: true, analysisApiKeyCiphertext: true, updatedAt: true },
        orderBy: { shop: "asc" },
        take,
      }),
    (row) => row.shop,
    async (row) => {
      if (row.analysisApiKeyCiphertext === null) return false;
      const sealed = reseal(ctx, "Shop", row.shop, row.analysisApiKeyCiphertext, shopApiKeyContext(row.shop));
      const { count } = await db.shop.updateMany({
        where: {
          shop: row.shop,
          analysisApiKeyKeyId: row.analysisApiKeyKeyId,
          analysisApiKeyCiphertext: { equals: row.analysisApiKeyCiphertext },
        },
        data: {
          analysisApiKeyKeyId: sealed.keyId,
          analysisApiKeyCiphertext: sealed.envelope,
          updatedAt: row.updatedAt,
        },
      });
      return count === 1;
    },
  );
}

/**
 * Sessions keep the envelope as base64 text with no key-id column (the Shopify library owns the
 * table's shape), so every row is read and the key id parsed from the envelope itself.
 */
function rotateSessions(ctx: Ctx): Promise<number> {
  const { db, keyring } = ctx;

  function resealToken(sessionId: string, text: string | null, kind: SessionTokenKind): string | null {
    // "" is how the Shopify library stores "no access token"; there is nothing to protect.
    if (text === null || text === "") return text;
    try {
      if (sessionTokenKeyId(keyring, text) === keyring.activeKeyId) return text;
      const token = openSessionToken(keyring, text, sessionTokenContext(sessionId, kind));
      return sealSessionToken(keyring, token, sessionTokenContext(sessionId, kind));
    } catch (error) {
      throw new RotationError("Session", sessionId, error);
    }
  }

  return eachBatch(
    ctx,
    (after, take) =>
      db.session.findMany({
        where: idAfter(after),
        select: { id: true, accessToken: true, refreshToken: true },
        orderBy: { id: "asc" },
        take,
      }),
    (row) => row.id,
    async (row) => {
      const accessToken = resealToken(row.id, row.accessToken, "access") ?? "";
      const refreshToken = resealToken(row.id, row.refreshToken, "refresh");
      if (accessToken === row.accessToken && refreshToken === row.refreshToken) return false;
      const { count } = await db.session.updateMany({
        where: { id: row.id, accessToken: row.accessToken, refreshToken: row.refreshToken },
        data: { accessToken, refreshToken },
      });
      return count === 1;
    },
  );
}
