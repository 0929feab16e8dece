import { writeFileSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { migrate, migrationsFor } from "../app/db/migrate.server";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/database";
import { seedShop, seedSubject } from "./support/seed";
import { SHOP } from "./support/shopify";

describe.each(DATABASE_KINDS)("data layer on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.destroy());

  it("P7: consent records are append-only: the database refuses to rewrite one, but erasure may delete it", async () => {
    const notice = await seedShop(database.client, SHOP);
    const seeded = await seedSubject(database.client, appKeyring(), {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "a",
    });
    const refused = await database.client.consentRecord
      .update({ where: { id: seeded.consentId }, data: { ageConfirmed: false } })
      .then(
        () => null,
        (error: { message: string; meta?: unknown }) => error,
      );
    // PostgreSQL's message carries the trigger's text; SQLite's arrives in the driver's detail.
    expect(`${refused?.message} ${JSON.stringify(refused?.meta)}`).toContain("append-only");
    const kept = await database.client.consentRecord.findUniqueOrThrow({ where: { id: seeded.consentId } });
    expect(kept.ageConfirmed).toBe(true);
    await database.client.subject.delete({ where: { id: seeded.subjectId } });
    expect(await database.client.consentRecord.count({ where: { id: seeded.consentId } })).toBe(0);
  });

  it("migrating an up-to-date database applies nothing", async () => {
    expect(await migrate(database.url)).toEqual([]);
  });
});

describe("migration runner", () => {
  it("refuses a migration that was edited after it was applied, naming it", async () => {
    const database = await createTestDatabase("sqlite");
    const [first] = migrationsFor(database.url);
    const file = `prisma/migrations/${first?.name}/migration.sql`;
    const original = readFileSync(file, "utf8");
    try {
      writeFileSync(file, `${original}\n-- edited\n`);
      await expect(migrate(database.url)).rejects.toThrow(`Migration ${first?.name} was changed after it was applied`);
    } finally {
      writeFileSync(file, original);
      await database.destroy();
    }
  });

  it("keeps the SQLite and PostgreSQL migration histories in step", () => {
    const names = (dir: string) => migrationsFor(dir).map((m) => m.name);
    expect(names("file:x.db")).toEqual(names("postgresql://localhost/x"));
  });
});
