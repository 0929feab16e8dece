import SQLite from "better-sqlite3";
import pg from "pg";
import { describeError, logger } from "../logger.server";
import type { Database } from "./client.server";
import { sqliteFile } from "./url";

/**
 * A connection of its own for the short write transactions of a hot path (the webhook intake,
 * docs/decisions/0008-webhook-group-commit.md), beside the process's Prisma client:
 *
 * - plain SQL through the driver, so no statement pays Prisma 6's query compile (~0.1–0.5 ms each);
 * - on SQLite, no busy wait inside the driver: better-sqlite3 is synchronous, and its busy handler
 *   would stop the whole event loop while the worker process (or this process's other connection)
 *   holds the write lock. A busy transaction is tried again a moment later instead, as the rate
 *   limiter's store does (docs/decisions/0007-rate-limit-store.md), and the transaction itself runs
 *   in one synchronous call, so it never holds the lock across a turn of the event loop;
 * - on PostgreSQL, a small pool of its own.
 *
 * Same durability as the Prisma client: the same file with the same settings (WAL, synchronous=NORMAL,
 * secure_delete), or the same server. Statements use `?` placeholders on both engines; the SQL is
 * always a constant of the caller's code, and values are bound, never spliced.
 */
export interface Statement {
  sql: string;
  values: readonly unknown[];
}

export type Row = Record<string, unknown>;

export interface HotWriter {
  /**
   * One write transaction: runs `first`, hands its rows to `then`, runs the statements `then`
   * returns, commits, and resolves with `then`'s result. `then` must be synchronous and pure (it
   * runs inside the transaction, and may run again if the transaction is retried). Rejects with the
   * driver's error if anything fails; nothing is then written.
   */
  write<T>(first: Statement, then: (rows: Row[]) => { statements: Statement[]; result: T }): Promise<T>;
  close(): Promise<void>;
}

/** `INSERT INTO "table" (columns) VALUES (…), (…)` for rows with the same columns; `suffix` follows it. */
export function insertStatement(table: string, rows: readonly Row[], suffix = ""): Statement {
  const names = Object.keys(rows[0] ?? {});
  const tuple = `(${names.map(() => "?").join(", ")})`;
  return {
    sql: `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(", ")}) VALUES ${rows.map(() => tuple).join(", ")}${suffix}`,
    values: rows.flatMap((row) => names.map((name) => row[name])),
  };
}

/** How long a transaction keeps trying while another connection holds SQLite's write lock (~10 s, as Prisma's). */
const BUSY_GIVE_UP_MS = 10_000;
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
  // timeout 0: a busy database throws at once, and write() waits outside the driver.
  const sqlite = new SQLite(sqliteFile(url), { timeout: 0 });
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("secure_delete = ON");
  sqlite.pragma("foreign_keys = ON");
  // Like the web process's Prisma connection: checkpoints are the worker's job.
  sqlite.pragma("wal_autocheckpoint = 20000");

  const prepared = new Map<string, SQLite.Statement>();
  const prepare = (sql: string) => {
    let statement = prepared.get(sql);
    if (!statement) {
      if (prepared.size >= PREPARED_MAX) prepared.clear();
      prepared.set(sql, (statement = sqlite.prepare(sql)));
    }
    return statement;
  };
  const run = sqlite.transaction(
    (first: Statement, then: (rows: Row[]) => { statements: Statement[]; result: unknown }) => {
      const rows = prepare(first.sql).all(...first.values.map(sqliteValue)) as Row[];
      const next = then(rows);
      for (const s of next.statements) prepare(s.sql).run(...s.values.map(sqliteValue));
      return next.result;
    },
  );

  return {
    async write(first, then) {
      const started = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          // BEGIN IMMEDIATE: the write lock is taken first, so a busy database fails before any work.
          return run.immediate(first, then) as ReturnType<typeof then>["result"];
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

/** `?` → `$1`, `$2`…: the SQL is the caller's constant and holds no `?` of its own. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** Dates as UTC text: node-postgres would send local time, and the columns are timestamp without time zone. */
const postgresValue = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

function postgresWriter(url: string): HotWriter {
  // The intake writes one batch at a time per process; a second connection covers a reconnect.
  const pool = new pg.Pool({ connectionString: url, max: 2, allowExitOnIdle: true, statement_timeout: 10_000 });
  // An idle connection the server drops must not crash the process; the next write reconnects.
  pool.on("error", (error) => logger.warn("intake connection lost", { error: describeError(error) }));
  const query = (client: pg.PoolClient, s: Statement) => client.query(numbered(s.sql), s.values.map(postgresValue));

  return {
    async write(first, then) {
      const client = await pool.connect();
      let failed = false;
      try {
        await client.query("BEGIN");
        const next = then((await query(client, first)).rows as Row[]);
        for (const s of next.statements) await query(client, s);
        await client.query("COMMIT");
        return next.result;
      } catch (error) {
        failed = true;
        // A connection that cannot even roll back is dropped from the pool rather than reused.
        const broken = await client.query("ROLLBACK").then(
          () => false,
          () => true,
        );
        client.release(broken);
        throw error;
      } finally {
        if (!failed) client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Opens a writer on `db`'s database (its own connection; close() ends it). */
export function openHotWriter(db: Pick<Database, "kind" | "url">): HotWriter {
  return db.kind === "sqlite" ? sqliteWriter(db.url) : postgresWriter(db.url);
}
