import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuditInputError,
  GENESIS_HASH,
  HEAD_REBUILT,
  recordAuditEvent,
  verifyAndRecord,
  verifyAuditChain,
  auditChainState,
  type AuditAction,
} from "../app/privacy/audit-trail.server";
import { setDatabaseForTests } from "../app/db.server";
import { appendConcurrently } from "./support/audit-append";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/database";
import { newSubjectSecret, storefront } from "./support/shopper";
import { SHOP } from "./support/shopify";

/**
 * A writer in another OS process, with its own connection (test/support/audit-append-child.ts). Resolves
 * once it is connected; `go` starts its appends and resolves when it has exited cleanly.
 */
async function childWriter(url: string, shop: string, count: number, tag: string) {
  const child = spawn("node_modules/.bin/jiti", ["test/support/audit-append-child.ts", url, shop, String(count), tag], {
    env: { ...process.env, LOG_LEVEL: "silent" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`writer ${tag} exited ${code}: ${stderr}`)),
    ),
  );
  const ready = new Promise<void>((resolve) =>
    child.stdout.on("data", (c: Buffer) => c.includes("ready") && resolve()),
  );
  await Promise.race([ready, exited]);
  return {
    go: () => {
      child.stdin.end("go\n");
      return exited;
    },
    stop: () => child.exitCode === null && child.kill(),
  };
}

/** The SQLite triggers as the migrations create them, for `tamper` to put back. */
const SQLITE_TRIGGERS = [
  [
    "AuditTrailEvent_no_update",
    `BEFORE UPDATE ON "AuditTrailEvent" BEGIN SELECT RAISE(ABORT, 'AuditTrailEvent is append-only'); END`,
  ],
  [
    "AuditTrailEvent_no_delete",
    `BEFORE DELETE ON "AuditTrailEvent" BEGIN SELECT RAISE(ABORT, 'AuditTrailEvent is append-only'); END`,
  ],
  [
    "AuditChainHead_no_delete",
    `BEFORE DELETE ON "AuditChainHead" BEGIN SELECT RAISE(ABORT, 'AuditChainHead rows are never deleted'); END`,
  ],
] as const;

/** The trail is append-only even for tests, so every case writes to a shop of its own. */
const newShop = () => `audit-${randomBytes(4).toString("hex")}.myshopify.com`;

