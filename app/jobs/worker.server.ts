import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Job } from "@prisma/client";
import type { Database } from "../db/client.server";
import { describeError, logger } from "../logger.server";
import { claimNext, complete, enqueueOnce, fail, heartbeat } from "./queue.server";

export interface JobContext {
  database: Database;
  job: Job;
  /** Aborted when the worker stops or loses the lease; long handlers check it between batches. */
  signal: AbortSignal;
}

export interface JobHandler {
  run(payload: unknown, context: JobContext): Promise<void>;
  /** After the job, fold the SQLite WAL so erased rows leave no copy on disk (P11); see FLUSH_EVERY_MS. */
  erasesPersonalData?: boolean;
}

/**
 * Called by long handlers between batches. The SQLite driver is synchronous, so a chain of
 * queries can run without ever returning to the event loop; yielding here lets heartbeats renew
 * the lease and shutdown (or the parent process's death) be noticed, then stops if asked to.
 */
export async function betweenBatches(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal?.throwIfAborted();
}

/** A handler error that retrying cannot fix (e.g. a payload that fails validation). */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export interface PeriodicJob {
  type: string;
  everyMs: number;
}

export interface WorkerOptions {
  database: Database;
  handlers: Record<string, JobHandler>;
  pollMs: number;
  leaseMs: number;
  periodic?: PeriodicJob[];
  workerId?: string;
  /**
   * The most of its time the worker spends running jobs (0–1]: after each job it rests in
   * proportion, so a flood of work (a burst of webhooks) drains steadily instead of starving
   * the HTTP side of CPU and of the database's write lock. Jobs wait; acknowledgements do not.
   */
  busyShare?: number;
}

/** Longest an erasure may wait for the SQLite WAL to be folded and truncated while the queue is busy. */
export const FLUSH_EVERY_MS = 10_000;

export interface Worker {
  readonly id: string;
  /** Finishes the job in hand, then stops. */
  stop(): Promise<void>;
  /** Resolves once no job is due (for tests and the one-shot CLI). */
  idle(): Promise<void>;
}

export function startWorker(options: WorkerOptions): Worker {
  const { database, handlers, pollMs, leaseMs } = options;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const controller = new AbortController();
  let wake: (() => void) | undefined;
  let idleWaiters: (() => void)[] = [];
  const lastScheduled = new Map<string, number>();
  // Erasures are flushed to disk in groups, not after every job: a checkpoint per job would make
  // the database (and with it webhook acknowledgements) wait. At most FLUSH_EVERY_MS late, and
  // always before the worker reports idle or stops.
  let flushPending = true; // a previous process may have died between an erasure and its flush
  let lastFlush = 0;
  async function flushErasures(force: boolean): Promise<void> {
    if (!flushPending || (!force && Date.now() - lastFlush < FLUSH_EVERY_MS)) return;
    flushPending = false;
    lastFlush = Date.now();
    await database.flushErasures();
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function schedulePeriodic(): Promise<void> {
    const now = Date.now();
    for (const p of options.periodic ?? []) {
      const bucket = Math.floor(now / p.everyMs);
      if (lastScheduled.get(p.type) === bucket) continue;
      // The bucket in the key means one job per period however many instances run.
      await enqueueOnce(database.client, { type: p.type, payload: {}, dedupeKey: `${p.type}:${bucket}` });
      lastScheduled.set(p.type, bucket);
    }
  }

  async function runOne(job: Job): Promise<void> {
    const handler = handlers[job.type];
    const started = Date.now();
    if (!handler) {
      await fail(database.client, job, id, new PermanentJobError(`No handler for job type "${job.type}"`), {
        permanent: true,
      });
      logger.error("job has no handler", { jobId: job.id, type: job.type });
      return;
    }
    if (job.attempts > job.maxAttempts) {
      await fail(database.client, job, id, new PermanentJobError("Lease expired on every attempt"), {
        permanent: true,
      });
      return;
    }
    const jobAbort = new AbortController();
    const onStop = () => jobAbort.abort();
    controller.signal.addEventListener("abort", onStop);
    const beat = setInterval(
      () => {
        heartbeat(database.client, job, id, leaseMs)
          .then((held) => {
            if (!held) jobAbort.abort();
          })
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    try {
      await handler.run(JSON.parse(job.payload), { database, job, signal: jobAbort.signal });
      await complete(database.client, job, id);
      if (handler.erasesPersonalData) flushPending = true;
      logger.info("job done", { jobId: job.id, type: job.type, shop: job.shop, ms: Date.now() - started });
    } catch (error) {
      const status = await fail(database.client, job, id, error, { permanent: error instanceof PermanentJobError });
      logger.warn("job failed", { jobId: job.id, type: job.type, status, error: describeError(error) });
    } finally {
      clearInterval(beat);
      controller.signal.removeEventListener("abort", onStop);
    }
  }

  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        await schedulePeriodic();
        const job = await claimNext(database, id, leaseMs);
        if (job) {
          const started = Date.now();
          await runOne(job);
          await flushErasures(false);
          const share = options.busyShare ?? 1;
          if (share < 1) await sleep(((Date.now() - started) * (1 - share)) / share);
          continue;
        }
        await flushErasures(true);
        const waiters = idleWaiters;
        idleWaiters = [];
        waiters.forEach((resolve) => resolve());
      } catch (error) {
        // A database hiccup must not kill the worker; the next poll retries.
        logger.error("worker loop error", { workerId: id, error: describeError(error) });
      }
      if (!controller.signal.aborted) await sleep(pollMs);
    }
  })();

  return {
    id,
    async stop() {
      controller.abort();
      wake?.();
      await loop;
      await flushErasures(true).catch((error: unknown) =>
        logger.error("final erasure flush failed", { workerId: id, error: describeError(error) }),
      );
      idleWaiters.forEach((resolve) => resolve());
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        wake?.();
      });
    },
  };
}
