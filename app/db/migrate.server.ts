import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { databaseKind, sqliteFile } from "./url";

/**
 * Applies the checked-in migrations in order and records them, for SQLite and PostgreSQL alike.
 * Prisma's own `migrate deploy` cannot run on PostgreSQL offline (docs/decisions/0002), so one
 * small runner serves both. Each migration runs in its own transaction; a failure leaves the
 * database at the previous migration and names the file.
 */
// app/db/ in source and build/server/ once bundled are both two levels below the project root.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const LEDGER = "_scanshield_migrations";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationsFor(url: string): Migration[] {
  const dir = join(ROOT, databaseKind(url) === "sqlite" ? "prisma/migrations" : "prisma/migrations-postgres");
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

function checkLedger(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  for (const m of migrations) {
    const sum = applied.get(m.name);
    if (sum && sum !== m.checksum) {
      throw new MigrationError(`Migration ${m.name} was changed after it was applied; add a new migration instead.`);
    }
  }
  return migrations.filter((m) => !applied.has(m.name));
}

/** Brings the database at `url` up to date; returns the names of the migrations it applied. */
export async function migrate(url: string): Promise<string[]> {
  const migrations = migrationsFor(url);
  if (databaseKind(url) === "sqlite") {
    const file = sqliteFile(url);
    mkdirSync(dirname(file), { recursive: true });
    const sqlite = new Database(file);
    try {
      sqlite.pragma("journal_mode = WAL");
      sqlite.exec(
        `CREATE TABLE IF NOT EXISTS "${LEDGER}" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`,
      );
      const rows = sqlite.prepare(`SELECT name, checksum FROM "${LEDGER}"`).all() as {
        name: string;
        checksum: string;
      }[];
      const pending = checkLedger(new Map(rows.map((r) => [r.name, r.checksum])), migrations);
      for (const m of pending) {
        try {
          sqlite.transaction(() => {
            sqlite.exec(m.sql);
            sqlite
              .prepare(`INSERT INTO "${LEDGER}" VALUES (?, ?, ?)`)
              .run(m.name, m.checksum, new Date().toISOString());
          })();
        } catch (error) {
          throw new MigrationError(`Migration ${m.name} failed: ${(error as Error).message}`);
        }
      }
      return pending.map((m) => m.name);
    } finally {
      sqlite.close();
    }
  }

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One runner at a time across app instances.
    await client.query("SELECT pg_advisory_lock(724001)");
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${LEDGER}" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "${LEDGER}"`);
    const pending = checkLedger(new Map(rows.map((r) => [r.name, r.checksum])), migrations);
    for (const m of pending) {
      try {
        await client.query("BEGIN");
        await client.query(m.sql);
        await client.query(`INSERT INTO "${LEDGER}" (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new MigrationError(`Migration ${m.name} failed: ${(error as Error).message}`);
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query("SELECT pg_advisory_unlock(724001)").catch(() => undefined);
    await client.end();
  }
}
