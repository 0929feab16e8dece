import { randomUUID } from "node:crypto";
import type { Job } from "@prisma/client";
import type { Database, Db, DbOrTx } from "../db/client.server";
import { isUniqueViolation } from "../db/errors";
import { describeError } from "../logger.server";

/**
 * A durable job queue in the application's own database (docs/decisions/0003-job-queue.md).
 * At-least-once: a job is claimed under a lease; a worker that dies loses its lease and the job
 * is claimed again, so every handler must be idempotent.
 */
export type JobStatus = "queued" | "running" | "done" | "failed";

export interface EnqueueInput {
  type: string;
  payload: unknown;
  /** At most one job ever exists per key (a webhook id, a sweep's time bucket). */
  dedupeKey?: string;
  shop?: string;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * The row for a new job, with its id chosen here so callers can reference it in the same batch
 * transaction (one round trip; see compliance.server.ts).
 */
export function newJob(input: EnqueueInput) {
  return {
    id: randomUUID(),
    type: input.type,
    payload: JSON.stringify(input.payload ?? {}),
    dedupeKey: input.dedupeKey ?? null,
    shop: input.shop ?? null,
    runAt: input.runAt ?? new Date(),
    maxAttempts: input.maxAttempts ?? 8,
  };
}

/**
 * Every column of a new queued job, for a raw multi-row INSERT that joins the caller's transaction
 * (app/db/raw.server.ts fills no defaults): the webhook intake writes a batch of these at once.
 */
export function queuedJobRow(input: EnqueueInput, now: Date) {
  return { ...newJob(input), status: "queued" as JobStatus, attempts: 0, createdAt: now, updatedAt: now };
}

export async function enqueue(db: DbOrTx, input: EnqueueInput): Promise<{ id: string; created: boolean }> {
  if (input.dedupeKey) {
    const existing = await db.job.findUnique({ where: { dedupeKey: input.dedupeKey }, select: { id: true } });
    if (existing) return { id: existing.id, created: false };
  }
  return { id: (await db.job.create({ data: newJob(input), select: { id: true } })).id, created: true };
}

/** Outside a transaction: enqueue, treating a concurrent insert of the same key as "already there". */
export async function enqueueOnce(db: Db, input: EnqueueInput & { dedupeKey: string }) {
  try {
    return await enqueue(db, input);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await db.job.findUniqueOrThrow({ where: { dedupeKey: input.dedupeKey }, select: { id: true } });
    return { id: existing.id, created: false };
  }
}

/** A job still to be done: queued, or claimed by a worker and running. */
export const isActiveJob = (job: { status: string }): boolean => job.status === "queued" || job.status === "running";

/** A shop's most recent job of one type. */
export const latestJobOf = (db: Db, shop: string, type: string) =>
  db.job.findFirst({
    where: { shop, type },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, status: true, lastError: true },
  });

/**
 * Queues a job of this type for the shop unless one is already queued or running. The dedupe key names
 * the shop's latest job of the type, so two callers that race both name the same one and only one job
 * is created, while a call after that job has finished (or failed) names it and starts a new one.
 */
export async function enqueueUnlessActive(
  db: Db,
  input: EnqueueInput & { shop: string },
): Promise<{ jobId: string; created: boolean }> {
  const latest = await latestJobOf(db, input.shop, input.type);
  if (latest && isActiveJob(latest)) return { jobId: latest.id, created: false };
  const { id, created } = await enqueueOnce(db, {
    ...input,
    dedupeKey: `${input.type}:${input.shop}:after:${latest?.id ?? "none"}`,
  });
  return { jobId: id, created };
}

/**
 * Claims the next due job (queued and due, or running with an expired lease) for `workerId`.
 * PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances never wait on each other's candidates.
 * SQLite: a single UPDATE … RETURNING; SQLite has one writer at a time.
 */
