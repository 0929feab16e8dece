import type { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

type Adapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
type Transaction = Awaited<ReturnType<Adapter["startTransaction"]>>;

/**
 * Makes Prisma's SQLite transactions isolated from the rest of the process.
 *
 * The better-sqlite3 adapter runs everything on one connection and only serialises transactions
 * against each other: a query from another request, issued while an interactive transaction awaits,
 * runs on that same connection and so lands inside the open transaction. It then sees uncommitted
 * rows, and is silently undone if the transaction rolls back. The gate holds such queries until the
 * transaction ends, as a second connection would wait for the lock. Queries of the transaction itself
 * go through its own object and pass. A query issued on the client (not `tx`) from inside a
 * transaction's callback now waits for that transaction: it times out instead of joining it.
 */
export function withTransactionGate(factory: PrismaBetterSQLite3): PrismaBetterSQLite3 {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => gate(await connect());
  return factory;
}

function gate(adapter: Adapter): Adapter {
  let open: Promise<void> | null = null;
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    const tx: Transaction = await startTransaction(isolationLevel);
    let end!: () => void;
    const current = new Promise<void>((resolve) => (end = resolve));
    open = current;
    const finish = () => {
      if (open === current) open = null;
      end();
    };
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    tx.commit = () => commit().finally(finish);
    tx.rollback = () => rollback().finally(finish);
    return tx;
  };
  // The adapter runs a statement synchronously when called: checking `open` and running happen in
  // one turn of the event loop, so no transaction can begin in between.
  const queryRaw = adapter.queryRaw.bind(adapter);
  const executeRaw = adapter.executeRaw.bind(adapter);
  const executeScript = adapter.executeScript.bind(adapter);
  const outside = async <T>(run: () => Promise<T>): Promise<T> => {
    while (open) await open;
    return run();
  };
  adapter.queryRaw = (query) => outside(() => queryRaw(query));
  adapter.executeRaw = (query) => outside(() => executeRaw(query));
  adapter.executeScript = (script) => outside(() => executeScript(script));
  return adapter;
}
