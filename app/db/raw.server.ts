import type { Database } from "./client.server";

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

/** Several rows with the same columns in one statement. */
export function insertRows(
  database: Pick<Database, "kind" | "client">,
  table: string,
  rows: readonly Record<string, unknown>[],
) {
  const names = Object.keys(rows[0] ?? {});
  const columns = names.map((c) => `"${c}"`);
  // Each engine's own placeholders (PostgreSQL's client is a second generated client, so
  // Prisma.sql objects from the SQLite one cannot be shared with it).
  let n = 0;
  const mark = () => (database.kind === "postgresql" ? `$${++n}` : "?");
  const tuples = rows.map(() => `(${names.map(mark).join(", ")})`);
  return database.client.$executeRawUnsafe(
    `INSERT INTO "${table}" (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
    ...rows.flatMap((row) => names.map((name) => row[name])),
  );
}
