import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../app/db/client.server";
import { backoffMs, claimNext, enqueue, enqueueOnce, queueStats } from "../app/jobs/queue.server";
import { PermanentJobError, startWorker, type JobHandler } from "../app/jobs/worker.server";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "./support/database";

const until = async (check: () => Promise<boolean>, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("backoff", () => {
  it("grows exponentially, stays within [ceiling/2, ceiling] and caps at an hour", () => {
    expect(backoffMs(1, () => 0)).toBe(1_000);
    expect(backoffMs(1, () => 1)).toBe(2_000);
    expect(backoffMs(3, () => 1)).toBe(8_000);
    expect(backoffMs(30, () => 1)).toBe(3_600_000);
  });
});

describe.each(DATABASE_KINDS)("job queue on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.destroy());
  beforeEach(async () => {
    await database.client.job.deleteMany();
  });

  it("enqueues once per dedupe key, however often it is asked", async () => {
    const a = await enqueueOnce(database.client, { type: "t", payload: {}, dedupeKey: "webhook:1" });
    const b = await enqueueOnce(database.client, { type: "t", payload: {}, dedupeKey: "webhook:1" });
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, created: false });
    expect(await database.client.job.count()).toBe(1);
  });

  it("runs each job exactly once with several workers on separate connections claiming at the same time", async () => {
    const N = 120;
    for (let i = 0; i < N; i++) await enqueue(database.client, { type: "count", payload: { i } });
    const runs = new Map<number, number>();
    const handler: JobHandler = {
      run: async (payload) => {
        const i = (payload as { i: number }).i;
        runs.set(i, (runs.get(i) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1));
      },
    };
    // Each worker has its own connection, as separate app instances would.
    const connections = await Promise.all([1, 2, 3].map(() => openDatabase(database.url)));
    const workers = connections.map((c, n) =>
      startWorker({ database: c, handlers: { count: handler }, pollMs: 5, leaseMs: 30_000, workerId: `w${n}` }),
    );
    await until(async () => (await queueStats(database.client)).done === N, 60_000);
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(connections.map((c) => c.close()));
    expect(runs.size).toBe(N);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const owners = await database.client.job.findMany({ select: { payload: true } });
    // Finished jobs forget their payload: it may have named a customer.
    expect(owners.every((j) => j.payload === "{}")).toBe(true);
  });

  it("retries a failing job with backoff, then marks it failed with a safe error after maxAttempts", async () => {
    const { id } = await enqueue(database.client, { type: "flaky", payload: {}, maxAttempts: 2 });
    let calls = 0;
    const worker = startWorker({
      database,
      handlers: {
        flaky: {
          run: async () => {
            calls++;
            throw new Error("vendor unavailable");
          },
        },
      },
      pollMs: 5,
      leaseMs: 30_000,
    });
    await until(async () => (await database.client.job.findUniqueOrThrow({ where: { id } })).attempts === 1);
    await worker.idle();
    let job = await database.client.job.findUniqueOrThrow({ where: { id } });
    expect(job.status).toBe("queued");
    expect(job.runAt.getTime()).toBeGreaterThan(Date.now() + 500);
    expect(job.lastError).toBe("Error: vendor unavailable");
    // Make the retry due now instead of waiting for the backoff.
    await database.client.job.update({ where: { id }, data: { runAt: new Date() } });
    await until(async () => (await database.client.job.findUniqueOrThrow({ where: { id } })).status === "failed");
    await worker.stop();
    job = await database.client.job.findUniqueOrThrow({ where: { id } });
    expect(calls).toBe(2);
    expect(job.attempts).toBe(2);
  });

  it("does not retry a permanent error or a job type nobody handles", async () => {
    const bad = await enqueue(database.client, { type: "strict", payload: {} });
    const unknown = await enqueue(database.client, { type: "nobody-handles-this", payload: {} });
    const worker = startWorker({
      database,
      handlers: { strict: { run: async () => Promise.reject(new PermanentJobError("payload malformed")) } },
      pollMs: 5,
      leaseMs: 30_000,
    });
    await worker.idle();
    await worker.stop();
    const rows = await database.client.job.findMany({ where: { id: { in: [bad.id, unknown.id] } } });
    expect(rows.map((r) => r.status)).toEqual(["failed", "failed"]);
  });

  it("P10: a job whose worker died is claimed again once its lease expires", async () => {
    const { id } = await enqueue(database.client, { type: "t", payload: {} });
    const first = await claimNext(database, "dead-worker", 200);
    expect(first?.id).toBe(id);
    expect(await claimNext(database, "other", 200)).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    const again = await claimNext(database, "other", 200);
    expect(again).toMatchObject({ id, attempts: 2, lockedBy: "other" });
  });

  it("schedules a periodic job once per period across instances", async () => {
    const seen: string[] = [];
    const handlers = { tick: { run: async (_p: unknown, c: { job: { id: string } }) => void seen.push(c.job.id) } };
    const options = {
      database,
      handlers,
      pollMs: 5,
      leaseMs: 30_000,
      periodic: [{ type: "tick", everyMs: 3_600_000 }],
    };
    const a = startWorker(options);
    const b = startWorker(options);
    await a.idle();
    await b.idle();
    await Promise.all([a.stop(), b.stop()]);
    expect(seen).toHaveLength(1);
  });
});
