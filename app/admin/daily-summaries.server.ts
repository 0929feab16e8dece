import type { Database } from "../db/client.server";
import { selectRows } from "../db/raw.server";

/**
 * Summaries for the dashboard (DailyStat, DailyInsight per UTC day; HourlyInsight per UTC hour of the
 * live days): a period that has ended is read from its summary rows; the ones without a summary are
 * computed from the raw tables in one pass over their whole range and stored, and from then on read.
 * Keys are UTC days ("YYYY-MM-DD") or hours ("YYYY-MM-DDTHH"); the current hour is always counted live.
 *
 * Computing is the expensive part (about 30 s for 89 days of 1,000,000 scans), so a dashboard computes
 * in its request only a range that holds at most IN_REQUEST_ROWS raw rows (rawRowsAtMost); a larger one
 * is left to the dashboard.summaries job (dashboard-summaries.server.ts), and the page says so.
 */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);
export const nextDay = (day: string) => dayOf(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
export const hourOf = (t: number) => new Date(t).toISOString().slice(0, 13);
export const nextHour = (hour: string) => hourOf(Date.parse(`${hour}:00:00Z`) + HOUR_MS);
/** The next day or hour after a key of either kind. */
export const nextKey = (key: string) => (key.length === 10 ? nextDay(key) : nextHour(key));
/** When a day or hour key begins. */
export const startOf = (key: string) => new Date(key.length === 10 ? `${key}T00:00:00Z` : `${key}:00:00Z`);

/**
 * The most raw rows a dashboard request summarises itself: about 25 ms of work on SQLite (measured with
 * bench/admin-loaders.bench.ts). A shop's ordinary day fits; a history after an upgrade does not.
 */
export const IN_REQUEST_ROWS = 2_000;

export interface DailySummary<T> {
  /** The stored summaries of [first, last]. */
  read(first: string, last: string): Promise<Map<string, T>>;
  /** Figures for every key in [from, to) that had any activity (the others are `empty`). */
  compute(from: string, to: string): Promise<Map<string, T>>;
  empty(key: string): T;
  /** Stores the keys just computed; two dashboards filling the same key at once store the same figures. */
  store(rows: { day: string; figures: T }[]): Promise<unknown>;
}

export interface StoredSummaries<T> {
  have: Map<string, T>;
  /** Keys of [first, last] without a summary yet, oldest first. */
  missing: string[];
}

/** What is stored for [first, last] (days or hours, by the keys' form), and what is missing. */
export async function storedSummaries<T>(
  summary: DailySummary<T>,
  first: string,
  last: string,
): Promise<StoredSummaries<T>> {
  if (first > last) return { have: new Map(), missing: [] };
  const have = await summary.read(first, last);
  const missing: string[] = [];
  for (let key = first; key <= last; key = nextKey(key)) if (!have.has(key)) missing.push(key);
  return { have, missing };
}

/** Computes the missing keys in one pass over their range, stores them, and adds them to `have`. */
export async function fillSummaries<T>(summary: DailySummary<T>, stored: StoredSummaries<T>): Promise<void> {
  const { have, missing } = stored;
  const from = missing[0];
  const last = missing.at(-1);
  if (from === undefined || last === undefined) return;
  const computed = await summary.compute(from, nextKey(last));
  const rows = missing.map((day) => ({ day, figures: computed.get(day) ?? summary.empty(day) }));
  await summary.store(rows);
  for (const row of rows) have.set(row.day, row.figures);
  stored.missing = [];
}

/** Every key of [first, last], each from its summary, the missing ones computed once and stored. */
export async function summarisedDays<T>(
  summary: DailySummary<T>,
  first: string,
  last: string,
): Promise<Map<string, T>> {
  const stored = await storedSummaries(summary, first, last);
  await fillSummaries(summary, stored);
  return stored.have;
}

/**
 * Whether the shop's raw rows in [from, to) that summaries are computed from (scans, consent records,
 * notice views in the request log) number at most `limit`. Each table is read through its
 * (shop, createdAt) index and only up to limit + 1 rows, so the answer costs about a millisecond
 * however large the range.
 */
export async function rawRowsAtMost(
  database: Database,
  shop: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<boolean> {
  const pg = database.kind === "postgresql";
  // SQLite keeps DateTime as ISO text, which compares in time order.
  const bound = (t: Date) => (pg ? t : t.toISOString());
  const capped = (table: string) =>
    `(SELECT COUNT(*) FROM (SELECT 1 FROM "${table}" WHERE "shop" = ? AND "createdAt" >= ? AND "createdAt" < ? LIMIT ?) AS "${table}Rows")`;
  const args = [shop, bound(from), bound(to), limit + 1];
  const [row] = await selectRows<{ n: unknown }>(
    database.client,
    `SELECT ${capped("Scan")} + ${capped("ConsentRecord")} + ${capped("RequestLog")} AS "n"`,
    ...args,
    ...args,
    ...args,
  );
  return Number(row?.n ?? 0) <= limit;
}
