import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAuditEvent } from "../app/privacy/audit-trail.server";
import { createTestDatabase, type TestDatabase } from "./support/database";

const SHOP_A = "intact-store.myshopify.com";
const SHOP_B = "tampered-store.myshopify.com";

/** `npm run audit:verify` is `node server.mjs --audit-verify` over the build (npm run build first). */
async function auditVerify(url: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["server.mjs", "--audit-verify"], {
      env: { ...process.env, NODE_ENV: "development", DATABASE_URL: url, LOG_LEVEL: "silent" },
      timeout: 60_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "" };
  }
}

describe("npm run audit:verify", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    for (const shop of [SHOP_A, SHOP_B]) {
      for (let i = 0; i < 5; i++) await recordAuditEvent(database.client, { shop, action: "consent.given" });
    }
  });
  afterAll(() => database.destroy());

  it("P21: exits 0 and says so when every chain is intact", async () => {
    const result = await auditVerify(database.url);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${SHOP_A}: intact, 5 events`);
    expect(result.stdout).toContain(`${SHOP_B}: intact, 5 events`);
  });

  it("P21: exits 1 naming the first broken link of a chain whose middle row was deleted", async () => {
    const db = database.client;
    const third = await db.auditTrailEvent.findFirstOrThrow({ where: { shop: SHOP_B, position: 3 } });
    const fourth = await db.auditTrailEvent.findFirstOrThrow({ where: { shop: SHOP_B, position: 4 } });
    // Someone with the database's keys: the trigger out of the way, a row gone, the trigger back.
    await db.$executeRawUnsafe(`DROP TRIGGER "AuditTrailEvent_no_delete"`);
    await db.$executeRawUnsafe(`DELETE FROM "AuditTrailEvent" WHERE "id" = ?`, third.id);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER "AuditTrailEvent_no_delete" BEFORE DELETE ON "AuditTrailEvent" BEGIN SELECT RAISE(ABORT, 'AuditTrailEvent is append-only'); END`,
    );
    const result = await auditVerify(database.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${SHOP_A}: intact, 5 events`);
    expect(result.stdout).toContain(
      `${SHOP_B}: BROKEN at position 4 (event ${fourth.id}): missing_predecessor: the event before position 4 is missing`,
    );
  });
});
