import { afterAll, beforeAll, beforeEach } from "vitest";
import { setDatabaseForTests } from "../../app/db.server";
import { clearAll, createTestDatabase, type TestDatabase } from "./database";

/**
 * The usual life of a test file's database: created and migrated once, emptied before each test,
 * destroyed at the end; with `app: true` the app's own code (routes, handlers) uses it too. Returns
 * a stand-in that reaches the live database, so tests write `database.client` as usual.
 */
export function useDatabase(kind: "sqlite" | "postgresql", options: { app?: boolean } = {}): TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(kind);
    if (options.app) setDatabaseForTests(current);
  });
  afterAll(() => current?.destroy());
  beforeEach(() => clearAll(live()));
  const live = (): TestDatabase => {
    if (!current) throw new Error("The test database is used before beforeAll ran.");
    return current;
  };
  return new Proxy({} as TestDatabase, { get: (_target, key) => Reflect.get(live(), key) });
}
