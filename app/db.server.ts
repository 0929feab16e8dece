import { openDatabase, type Database } from "./db/client.server";
import { env } from "./env.server";

/**
 * The process's database, opened once (the Remix template's db.server.ts, made lazy so that
 * configuration errors surface at boot with a clear message rather than at import).
 */
declare global {
  // Survives Vite's module reloads in development.
  var __scanshieldDb: Promise<Database> | undefined;
}

let role: "web" | "worker" = "web";

/** Called by the worker process before it first touches the database: it owns the checkpoints. */
export function openAsWorker(): void {
  role = "worker";
}

export function database(): Promise<Database> {
  globalThis.__scanshieldDb ??= openDatabase(env().DATABASE_URL, { role });
  return globalThis.__scanshieldDb;
}

/** Tests point the app at a database of their own (one per test file). */
export function setDatabaseForTests(db: Database): void {
  globalThis.__scanshieldDb = Promise.resolve(db);
}
