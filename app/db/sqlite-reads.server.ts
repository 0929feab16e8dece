import SQLite from "better-sqlite3";

/**
 * The storefront's hot reads on SQLite (raw.server.ts's `selectRows`): prepared once on a connection
 * that only reads, instead of through Prisma. Prisma 6's client engine runs even a raw statement
 * through its query compiler and prepares it again on every call (~0.1–0.2 ms of CPU each; a scan
 * makes four such reads: the shop's endpoint, the consent, the rules and the products), where a
 * prepared statement costs a few microseconds (about 1 ms of app CPU per scan in all; the
 * scan-path row of the README's benchmark table).
 *
 * What it sees: in WAL mode a reader sees every committed write, from this process's Prisma
 * connection or any other process, and never blocks a writer. It does not see a write still inside
 * an open transaction on the Prisma connection, which only makes it stricter than reading through
 * that connection. Nothing is ever written through it (`query_only`), so erasure (secure_delete,
 * the worker's checkpoints, P11) is the Prisma connection's business alone, and no statement is
 * left open between calls, so a checkpoint is never held back by it.
 *
 * One better-sqlite3 build serves the whole process (package.json's overrides), as the rate
 * limiter's note explains: two builds would not see each other's locks.
 */
const MAX_STATEMENTS = 64;

export class SqliteReads {
  #connection: SQLite.Database | undefined;
  readonly #statements = new Map<string, SQLite.Statement>();

  constructor(readonly file: string) {}

  /**
   * All rows of a SELECT written with `?` placeholders, with values bound as Prisma's adapter binds
   * them (booleans as 0/1, dates as ISO text). Throws SQLite's own errors; a busy database is
   * `SQLITE_BUSY` at once (no busy wait: better-sqlite3 would stall the event loop).
   */
  all<T>(text: string, values: readonly unknown[]): T[] {
    return this.#statement(text).all(...values.map(bindable)) as T[];
  }

  close(): void {
    this.#statements.clear();
    this.#connection?.close();
    this.#connection = undefined;
  }

  #statement(text: string): SQLite.Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      this.#connection ??= openReader(this.file);
      // The texts are constants in code (IN lists vary only by length): a bound that is never
      // reached in practice, so a cleared cache costs one prepare per statement at most.
      if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
      statement = this.#connection.prepare(text);
      if (!statement.reader) throw new Error("SqliteReads runs SELECT statements only.");
      this.#statements.set(text, statement);
    }
    return statement;
  }
}

function openReader(file: string): SQLite.Database {
  const connection = new SQLite(file, { fileMustExist: true, timeout: 0 });
  connection.pragma("query_only = ON");
  return connection;
}

/** A value as @prisma/adapter-better-sqlite3 binds it, so reads match what Prisma wrote. */
function bindable(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (value instanceof Uint8Array && !Buffer.isBuffer(value))
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}

export const isSqliteBusy = (error: unknown): boolean =>
  /^SQLITE_BUSY/.test(String((error as { code?: unknown } | null)?.code ?? ""));