describe.each(DATABASE_KINDS)("audit trail on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.destroy());

  /** Runs raw SQL with the append-only triggers out of the way, as someone with the database's keys could. */
  async function tamper(sql: string, ...values: unknown[]): Promise<void> {
    const db = database.client;
    const text =
      kind === "postgresql"
        ? sql.replace(
            /\?/g,
            (() => {
              let n = 0;
              return () => `$${++n}`;
            })(),
          )
        : sql;
    if (kind === "sqlite") {
      for (const [name] of SQLITE_TRIGGERS) await db.$executeRawUnsafe(`DROP TRIGGER "${name}"`);
      await db.$executeRawUnsafe(text, ...values);
      for (const [name, sql] of SQLITE_TRIGGERS) await db.$executeRawUnsafe(`CREATE TRIGGER "${name}" ${sql}`);
    } else {
      for (const table of ["AuditTrailEvent", "AuditChainHead"])
        await db.$executeRawUnsafe(`ALTER TABLE "${table}" DISABLE TRIGGER USER`);
      await db.$executeRawUnsafe(text, ...values);
      for (const table of ["AuditTrailEvent", "AuditChainHead"])
        await db.$executeRawUnsafe(`ALTER TABLE "${table}" ENABLE TRIGGER USER`);
    }
  }

  const ACTIONS: AuditAction[] = [
    "consent.given",
    "consent.withdrawn",
    "erasure",
    "export",
    "settings.changed",
    "notice.published",
    "incident.recorded",
    "keys.rotated",
  ];

  async function chainOf(shop: string, n = ACTIONS.length) {
    for (let i = 0; i < n; i++) {
      await recordAuditEvent(database.client, {
        shop,
        action: ACTIONS[i % ACTIONS.length]!,
        subject: `c${i}subject`,
        detail: { n: i },
      });
    }
    return database.client.auditTrailEvent.findMany({ where: { shop }, orderBy: { position: "asc" } });
  }

  it("P21: each event holds the hash of the one before it, from the genesis value on", async () => {
    const shop = newShop();
    const events = await chainOf(shop);
    expect(events.map((e) => e.position)).toEqual(ACTIONS.map((_, i) => i + 1));
    expect(events.map((e) => e.action)).toEqual(ACTIONS);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(await verifyAuditChain(database.client, shop)).toMatchObject({ intact: true, events: ACTIONS.length });
  });

  it("P21: an event joins the caller's transaction and goes when the action rolls back", async () => {
    const shop = newShop();
    await recordAuditEvent(database.client, { shop, action: "consent.given" });
    await expect(
      database.client.$transaction(async (tx) => {
        await recordAuditEvent(tx, { shop, action: "settings.changed" });
        throw new Error("the action failed");
      }),
    ).rejects.toThrow("the action failed");
    expect(await database.client.auditTrailEvent.count({ where: { shop } })).toBe(1);
    expect(await verifyAuditChain(database.client, shop)).toMatchObject({ intact: true, events: 1, length: 1 });
  });

  it("P21: the app itself cannot rewrite or delete an event (database triggers)", async () => {
    const shop = newShop();
    const [event] = await chainOf(shop, 1);
    await expect(
      database.client.auditTrailEvent.update({ where: { id: event!.id }, data: { action: "export" } }),
    ).rejects.toThrow();
    await expect(database.client.auditTrailEvent.delete({ where: { id: event!.id } })).rejects.toThrow();
    await expect(database.client.auditTrailEvent.deleteMany({ where: { shop } })).rejects.toThrow();
    expect(await database.client.auditTrailEvent.count({ where: { shop } })).toBe(1);
  });

  it(
    "P21: concurrent appends from several processes and connections never fork the chain",
    { timeout: 120_000 },
    async () => {
      const shop = newShop();
      const PER_WRITER = 15;
      // Two other processes (like the web server and the worker) and this one, all appending at once:
      // each writer starts only when all are connected, with up to APPENDS_IN_FLIGHT appends in flight.
      const children = await Promise.all(["a", "b"].map((tag) => childWriter(database.url, shop, PER_WRITER, tag)));
      try {
        await Promise.all([
          ...children.map((child) => child.go()),
          appendConcurrently(database.client, shop, PER_WRITER, "here"),
        ]);
      } finally {
        for (const child of children) child.stop();
      }
      const total = 3 * PER_WRITER;
      const events = await database.client.auditTrailEvent.findMany({ where: { shop }, orderBy: { position: "asc" } });
      expect(events.map((e) => e.position)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      // No two events claim the same predecessor: a fork would.
      expect(new Set(events.map((e) => e.prevHash)).size).toBe(total);
      expect(new Set(events.map((e) => e.subject?.split("x")[0]))).toEqual(new Set(["a", "b", "here"]));
      expect(await verifyAuditChain(database.client, shop)).toMatchObject({
        intact: true,
        events: total,
        length: total,
      });
    },
  );

  it("P21: an edited row is detected at its own position, named by id", async () => {
    const shop = newShop();
    const events = await chainOf(shop);
    const victim = events[3]!;
    await tamper(`UPDATE "AuditTrailEvent" SET "detail" = ? WHERE "id" = ?`, '{"n":99}', victim.id);
    const result = await verifyAndRecord(database.client, shop);
    expect(result).toMatchObject({
      intact: false,
      broken: { position: 4, eventId: victim.id, reason: "hash_mismatch" },
    });
    expect(await auditChainState(database.client, shop)).toMatchObject({
      events: ACTIONS.length,
      brokenAt: 4,
      brokenReason: "hash_mismatch",
      verifiedLength: 4,
    });
  });

  it("P21: an edited row whose hash was recomputed breaks the link to the next event", async () => {
    const shop = newShop();
    const events = await chainOf(shop);
    await tamper(`UPDATE "AuditTrailEvent" SET "hash" = ? WHERE "id" = ?`, "f".repeat(64), events[4]!.id);
    const result = await verifyAuditChain(database.client, shop);
    // Position 5's own hash no longer matches its contents: it is the first broken link.
    expect(result.broken).toMatchObject({ position: 5, reason: "hash_mismatch" });
  });

  it("P21: a deleted middle row is detected at the event that lost its predecessor", async () => {
    const shop = newShop();
    const events = await chainOf(shop);
    await tamper(`DELETE FROM "AuditTrailEvent" WHERE "id" = ?`, events[2]!.id);
    const result = await verifyAuditChain(database.client, shop);
    expect(result.broken).toMatchObject({ position: 4, eventId: events[3]!.id, reason: "missing_predecessor" });
    expect(result.broken?.message).toBe("the event before position 4 is missing");
  });

  it("P21: a row replaced by a self-consistent forgery is detected at the link after it", async () => {
    const shop = newShop();
    const events = await chainOf(shop);
    const { auditEventHash } = await import("../app/privacy/audit-trail.server");
    const forged = { ...events[1]!, detail: '{"n":42}' };
    await tamper(
      `UPDATE "AuditTrailEvent" SET "detail" = ?, "hash" = ? WHERE "id" = ?`,
      forged.detail,
      auditEventHash(forged),
      forged.id,
    );
    const result = await verifyAuditChain(database.client, shop);
    expect(result.broken).toMatchObject({ position: 3, eventId: events[2]!.id, reason: "prev_hash_mismatch" });
  });

  it("P21: the newest events deleted are detected against the chain's head", async () => {
    const shop = newShop();
    const events = await chainOf(shop);
    await tamper(`DELETE FROM "AuditTrailEvent" WHERE "shop" = ? AND "position" >= ?`, shop, 7);
    const result = await verifyAuditChain(database.client, shop);
    expect(result.broken).toMatchObject({ position: 7, eventId: null, reason: "missing_tail" });
    expect(events).toHaveLength(ACTIONS.length);
  });

  it("P21: an event added outside the chain (position 0 or below) is detected, not skipped", async () => {
    const shop = newShop();
    const events = await chainOf(shop, 3);
    // Appending is allowed by the triggers: a forged event below the first needs no tampering with them.
    const forged = await database.client.auditTrailEvent.create({
      data: { ...events[0]!, id: undefined, position: 0, action: "export", detail: '{"n":7}' },
    });
    const result = await verifyAuditChain(database.client, shop);
    expect(result).toMatchObject({
      intact: false,
      broken: { position: 0, eventId: forged.id, reason: "outside_chain" },
    });
  });

  it("P21: a chain whose head row was deleted is reported, not called intact", async () => {
    const shop = newShop();
    const events = await chainOf(shop, 4);
    await tamper(`DELETE FROM "AuditChainHead" WHERE "shop" = ?`, shop);
    const result = await verifyAuditChain(database.client, shop);
    expect(result).toMatchObject({
      intact: false,
      broken: { position: 1, eventId: events[0]!.id, reason: "head_missing" },
    });
  });

  it("P21: the app itself cannot delete a chain's head row (database trigger)", async () => {
    const shop = newShop();
    await chainOf(shop, 2);
    await expect(database.client.auditChainHead.delete({ where: { shop } })).rejects.toThrow();
    await expect(database.client.auditChainHead.deleteMany({ where: { shop } })).rejects.toThrow();
    if (kind === "postgresql") {
      await expect(database.client.$executeRawUnsafe(`TRUNCATE "AuditChainHead"`)).rejects.toThrow();
    }
    expect(await database.client.auditChainHead.findUnique({ where: { shop } })).toMatchObject({ length: 2 });
    expect(await verifyAuditChain(database.client, shop)).toMatchObject({ intact: true, events: 2 });
  });

  it("P21: an append after the head row was removed goes on from the last event, never forks, and verification reports it", async () => {
    const shop = newShop();
    const events = await chainOf(shop, 4);
    await tamper(`DELETE FROM "AuditChainHead" WHERE "shop" = ?`, shop);
    // A shopper's consent in a transaction of its own, and another joining the caller's: neither fails.
    await recordAuditEvent(database.client, { shop, action: "consent.given", subject: "after" });
    await database.client.$transaction((tx) => recordAuditEvent(tx, { shop, action: "consent.withdrawn" }));
    const chain = await database.client.auditTrailEvent.findMany({ where: { shop }, orderBy: { position: "asc" } });
    expect(chain.map((e) => [e.position, e.action])).toEqual([
      ...events.map((e) => [e.position, e.action]),
      [5, HEAD_REBUILT],
      [6, "consent.given"],
      [7, "consent.withdrawn"],
    ]);
    expect(chain[4]!.prevHash).toBe(events[3]!.hash);
    expect(JSON.parse(chain[4]!.detail)).toEqual({ headLength: 0, headWasMissing: true, lastPosition: 4 });
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.prevHash).toBe(chain[i - 1]!.hash);
    expect(await database.client.auditChainHead.findUnique({ where: { shop } })).toMatchObject({
      length: 7,
      headHash: chain[6]!.hash,
    });
    // Whole, but never called intact again: events cut from its end before the rebuild cannot be ruled out.
    const result = await verifyAndRecord(database.client, shop);
    expect(result).toMatchObject({
      intact: false,
      events: 7,
      broken: { position: 5, eventId: chain[4]!.id, reason: "head_rebuilt" },
    });
    expect(await auditChainState(database.client, shop)).toMatchObject({ brokenAt: 5, brokenReason: "head_rebuilt" });
    // Tampering after the rebuild is still found first.
    await tamper(`UPDATE "AuditTrailEvent" SET "detail" = ? WHERE "id" = ?`, '{"n":1}', chain[5]!.id);
    expect((await verifyAuditChain(database.client, shop)).broken).toMatchObject({
      position: 6,
      reason: "hash_mismatch",
    });
  });

  it("P7, P8, P21: a shopper's consent and withdrawal through the storefront still succeed after the head row was removed", async () => {
    setDatabaseForTests(database);
    const api = storefront();
    const secret = newSubjectSecret();
    expect((await api.consent(newSubjectSecret())).status).toBe(201);
    await tamper(`DELETE FROM "AuditChainHead" WHERE "shop" = ?`, SHOP);
    const given = await api.consent(secret);
    expect(given.status).toBe(201);
    const withdrawn = await api.withdraw(given.body.consentId, { subjectId: secret, receipt: given.body.receipt });
    expect(withdrawn.status).toBe(200);
    const chain = await database.client.auditTrailEvent.findMany({
      where: { shop: SHOP },
      orderBy: { position: "asc" },
    });
    expect(chain.map((e) => e.action)).toEqual(["consent.given", HEAD_REBUILT, "consent.given", "consent.withdrawn"]);
    expect((await verifyAuditChain(database.client, SHOP)).broken).toMatchObject({
      position: 2,
      reason: "head_rebuilt",
    });
  });

  it("P21: an append after the head was wound back goes on from the last event instead of failing", async () => {
    const shop = newShop();
    const events = await chainOf(shop, 5);
    await database.client.auditChainHead.update({ where: { shop }, data: { length: 2, headHash: events[1]!.hash } });
    await recordAuditEvent(database.client, { shop, action: "consent.given" });
    const chain = await database.client.auditTrailEvent.findMany({ where: { shop }, orderBy: { position: "asc" } });
    expect(chain.map((e) => e.action).slice(5)).toEqual([HEAD_REBUILT, "consent.given"]);
    expect(JSON.parse(chain[5]!.detail)).toEqual({ headLength: 2, headWasMissing: false, lastPosition: 5 });
    expect(new Set(chain.map((e) => e.prevHash)).size).toBe(7);
    expect((await verifyAuditChain(database.client, shop)).broken).toMatchObject({
      position: 6,
      reason: "head_rebuilt",
    });
  });

  it("P21: a head wound back to an earlier event is detected at the first event past it", async () => {
    const shop = newShop();
    const events = await chainOf(shop, 6);
    // Consistent with itself: the length and hash of event 3, as if events 4-6 had never been appended.
    await database.client.auditChainHead.update({ where: { shop }, data: { length: 3, headHash: events[2]!.hash } });
    const result = await verifyAuditChain(database.client, shop);
    expect(result).toMatchObject({
      intact: false,
      broken: { position: 4, eventId: events[3]!.id, reason: "beyond_head" },
    });
  });

  it("P21: events appended while the chain is being verified are not taken for tampering", async () => {
    const shop = newShop();
    await chainOf(shop, 3);
    // The first reads of the head are each followed at once by another action's append, before the
    // events are read; then the appends stop.
    let racing = 3;
    const appending = new Proxy(database.client, {
      get(target, property, receiver) {
        if (property !== "auditChainHead") return Reflect.get(target, property, receiver);
        return new Proxy(target.auditChainHead, {
          get(heads, name, r) {
            if (name !== "findUnique") return Reflect.get(heads, name, r);
            return async (args: Parameters<typeof heads.findUnique>[0]) => {
              const head = await heads.findUnique(args);
              if (racing-- > 0) await recordAuditEvent(target, { shop, action: "consent.given", subject: "racer" });
              return head;
            };
          },
        });
      },
    });
    const result = await verifyAuditChain(appending, shop);
    expect(result).toMatchObject({ intact: true, events: 6, length: 6 });
    expect(await verifyAuditChain(database.client, shop)).toMatchObject({ intact: true });
  });

  it.each([
    ["an email", { subject: "jane@example.com" }],
    ["a customer id", { subject: "7390123456789" }],
    ["an email in the detail", { detail: { contact: "jane@example.com" } }],
    ["a phone number in the detail", { detail: { phone: "+91 98765 43210".replace(/ /g, "") } }],
    ["an IP address in the detail", { detail: { from: "203.0.113.7" } }],
  ])("P21: %s is refused before anything is written", async (_label, extra) => {
    const shop = newShop();
    await expect(recordAuditEvent(database.client, { shop, action: "erasure", ...extra })).rejects.toThrow(
      AuditInputError,
    );
    expect(await database.client.auditTrailEvent.count({ where: { shop } })).toBe(0);
  });
});
