import { engineOf, sqliteReadsOf, type Database, type Db } from "./client.server";
import { isSqliteBusy } from "./sqlite-reads.server";

/**
 * Plain INSERT for the hot paths (webhook intake). Prisma 6's query compiler compiles every
 * model query anew (~0.5 ms each; a raw statement ~0.2 ms, measured with bench/); at 100
 * webhooks a second that difference is most of the acknowledgement's cost. The driver adapters
 * convert Dates and booleans as Prisma itself would. Table and column names come from code,
 * never from input. Every column with a Prisma-side default (ids, @default(now()), @updatedAt)
 * must be given here.
 */
export function insertRow(database: Pick<Database, "kind" | "client">, table: string, row: Record<string, unknown>) {
  return insertRows(database, table, [row]);
}

/**
 * Several rows with the same columns in one statement. `ifAbsent` skips a row that meets a unique index
 * (ON CONFLICT DO NOTHING, both engines): one statement, where Prisma's upsert with an empty update is a
 * read then a write that SQLite in WAL mode fails when another connection wrote in between.
 */
export function insertRows(
  database: Pick<Database, "kind" | "client">,
  table: string,
  rows: readonly Record<string, unknown>[],
  options: { ifAbsent?: boolean } = {},
) {
  const names = Object.keys(rows[0] ?? {});
  const columns = names.map((c) => `"${c}"`);
  // Each engine's own placeholders (PostgreSQL's client is a second generated client, so
  // Prisma.sql objects from the SQLite one cannot be shared with it).
  let n = 0;
  const mark = () => (database.kind === "postgresql" ? `$${++n}` : "?");
  const tuples = rows.map(() => `(${names.map(mark).join(", ")})`);
  return database.client.$executeRawUnsafe(
    `INSERT INTO "${table}" (${columns.join(", ")}) VALUES ${tuples.join(", ")}${options.ifAbsent ? " ON CONFLICT DO NOTHING" : ""}`,
    ...rows.flatMap((row) => names.map((name) => row[name])),
  );
}

/**
 * A raw statement written with `?` placeholders, run on either engine (PostgreSQL wants `$1`, `$2`…).
 * For the storefront's hot path, where a Prisma 6 model query costs a compile per call. The SQL
 * is a constant in code; values are always bound, never spliced.
 */
function forEngine(db: Db, text: string): string {
  if (engineOf(db) !== "postgresql") return text;
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * On SQLite the statement is prepared once on a connection that only reads (sqlite-reads.server.ts),
 * so it skips Prisma's per-call compile; on PostgreSQL, and should SQLite say it is busy, it runs
 * through Prisma. Rows hold the driver's values: numbers, strings, Buffers, null (callers already
 * accept number or bigint where the engines differ).
 */
export async function selectRows<T>(db: Db, text: string, ...values: unknown[]): Promise<T[]> {
  const reads = sqliteReadsOf(db);
  if (reads) {
    try {
      return reads.all<T>(text, values);
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
    }
  }
  return db.$queryRawUnsafe<T[]>(forEngine(db, text), ...values);
}

export const executeRaw = (db: Db, text: string, ...values: unknown[]) =>
  db.$executeRawUnsafe(forEngine(db, text), ...values);

/** `?, ?, ?` for an IN list of `count` values (at least one, so the SQL stays valid). */
export const inList = (count: number): string => Array.from({ length: Math.max(1, count) }, () => "?").join(", ");

/**
 * The engine-specific pieces of raw SQL for grouping by day, the one thing Prisma's query builder
 * cannot express portably. SQLite stores DateTime as ISO text (so its first ten characters are the
 * UTC day, and a day string bounds a range); PostgreSQL stores timestamp(3) in UTC.
 */
export function sqlDialect(kind: Database["kind"]) {
  const pg = kind === "postgresql";
  return {
    day: pg ? `to_char("createdAt", 'YYYY-MM-DD')` : `substr("createdAt", 1, 10)`,
    p: (n: number) => (pg ? `$${n}` : "?"),
    bound: (day: string) => (pg ? new Date(`${day}T00:00:00Z`) : day),
  };
}
