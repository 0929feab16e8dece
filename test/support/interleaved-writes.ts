import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import Sqlite from "better-sqlite3";
import { openDatabase, type Database, type Db } from "../../app/db/client.server";

type Adapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
type Query = Parameters<Adapter["queryRaw"]>[0];

/**
 * A Prisma client on its own connection to a SQLite file (WAL, as the app opens it) where, after every
 * SELECT it runs, another connection commits a write: what happens under load when the worker, the
 * rate limiter or another instance writes between two statements. A read-then-write transaction
 * (Prisma's emulated upsert) then fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT);
 * single statements wait for the lock and succeed.
 */
export async function clientWithInterleavedWrites(
  file: string,
): Promise<{ db: Db; database: Database; writes: () => number; close(): Promise<void> }> {
  const other = new Sqlite(file, { timeout: 10_000 });
  other.pragma("journal_mode = WAL");
  other.exec(`CREATE TABLE IF NOT EXISTS "_interleaved" ("n" INTEGER)`);
  let writes = 0;
  const writeElsewhere = (query: Query) => {
    if (/^\s*select/i.test(query.sql) && !/sqlite_master|pragma/i.test(query.sql)) {
      other.prepare(`INSERT INTO "_interleaved" ("n") VALUES (?)`).run(++writes);
    }
  };
  // The app's own way of opening the file (WAL, the transaction gate, the read connection), with the
  // adapter it connects wrapped: patched on the prototype only while openDatabase() connects.
  const connect = Object.getOwnPropertyDescriptor(PrismaBetterSQLite3.prototype, "connect")!
    .value as PrismaBetterSQLite3["connect"];
  PrismaBetterSQLite3.prototype.connect = async function (this: PrismaBetterSQLite3) {
    const adapter = await connect.call(this);
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (query) => {
      const result = await queryRaw(query);
      writeElsewhere(query);
      return result;
    };
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = await startTransaction(isolationLevel);
      const txQueryRaw = tx.queryRaw.bind(tx);
      tx.queryRaw = async (query) => {
        const result = await txQueryRaw(query);
        writeElsewhere(query);
        return result;
      };
      return tx;
    };
    return adapter;
  };
  let database: Database;
  try {
    database = await openDatabase(`file:${file}`);
  } finally {
    PrismaBetterSQLite3.prototype.connect = connect;
  }
  const db = database.client;
  return {
    db,
    database,
    writes: () => writes,
    close: async () => {
      await database.close();
      other.close();
    },
  };
}
