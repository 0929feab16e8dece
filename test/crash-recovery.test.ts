import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../app/db/client.server";
import { migrate } from "../app/db/migrate.server";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/database";
import { seedManyScansSqlite, seedShop } from "./support/seed";
import { startServer, type RunningServer } from "./support/server";
import { payloads, SHOP, signedWebhook, TEST_SECRET } from "./support/shopify";

/**
 * P10 end to end, with the real server process: a shop/redact is accepted over HTTP, the process
 * is killed with SIGKILL while the erasure is half done, and after a restart the job is claimed
 * again (its lease expired) and finishes. A Shopify retry of the same delivery changes nothing.
 */
const SCANS = 60_000;

describe("P10: a crash mid-way through a compliance job loses nothing", () => {
  let dir: string;
  let file: string;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-crash-"));
    file = join(dir, "app.db");
    await migrate(`file:${file}`);
    const db = await openDatabase(`file:${file}`);
    const notice = await seedShop(db.client, SHOP);
    await db.close();
    seedManyScansSqlite(file, SHOP, notice.id, SCANS);
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    DATABASE_URL: `file:${file}`,
    SHOPIFY_API_SECRET: TEST_SECRET,
    JOB_LEASE_MS: "1500",
    JOB_POLL_INTERVAL_MS: "50",
  });
  // A second connection, read-only, as an operator would look at the database.
  const peek = <T>(sql: string): T => {
    const sqlite = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return sqlite.prepare(sql).get() as T;
    } finally {
      sqlite.close();
    }
  };
  const scans = () => peek<{ n: number }>(`SELECT count(*) AS n FROM "Scan"`).n;
  const post = (s: RunningServer, w: ReturnType<typeof signedWebhook>) =>
    fetch(`${s.baseUrl}/webhooks/shop/redact`, { method: "POST", headers: w.headers, body: w.body });

  it("P10: kill -9 during shop/redact, restart, and the erasure completes exactly once", async () => {
    const delivery = signedWebhook("SHOP_REDACT", payloads.shopRedact());
    server = await startServer(env());
    const response = await post(server, delivery);
    expect(response.status).toBe(200);

    // Wait until the job has erased some, but not all, of the shop's scans; then pull the plug.
    const deadline = Date.now() + 60_000;
    let remaining = scans();
    while (!(remaining < SCANS && remaining > 0)) {
      if (Date.now() > deadline) throw new Error(`never caught the job mid-way (remaining ${remaining})`);
      await new Promise((r) => setTimeout(r, 5));
      remaining = scans();
    }
    await server.stop("SIGKILL");
    const afterCrash = scans();
    expect(afterCrash).toBeGreaterThan(0);
    expect(peek<{ status: string }>(`SELECT status FROM "Job" WHERE type = 'compliance.shop_redact'`).status).toBe(
      "running",
    );

    server = await startServer(env());
    // Shopify retries deliveries it is unsure about; the retry is acknowledged and ignored.
    expect((await post(server, delivery)).status).toBe(200);
    const finished = Date.now() + 60_000;
    while (
      peek<{ status: string }>(`SELECT status FROM "Job" WHERE type = 'compliance.shop_redact'`).status !== "done"
    ) {
      if (Date.now() > finished) throw new Error(`job did not finish after restart:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.stop();

    expect(scans()).toBe(0);
    expect(peek<{ n: number }>(`SELECT count(*) AS n FROM "Subject"`).n).toBe(0);
    expect(peek<{ n: number }>(`SELECT count(*) AS n FROM "Shop"`).n).toBe(0);
    const job = peek<{ attempts: number; n: number }>(
      `SELECT max(attempts) AS attempts, count(*) AS n FROM "Job" WHERE type = 'compliance.shop_redact'`,
    );
    expect(job).toEqual({ attempts: 2, n: 1 });
    expect(peek<{ n: number }>(`SELECT count(*) AS n FROM "WebhookDelivery"`).n).toBe(1);
    // Two server starts and a lease expiry: generous, since other suites share the two cores.
  }, 180_000);
});

/**
 * P10 for the group commit (docs/decisions/0008-webhook-group-commit.md): deliveries arriving together
 * are acknowledged only once the transaction holding them has committed, so killing the server in the
 * middle of a burst loses none that was acknowledged. Shopify then delivers again what it got no answer
 * for, and every delivery is processed exactly once.
 */
describe.each(DATABASE_KINDS)("P10: kill -9 in the middle of a webhook burst on %s", (kind) => {
  let database: TestDatabase;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await seedShop(database.client, SHOP);
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    await database.destroy();
  });

  const BURST = 300;
  const deliveries = Array.from({ length: BURST }, (_, i) =>
    signedWebhook("CUSTOMERS_REDACT", payloads.customerRedact(10_000 + i)),
  );
  const post = (s: RunningServer, w: ReturnType<typeof signedWebhook>) =>
    fetch(`${s.baseUrl}/webhooks/customers/redact`, { method: "POST", headers: w.headers, body: w.body }).then(
      async (r) => (await r.arrayBuffer(), r.status),
      () => 0,
    );
  const env = () => ({ DATABASE_URL: database.url, SHOPIFY_API_SECRET: TEST_SECRET, JOB_POLL_INTERVAL_MS: "50" });

  it("P10: every delivery acknowledged before the kill is recorded with its job; after the retries each runs once", async () => {
    // The intake alone first: no job runs before the kill.
    server = await startServer({ ...env(), JOBS_IN_PROCESS: "false" });
    const running = server;
    // Open loop, one delivery every 2 ms; the server is killed once 100 have been acknowledged.
    const acknowledged: string[] = [];
    let killed: Promise<unknown> | undefined;
    const sent = deliveries.map(
      (w, i) =>
        new Promise<void>((resolve) =>
          setTimeout(async () => {
            if ((await post(running, w)) === 200) acknowledged.push(w.webhookId);
            if (acknowledged.length >= 100) killed ??= running.stop("SIGKILL");
            resolve();
          }, i * 2),
        ),
    );
    await Promise.all(sent);
    await killed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(100);
    expect(acknowledged.length).toBeLessThan(BURST);

    const db = database.client;
    const recorded = new Set(
      (await db.webhookDelivery.findMany({ select: { webhookId: true } })).map((d) => d.webhookId),
    );
    expect(acknowledged.filter((id) => !recorded.has(id))).toEqual([]);
    const jobs = await db.job.findMany({ where: { dedupeKey: { in: acknowledged.map((id) => `webhook:${id}`) } } });
    expect(jobs).toHaveLength(acknowledged.length);

    // Shopify delivers again whatever it has no 200 for (here: everything, to include repeats of acknowledged ones).
    server = await startServer(env());
    const statuses = [];
    for (let i = 0; i < BURST; i += 50)
      statuses.push(...(await Promise.all(deliveries.slice(i, i + 50).map((w) => post(server!, w)))));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const finished = Date.now() + 120_000;
    while ((await db.job.count({ where: { status: { not: "done" } } })) > 0) {
      if (Date.now() > finished) throw new Error(`jobs did not finish:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop();

    expect(await db.webhookDelivery.count()).toBe(BURST);
    expect(await db.job.count({ where: { type: "compliance.customers_redact" } })).toBe(BURST);
    expect(await db.privacyRequest.count({ where: { status: "completed" } })).toBe(BURST);
    expect(await db.privacyRequest.count()).toBe(BURST);
    // No job ran before the kill (no worker then), so each ran exactly once after it.
    expect(await db.auditEvent.count({ where: { action: "customer.redacted" } })).toBe(BURST);
  }, 240_000);
});
