import SQLite from "better-sqlite3";
import pg from "pg";
import { describeError, logger } from "../logger.server";
import type { Database } from "./client.server";
import { sqliteFile } from "./url";

/**
 * A connection of its own for the short write transactions of a hot path (the webhook intake,
 * docs/decisions/0008-webhook-group-commit.md), beside the process's Prisma client:
 *
 * - plain SQL through the driver, so no statement pays Prisma 6's query compile;
 * - on SQLite, no busy wait inside the driver: better-sqlite3 is synchronous, and its busy handler
 *   would stop the whole event loop while the worker process (or this process's other connection)
 *   holds the write lock. A busy transaction is tried again a moment later instead, as the rate
 *   limiter's store does (docs/decisions/0007-rate-limit-store.md), and the transaction itself runs
 *   in one synchronous call, so it never holds the lock across a turn of the event loop;
 * - on PostgreSQL, a small pool of its own, and a guarded insert in one statement (one round trip).
 *
 * Same durability as the Prisma client: the same file with the same settings (WAL, synchronous=NORMAL,
 * secure_delete), or the same server. Table and column names come from code, never from input;
 * values are always bound, never spliced.
 */
export type Row = Record<string, unknown>;

export interface Statement {
  /** `?` placeholders on both engines. */
  sql: string;
  values: readonly unknown[];
}

/** Rows for a table where a key is new, each with the rows that go in only if its key did. */
export interface GuardedInsert {
  table: string;
  /** The unique column that decides: a row whose key is already there inserts nothing. */
  key: string;
  rows: readonly Row[];
  /** Rows for other tables, each tied to a key of `rows` and written only if that key went in. */
  followers: readonly { table: string; rows: readonly { key: string; row: Row }[] }[];
}

export interface HotWriter {
  /**
   * Writes a guarded insert in one transaction and resolves, once committed, with the keys that went
   * in. `also`, if given, adds statements for the keys that went in (it runs inside the transaction
   * and must be synchronous and pure); without it, PostgreSQL does everything in one statement.
   * Rejects with the driver's error if anything fails; nothing is then written.
   */
  insertNew(insert: GuardedInsert, also?: (fresh: ReadonlySet<string>) => Statement[]): Promise<Set<string>>;
  close(): Promise<void>;
}

/** `INSERT INTO "table" (columns) VALUES (…), (…)` for rows with the same columns; `suffix` follows it. */
export function insertStatement(table: string, rows: readonly Row[], suffix = ""): Statement {
  const names = Object.keys(rows[0] ?? {});
  const tuple = `(${names.map(() => "?").join(", ")})`;
  return {
    sql: `INSERT INTO "${table}" (${columnList(names)}) VALUES ${rows.map(() => tuple).join(", ")}${suffix}`,
    values: rows.flatMap((row) => names.map((name) => row[name])),
  };
}

const columnList = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

/** The guard's own INSERT: new keys only, and which ones went in. */
const guardStatement = (insert: GuardedInsert) =>
  insertStatement(insert.table, insert.rows, ` ON CONFLICT ("${insert.key}") DO NOTHING RETURNING "${insert.key}"`);

/** The followers of the keys that went in, as plain multi-row INSERTs. */
function followerStatements(insert: GuardedInsert, fresh: ReadonlySet<string>): Statement[] {
  return insert.followers.flatMap(({ table, rows }) => {
    const kept = rows.filter((r) => fresh.has(r.key)).map((r) => r.row);
    return kept.length > 0 ? [insertStatement(table, kept)] : [];
  });
}

/** How long a transaction keeps trying while another connection holds SQLite's write lock (as Prisma's 10 s). */
const BUSY_GIVE_UP_MS = 10_000;
/** The WAL (in 4 KiB pages, ~400 MB) past which this connection folds it itself, for want of a worker. */
const WAL_PAGES_WITHOUT_WORKER = 100_000;
/** Prepared statements kept per connection: the SQL differs only by the number of rows in a batch. */
const PREPARED_MAX = 256;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** As Prisma's SQLite adapter stores them, so the typed client and raw comparisons read them alike. */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

