import { randomUUID } from "node:crypto";
import type { Database } from "../db/client.server";
import { executeRaw, inList, insertRows } from "../db/raw.server";
import { describeError, logger } from "../logger.server";

/**
 * Request metrics for the storefront API (kept 12 months, P12): the route's pattern, method,
 * status and duration, and the shop. Never the query string, ids, IPs or bodies. Rows are
 * buffered and written together once a second, off the request's path: a metric is worth
 * neither a scan's latency nor a write per request. A crash loses at most a second of metrics.
 */
const FLUSH_EVERY_MS = 1_000;
const FLUSH_AT_ROWS = 200;
/** Path segments that name a route; anything else in a path is an id and is logged as ":id". */
const ROUTE_WORDS = new Set([
  "notice",
  "consents",
  "withdraw",
  "scans",
  "photo",
  "progress",
  "my-data",
  "requests",
  "recommendations",
  "events",
  "notices",
  "ack",
]);

export function routePattern(pathname: string): string {
  const segments = pathname.split("/").filter(Boolean);
  return "/" + segments.map((s, i) => (i === 0 || ROUTE_WORDS.has(s) ? s : ":id")).join("/");
}

interface Entry {
  shop: string | null;
  route: string;
  method: string;
  status: number;
  durationMs: number;
  createdAt: Date;
}

const pending = new Map<Database, Entry[]>();
let timer: NodeJS.Timeout | undefined;

export function logRequest(database: Database, entry: Omit<Entry, "createdAt">): void {
  const rows = pending.get(database) ?? [];
  rows.push({ ...entry, createdAt: new Date() });
  pending.set(database, rows);
  if (rows.length >= FLUSH_AT_ROWS) void flushRequestLog();
  else timer ??= setTimeout(() => void flushRequestLog(), FLUSH_EVERY_MS).unref();
}

/**
 * Clocks of the app and the worker may differ a little (other hosts): a row created up to this long
 * after its shop's erasure is dropped too. A shop installed again that soon loses a few metrics.
 */
export const ERASURE_CLOCK_MARGIN_MS = 5 * 60_000;

/**
 * A row must never outlive its shop's erasure (shop/redact, P12), yet it waits here for up to a
 * second, and the erasure runs in the worker, often another process, whose memory we cannot reach.
 * So the rule is kept in the database: the erasure records a `ShopErasure` tombstone, and the flush,
 * in ONE transaction, inserts its rows and then deletes those of any shop erased at or after the
 * oldest of them (less the clock margin). Whatever the order:
 * - SQLite has one writer: either the flush commits first (and the erasure deletes its rows), or the
 *   erasure does (and the flush's own delete sees the tombstone);
 * - PostgreSQL (read committed): the erasure takes `LOCK TABLE "RequestLog" IN SHARE ROW EXCLUSIVE MODE`
 *   before writing the tombstone, which waits for every flush that has inserted and holds off every
 *   flush that has not until the erasure commits. A flush that got in first is committed and visible
 *   to the erasure's delete; one held off runs its delete after the erasure committed, in a new
 *   statement that sees the tombstone.
 */
async function writeRows(database: Database, rows: Entry[]): Promise<void> {
  const withIds = rows.map((row) => ({ id: randomUUID(), ...row }));
  const ids = withIds.filter((row) => row.shop !== null).map((row) => row.id);
  const oldest = Math.min(...rows.map((row) => row.createdAt.getTime()));
  const insert = insertRows(database, "RequestLog", withIds);
  if (ids.length === 0) {
    await insert;
    return;
  }
  await database.client.$transaction([
    insert,
    executeRaw(
      database.client,
      `DELETE FROM "RequestLog" WHERE "id" IN (${inList(ids.length)})
         AND "shop" IN (SELECT "shop" FROM "ShopErasure" WHERE "erasedAt" >= ?)`,
      ...ids,
      new Date(oldest - ERASURE_CLOCK_MARGIN_MS),
    ),
  ]);
}

export async function flushRequestLog(): Promise<void> {
  clearTimeout(timer);
  timer = undefined;
  const batches = [...pending.entries()];
  pending.clear();
  for (const [database, rows] of batches) {
    try {
      await writeRows(database, rows);
    } catch (error) {
      // Metrics are not worth failing anything for; say so and move on.
      logger.warn("request log write failed", { rows: rows.length, error: describeError(error) });
    }
  }
}
