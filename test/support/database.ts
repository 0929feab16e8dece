import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../../app/db/client.server";
import { migrate } from "../../app/db/migrate.server";

export interface TestDatabase extends Database {
  url: string;
  /** For SQLite: the database file, so tests can read the raw bytes. */
  file?: string;
  destroy(): Promise<void>;
}

/** The engines tests run against: SQLite always, PostgreSQL when .ci/run (or scripts/test.sh) started one. */
export const DATABASE_KINDS: ("sqlite" | "postgresql")[] = process.env.TEST_POSTGRES_URL
  ? ["sqlite", "postgresql"]
  : ["sqlite"];

/** A fresh, migrated database of its own for one test file or case. */
export async function createTestDatabase(kind: "sqlite" | "postgresql" = "sqlite"): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "scanshield-test-"));
    const file = join(dir, "test.db");
    const url = `file:${file}`;
    await migrate(url);
    const db = await openDatabase(url);
    return {
      ...db,
      url,
      file,
      destroy: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const admin = process.env.TEST_POSTGRES_URL;
  if (!admin) throw new Error("TEST_POSTGRES_URL is not set: start PostgreSQL with scripts/postgres.sh");
  const name = `scanshield_test_${randomBytes(6).toString("hex")}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE "${name}"`);
  await adminClient.end();
  const parsed = new URL(admin);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  await migrate(url);
  const db = await openDatabase(url);
  return {
    ...db,
    url,
    destroy: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Empties every table (children first), so each test in a file starts from nothing. */
export async function clearAll(database: Pick<TestDatabase, "client">): Promise<void> {
  const db = database.client;
  // Subjects cascade to consents, scans, images and exports.
  await db.subject.deleteMany();
  await db.$transaction([
    db.dataExport.deleteMany(),
    db.privacyRequest.deleteMany(),
    // Incidents cascade to their affected sets.
    db.incident.deleteMany(),
    db.noticeVersion.deleteMany(),
    db.remoteDeletion.deleteMany(),
    db.webhookDelivery.deleteMany(),
    db.job.deleteMany(),
    db.auditEvent.deleteMany(),
    db.requestLog.deleteMany(),
    db.session.deleteMany(),
    db.shop.deleteMany(),
    db.product.deleteMany(),
    db.recommendationRule.deleteMany(),
    db.dailyStat.deleteMany(),
    db.dailyInsight.deleteMany(),
    db.hourlyInsight.deleteMany(),
    db.storefrontEventDay.deleteMany(),
    db.shopOnboarding.deleteMany(),
    db.shopPlan.deleteMany(),
    db.scanUsage.deleteMany(),
    db.shopErasure.deleteMany(),
  ]);
}
