import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/database";

// Two requests in one process share the SQLite client: one in an interactive transaction, the other
// writing or reading on its own. What the second does must not depend on how the first one ends.
describe("SQLite: a transaction is isolated from the rest of the process", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
  });
  afterAll(() => database.close());

  /** Opens a transaction that writes `shop`, waits for `release`, then commits or fails. */
  function openTransaction(shop: string, outcome: "commit" | "fail") {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let began!: () => void;
    const begun = new Promise<void>((resolve) => (began = resolve));
    const done = database.client.$transaction(async (tx) => {
      await tx.shopErasure.create({ data: { shop, erasedAt: new Date() } });
      began();
      await released;
      if (outcome === "fail") throw new Error("the action failed");
    });
    return { begun, release, done };
  }

  it("another request's write survives a transaction that rolls back while it was open", async () => {
    const tx = openTransaction("rolled-back.myshopify.com", "fail");
    await tx.begun;
    // Sent now (Prisma's queries are lazy until then()), while the transaction is open. A single
    // statement: Prisma wraps a model create in a transaction of its own, which already waits.
    const write = database.client
      .$executeRaw`INSERT INTO "ShopErasure" ("shop", "erasedAt") VALUES (${"bystander.myshopify.com"}, ${new Date()})`.then(
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    tx.release();
    await expect(tx.done).rejects.toThrow("the action failed");
    await write;
    const shops = (await database.client.shopErasure.findMany({ select: { shop: true } })).map((r) => r.shop);
    expect(shops).toContain("bystander.myshopify.com");
    expect(shops).not.toContain("rolled-back.myshopify.com");
  });

  it("another request's read does not see a transaction's rows before it commits", async () => {
    const tx = openTransaction("uncommitted.myshopify.com", "commit");
    await tx.begun;
    const read = database.client.shopErasure.findUnique({ where: { shop: "uncommitted.myshopify.com" } });
    let readFirst = false;
    void read.then(() => (readFirst = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readFirst).toBe(false);
    tx.release();
    await tx.done;
    expect(await read).not.toBeNull();
  });

  it("a transaction queued behind a long one waits its turn instead of failing after Prisma's default 2 s", async () => {
    const first = openTransaction("long.myshopify.com", "commit");
    await first.begun;
    const second = database.client.$transaction(async (tx) => {
      await tx.shopErasure.create({ data: { shop: "queued.myshopify.com", erasedAt: new Date() } });
    });
    const settled = second.then(
      () => "committed",
      (error: unknown) => String(error),
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    first.release();
    await first.done;
    expect(await settled).toBe("committed");
  });
});
