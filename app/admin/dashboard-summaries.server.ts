import { z } from "zod";
import type { Db } from "../db/client.server";
import { enqueueUnlessActive } from "../jobs/queue.server";
import { betweenBatches, PermanentJobError, type JobHandler } from "../jobs/worker.server";
import { PERIODS } from "./constants";
import { fillSummaries, type DailySummary, type StoredSummaries } from "./daily-summaries.server";
import { periodBounds, periodSummaries, summariesOf } from "./dashboard.server";

/**
 * The dashboard's summaries a request would take too long to compute (issue 13): the first visit after
 * an upgrade of a shop with a long history (29.6 s for 89 days of 1,000,000 scans), or a busy shop's
 * first visit of the day. The dashboard queues this job and shows what is ready; the worker fills every
 * day of the longest period and the live days' ended hours, a few days at a time (newest first), so a
 * crash or a lost lease keeps what was stored and the next attempt does the rest. Idempotent: a day
 * already stored is skipped, and two fills of one day store it once.
 */
export const DASHBOARD_SUMMARIES_JOB = "dashboard.summaries";

/** Days computed per step: a few seconds of work at 1,000,000 scans in 90 days, between lease heartbeats. */
const DAYS_PER_STEP = 7;
const LONGEST_PERIOD = Math.max(...PERIODS);

/** Queues the job for the shop unless one is queued or running (two dashboards at once make one job). */
export function requestDashboardSummaries(db: Db, shop: string) {
  return enqueueUnlessActive(db, { type: DASHBOARD_SUMMARIES_JOB, payload: { shop }, shop, maxAttempts: 5 });
}

const payload = z.object({ shop: z.string().min(1) });

async function fillInSteps<T>(summary: DailySummary<T>, stored: StoredSummaries<T> | null, signal: AbortSignal) {
  if (!stored) return;
  const missing = stored.missing;
  for (let end = missing.length; end > 0; end -= DAYS_PER_STEP) {
    await betweenBatches(signal);
    await fillSummaries(summary, { have: stored.have, missing: missing.slice(Math.max(0, end - DAYS_PER_STEP), end) });
  }
}

export function dashboardSummariesHandler(): JobHandler {
  return {
    run: async (input, { database, signal }) => {
      const parsed = payload.safeParse(input);
      if (!parsed.success) throw new PermanentJobError("The job names no shop.");
      const { shop } = parsed.data;
      // A shop erased since the job was queued (shop/redact) gets no new rows.
      if (!(await database.client.shop.findUnique({ where: { shop }, select: { shop: true } }))) return;
      const now = new Date();
      const summaries = await periodSummaries(database, shop, periodBounds(LONGEST_PERIOD, now), true);
      const of = summariesOf(database, shop, now);
      // Today's hours first (a few), then days from the newest: the page's figures grow back in time.
      await fillInSteps(of.insightHours, summaries.insightHours, signal);
      await fillInSteps(of.stats, summaries.stats, signal);
      await fillInSteps(of.insightDays, summaries.insightDays, signal);
    },
  };
}

/** The admin's jobs, for the worker (app/runtime.server.ts adds them to app/jobs/handlers.server.ts's). */
export function adminJobHandlers(): Record<string, JobHandler> {
  return { [DASHBOARD_SUMMARIES_JOB]: dashboardSummariesHandler() };
}