function sqliteWriter(url: string): HotWriter {
  // timeout 0: a busy database throws at once, and insertNew() waits outside the driver.
  const sqlite = new SQLite(sqliteFile(url), { timeout: 0 });
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("secure_delete = ON");
  sqlite.pragma("foreign_keys = ON");
  // Checkpoints are the worker's job (it folds the WAL every 1,000 pages). A checkpoint here would
  // run inside a transaction's synchronous call, stalling every request (~40 ms each 20,000 pages
  // at 500 deliveries/s, measured), so this connection only bounds the WAL if no worker runs at all.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_PAGES_WITHOUT_WORKER}`);

  const prepared = new Map<string, SQLite.Statement>();
  const prepare = (sql: string) => {
    let statement = prepared.get(sql);
    if (!statement) {
      if (prepared.size >= PREPARED_MAX) prepared.clear();
      prepared.set(sql, (statement = sqlite.prepare(sql)));
    }
    return statement;
  };
  const values = (s: Statement) => s.values.map(sqliteValue);
  const transaction = sqlite.transaction(
    (insert: GuardedInsert, also?: (fresh: ReadonlySet<string>) => Statement[]) => {
      const guard = guardStatement(insert);
      const rows = prepare(guard.sql).all(...values(guard)) as Row[];
      const fresh = new Set(rows.map((row) => String(row[insert.key])));
      for (const s of [...followerStatements(insert, fresh), ...(also?.(fresh) ?? [])]) {
        prepare(s.sql).run(...values(s));
      }
      return fresh;
    },
  );

  return {
    async insertNew(insert, also) {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          // BEGIN IMMEDIATE: the write lock is taken first, so a busy database fails before any work.
          return transaction.immediate(insert, also);
        } catch (error) {
          const busy = /^SQLITE_BUSY/.test(String((error as { code?: unknown } | null)?.code ?? ""));
          if (!busy || Date.now() - started > BUSY_GIVE_UP_MS) throw error;
          await sleep(Math.min(1 + attempt, 20));
        }
      }
    },
    close: async () => void sqlite.close(),
  };
}

/** Dates as UTC text: node-postgres would send local time, and the columns are timestamp without time zone. */
const postgresValue = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

/** The type a bound value stands for in a VALUES list, where PostgreSQL cannot infer it from a column. */
function postgresType(values: readonly unknown[]): string {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (sample instanceof Date) return "timestamp(3)";
  if (typeof sample === "number") return Number.isInteger(sample) ? "integer" : "double precision";
  if (typeof sample === "boolean") return "boolean";
  return "text";
}

/**
 * The whole guarded insert as one statement: the guard in a data-modifying WITH clause, and each
 * follower table fed from a VALUES list filtered by the keys the guard returned. One statement is
 * one transaction and one round trip; a concurrent insert of the same key (another instance) waits
 * for the other transaction and then counts as already there.
 */
function postgresStatement(insert: GuardedInsert): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const bind = (value: unknown, type?: string) => {
    values.push(postgresValue(value));
    return type ? `$${values.length}::${type}` : `$${values.length}`;
  };
  const names = Object.keys(insert.rows[0] ?? {});
  const guardRows = insert.rows.map((row) => `(${names.map((n) => bind(row[n])).join(", ")})`);
  const parts = [
    `"new" AS (INSERT INTO "${insert.table}" (${columnList(names)}) VALUES ${guardRows.join(", ")}
       ON CONFLICT ("${insert.key}") DO NOTHING RETURNING "${insert.key}")`,
  ];
  insert.followers.forEach(({ table, rows }, i) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]!.row);
    const types = columns.map((c) => postgresType(rows.map((r) => r.row[c])));
    const tuples = rows.map(
      ({ key, row }) => `(${[bind(key, "text"), ...columns.map((c, j) => bind(row[c], types[j]))].join(", ")})`,
    );
    parts.push(
      `"f${i}" AS (INSERT INTO "${table}" (${columnList(columns)})
         SELECT ${columnList(columns)} FROM (VALUES ${tuples.join(", ")}) AS v("_key", ${columnList(columns)})
         WHERE v."_key" IN (SELECT "${insert.key}" FROM "new"))`,
    );
  });
  return { text: `WITH ${parts.join(",\n")} SELECT "${insert.key}" FROM "new"`, values };
}

/** `?` → `$1`, `$2`…: the SQL is the caller's constant and holds no `?` of its own. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function postgresWriter(url: string): HotWriter {
  // The intake writes one batch at a time per process; a second connection covers a reconnect.
  const pool = new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true, statement_timeout: 10_000 });
  // An idle connection the server drops must not crash the process; the next write reconnects.
  pool.on("error", (error) => logger.warn("intake connection lost", { error: describeError(error) }));
  const query = (client: pg.PoolClient, s: Statement) => client.query(numbered(s.sql), s.values.map(postgresValue));
  const keysOf = (insert: GuardedInsert, rows: Row[]) => new Set(rows.map((row) => String(row[insert.key])));

  return {
    async insertNew(insert, also) {
      if (!also) {
        const { text, values } = postgresStatement(insert);
        return keysOf(insert, (await pool.query(text, values)).rows);
      }
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const fresh = keysOf(insert, (await query(client, guardStatement(insert))).rows);
        for (const s of [...followerStatements(insert, fresh), ...also(fresh)]) await query(client, s);
        await client.query("COMMIT");
        client.release();
        return fresh;
      } catch (error) {
        // A connection that cannot even roll back is dropped from the pool rather than reused.
        const broken = await client.query("ROLLBACK").then(
          () => false,
          () => true,
        );
        client.release(broken);
        throw error;
      }
    },
    close: () => pool.end(),
  };
}

/** Opens a writer on `db`'s database (its own connection; close() ends it). */
export function openHotWriter(db: Pick<Database, "kind" | "url">): HotWriter {
  return db.kind === "sqlite" ? sqliteWriter(db.url) : postgresWriter(db.url);
}
