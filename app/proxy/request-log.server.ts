import { randomUUID } from "node:crypto";
import type { Database } from "../db/client.server";
import { insertRows } from "../db/raw.server";
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
const ROUTE_WORDS = new Set(["notice", "consents", "withdraw", "scans", "my-data", "requests", "recommendations"]);

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

export async function flushRequestLog(): Promise<void> {
  clearTimeout(timer);
  timer = undefined;
  const batches = [...pending.entries()];
  pending.clear();
  for (const [database, rows] of batches) {
    try {
      await insertRows(
        database,
        "RequestLog",
        rows.map((row) => ({ id: randomUUID(), ...row })),
      );
    } catch (error) {
      // Metrics are not worth failing anything for; say so and move on.
      logger.warn("request log write failed", { rows: rows.length, error: describeError(error) });
    }
  }
}