export async function claimNext(database: Database, workerId: string, leaseMs: number): Promise<Job | null> {
  const db = database.client;
  if (database.kind === "postgresql") {
    const rows = await db.$queryRawUnsafe<{ id: string }[]>(
      `UPDATE "Job" SET "status" = 'running', "lockedBy" = $1, "attempts" = "attempts" + 1,
         "lockedUntil" = (now() AT TIME ZONE 'UTC') + ($2 * interval '1 millisecond'),
         "updatedAt" = (now() AT TIME ZONE 'UTC')
       WHERE "id" = (
         SELECT "id" FROM "Job"
         WHERE ("status" = 'queued' AND "runAt" <= (now() AT TIME ZONE 'UTC'))
            OR ("status" = 'running' AND "lockedUntil" < (now() AT TIME ZONE 'UTC'))
         ORDER BY "runAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING "id"`,
      workerId,
      leaseMs,
    );
    const id = rows[0]?.id;
    return id ? db.job.findUnique({ where: { id } }) : null;
  }

  // One statement, so SQLite (one writer at a time) claims atomically. The adapter writes Dates
  // in the same ISO-8601 text Prisma stores, so the comparisons hold.
  const now = new Date();
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Job" SET "status" = 'running', "lockedBy" = ${workerId}, "attempts" = "attempts" + 1,
      "lockedUntil" = ${new Date(now.getTime() + leaseMs)}, "updatedAt" = ${now}
    WHERE "id" = (
      SELECT "id" FROM "Job"
      WHERE ("status" = 'queued' AND "runAt" <= ${now}) OR ("status" = 'running' AND "lockedUntil" < ${now})
      ORDER BY "runAt" LIMIT 1)
    RETURNING "id"`;
  const id = rows[0]?.id;
  return id ? db.job.findUnique({ where: { id } }) : null;
}

/** Extends the lease of a job this worker still holds; false when it was lost. */
export async function heartbeat(db: Db, job: Job, workerId: string, leaseMs: number): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: job.id, lockedBy: workerId, status: "running" },
    data: { lockedUntil: new Date(Date.now() + leaseMs) },
  });
  return count === 1;
}

/** Marks done and forgets the payload: payloads may name a customer, and a finished job needs none. */
export async function complete(db: Db, job: Job, workerId: string): Promise<boolean> {
  // Raw: this runs once per job, and the compiled-query cost would be most of the job's own.
  const count = await db.$executeRaw`UPDATE "Job" SET "status" = 'done', "payload" = '{}', "finishedAt" = ${new Date()},
    "updatedAt" = ${new Date()}, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL
    WHERE "id" = ${job.id} AND "lockedBy" = ${workerId} AND "status" = 'running'`;
  return count === 1;
}

/** Exponential backoff with full jitter: ~2 s, 4 s, 8 s … capped at one hour. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(3_600_000, 1_000 * 2 ** Math.max(1, attempts));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Schedules a retry, or gives up after maxAttempts (the admin sees failed jobs). */
export async function fail(
  db: Db,
  job: Job,
  workerId: string,
  error: unknown,
  options: { permanent?: boolean } = {},
): Promise<JobStatus> {
  const giveUp = options.permanent || job.attempts >= job.maxAttempts;
  const status: JobStatus = giveUp ? "failed" : "queued";
  await db.job.updateMany({
    where: { id: job.id, lockedBy: workerId, status: "running" },
    data: {
      status,
      lastError: describeError(error),
      lockedBy: null,
      lockedUntil: null,
      runAt: giveUp ? job.runAt : new Date(Date.now() + backoffMs(job.attempts)),
      finishedAt: giveUp ? new Date() : null,
    },
  });
  return status;
}

/** Counts by status, for the admin and for tests. */
export async function queueStats(db: Db): Promise<Record<JobStatus, number>> {
  const groups = await db.job.groupBy({ by: ["status"], _count: { _all: true } });
  const stats: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const g of groups) stats[g.status as JobStatus] = g._count._all;
  return stats;
}
