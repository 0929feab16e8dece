import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Database } from "../db/client.server";
import { insertRows, sqlDialect } from "../db/raw.server";
import { PERIODS } from "./constants";
import { wholeNumber } from "./form";
import {
  DAY_MS,
  dayOf,
  fillSummaries,
  hourOf,
  IN_REQUEST_ROWS,
  nextDay,
  nextHour,
  nextKey,
  rawRowsAtMost,
  startOf,
  storedSummaries,
  type DailySummary,
  type StoredSummaries,
} from "./daily-summaries.server";
import {
  computeInsightDays,
  eventTotals,
  insightSummaries,
  periodInsights,
  refusalReasonsOf,
  type InsightDay,
} from "./insights.server";
import { OPEN_STATUSES } from "./inbox.server";

/**
 * The dashboard's figures over a period (issue 6): scans, consent and opt-in rates, quality
 * refusals by reason, requests open and due, retention health. Days that have ended are read from
 * DailyStat, written the first time they are needed (one grouped pass over the missing range); only
 * today is counted live. So the page costs a few hundred small rows plus one day of scans, however
 * many million scans the shop has. A missing range with more raw rows than a request may summarise
 * (a history after an upgrade) is left to the dashboard.summaries job, and the page says which days
 * are still being prepared (issue 13). Days are UTC days.
 */
export const periodQuery = z.object({
  days: wholeNumber({ min: 1, max: 366 })
    .refine((d) => (PERIODS as readonly number[]).includes(d))
    .catch(30),
});
/** The route pattern request-log.server.ts records for the notice a shopper is shown. */
const NOTICE_ROUTE = "/proxy/notice";
/** A day counts as ended this long after UTC midnight, so a late write from another instance is not missed. */
const SETTLE_MS = 5 * 60_000;

export interface DayFigures {
  day: string;
  scans: number;
  refused: number;
  refusalReasons: Record<string, number>;
  grants: number;
  withdrawals: number;
  retentionOptIns: number;
  trainingOptIns: number;
  noticeViews: number;
}

const empty = (day: string): DayFigures => ({
  day,
  scans: 0,
  refused: 0,
  refusalReasons: {},
  grants: 0,
  withdrawals: 0,
  retentionOptIns: 0,
  trainingOptIns: 0,
  noticeViews: 0,
});

/** Figures for every day in [from, to) for one shop, in one grouped pass per table. */
async function computeDays(database: Database, shop: string, from: string, to: string) {
  const { client } = database;
  const d = sqlDialect(database.kind);
  const args = [shop, d.bound(from), d.bound(to)] as const;
  const range = `"shop" = ${d.p(1)} AND "createdAt" >= ${d.p(2)} AND "createdAt" < ${d.p(3)}`;
  const [scans, refusals, consents, views] = await Promise.all([
    client.$queryRawUnsafe<{ day: string; total: bigint | number; refused: bigint | number }[]>(
      `SELECT ${d.day} AS "day", COUNT(*) AS "total", SUM(CASE WHEN "status" = 'refused' THEN 1 ELSE 0 END) AS "refused"
       FROM "Scan" WHERE ${range} GROUP BY 1`,
      ...args,
    ),
    client.$queryRawUnsafe<{ day: string; quality: string }[]>(
      `SELECT ${d.day} AS "day", "quality" FROM "Scan" WHERE ${range} AND "status" = 'refused'`,
      ...args,
    ),
    client.$queryRawUnsafe<{ day: string; action: string; purposes: string; n: bigint | number }[]>(
      `SELECT ${d.day} AS "day", "action", "purposes", COUNT(*) AS "n" FROM "ConsentRecord" WHERE ${range} GROUP BY 1, 2, 3`,
      ...args,
    ),
    client.$queryRawUnsafe<{ day: string; n: bigint | number }[]>(
      `SELECT ${d.day} AS "day", COUNT(*) AS "n" FROM "RequestLog"
       WHERE ${range} AND "route" = '${NOTICE_ROUTE}' AND "method" = 'GET' AND "status" = 200 GROUP BY 1`,
      ...args,
    ),
  ]);
  const days = new Map<string, DayFigures>();
  const at = (day: string) => {
    let f = days.get(day);
    if (!f) days.set(day, (f = empty(day)));
    return f;
  };
  for (const r of scans) Object.assign(at(r.day), { scans: Number(r.total), refused: Number(r.refused ?? 0) });
  for (const r of refusals) {
    const reasons = refusalReasonsOf(r.quality);
    const f = at(r.day);
    for (const reason of reasons) f.refusalReasons[reason] = (f.refusalReasons[reason] ?? 0) + 1;
  }
  for (const r of consents) {
    const f = at(r.day);
    const n = Number(r.n);
    if (r.action === "withdraw") {
      f.withdrawals += n;
      continue;
    }
    f.grants += n;
    if (r.purposes.includes('"extended_retention"')) f.retentionOptIns += n;
    if (r.purposes.includes('"model_training"')) f.trainingOptIns += n;
  }
  for (const r of views) at(r.day).noticeViews = Number(r.n);
  return days;
}

/** Ended days' figures: stored ones, and the missing ones computed once and stored. */
function dailyStats(database: Database, shop: string): DailySummary<DayFigures> {
  const { client } = database;
  return {
    read: async (first, last) => {
      const stored = await client.dailyStat.findMany({ where: { shop, day: { gte: first, lte: last } } });
      return new Map<string, DayFigures>(
        stored.map((s) => [
          s.day,
          {
            day: s.day,
            scans: s.scans,
            refused: s.refused,
            refusalReasons: JSON.parse(s.refusalReasons) as Record<string, number>,
            grants: s.grants,
            withdrawals: s.withdrawals,
            retentionOptIns: s.retentionOptIns,
            trainingOptIns: s.trainingOptIns,
            noticeViews: s.noticeViews,
          },
        ]),
      );
    },
    compute: (from, to) => computeDays(database, shop, from, to),
    empty,
    // One INSERT … ON CONFLICT DO NOTHING: two dashboards filling the same day at once write the same figures.
    store: async (rows) => {
      if (rows.length === 0) return;
      const computedAt = new Date();
      await insertRows(
        database,
        "DailyStat",
        rows.map(({ figures: f }) => ({
          id: randomUUID(),
          shop,
          ...f,
          refusalReasons: JSON.stringify(f.refusalReasons),
          computedAt,
        })),
        { ifAbsent: true },
      );
    },
  };
}

/** The stored summaries a dashboard period needs, and the ones it still misses. */
export interface PeriodSummaries {
  stats: StoredSummaries<DayFigures>;
  /** Ended days' insights; null without insights. */
  insightDays: StoredSummaries<InsightDay> | null;
  /** Ended hours of the live days' insights; null without insights. */
  insightHours: StoredSummaries<InsightDay> | null;
}

/** Where a period of `days` ending now splits: ended days, live days, and the live days' ended hours. */
export function periodBounds(days: number, now: Date) {
  // The newest day that has ended (with a margin), and today's live range after it.
  const settledDay = dayOf(now.getTime() - SETTLE_MS - DAY_MS);
  const first = dayOf(now.getTime() - (days - 1) * DAY_MS);
  const liveFrom = nextDay(settledDay) < first ? first : nextDay(settledDay);
  const today = dayOf(now.getTime());
  // Hours of the live days that have ended (with the same margin); the current one is counted live.
  const settledHour = hourOf(now.getTime() - SETTLE_MS);
  const firstHour = `${liveFrom}T00`;
  return { first, settledDay, liveFrom, today, firstHour, settledHour };
}

/** Reads what is stored for the period's ended days and the live days' ended hours. */
export async function periodSummaries(
  database: Database,
  shop: string,
  bounds: ReturnType<typeof periodBounds>,
  withInsights: boolean,
): Promise<PeriodSummaries> {
  const { first, settledDay, firstHour, settledHour } = bounds;
  const lastHour = hourOf(startOf(settledHour).getTime() - 1);
  const [stats, insightDays, insightHours] = await Promise.all([
    storedSummaries(dailyStats(database, shop), first, settledDay),
    withInsights ? storedSummaries(insightSummaries(database, shop, "day"), first, settledDay) : null,
    withInsights ? storedSummaries(insightSummaries(database, shop, "hour"), firstHour, lastHour) : null,
  ]);
  return { stats, insightDays, insightHours };
}

/** The summaries each part of PeriodSummaries is read from and stored to. */
export function summariesOf(database: Database, shop: string, now: Date) {
  return {
    stats: dailyStats(database, shop),
    insightDays: insightSummaries(database, shop, "day", now),
    insightHours: insightSummaries(database, shop, "hour", now),
  } as const;
}

const missingOf = (s: PeriodSummaries) => [
  ...s.stats.missing,
  ...(s.insightDays?.missing ?? []),
  ...(s.insightHours?.missing ?? []),
];

/**
 * Computes and stores the missing summaries when their raw rows number at most `limit` (one check of
 * about a millisecond); otherwise leaves them missing. True when everything is now summarised.
 */
async function fillWithin(
  database: Database,
  shop: string,
  summaries: PeriodSummaries,
  now: Date,
  limit: number,
): Promise<boolean> {
  const missing = missingOf(summaries);
  if (missing.length === 0) return true;
  const from = new Date(Math.min(...missing.map((k) => startOf(k).getTime())));
  const to = new Date(Math.max(...missing.map((k) => startOf(nextKey(k)).getTime())));
  if (limit !== Infinity && !(await rawRowsAtMost(database, shop, from, to, limit))) return false;
  const of = summariesOf(database, shop, now);
  await fillSummaries(of.stats, summaries.stats);
  if (summaries.insightDays) await fillSummaries(of.insightDays, summaries.insightDays);
  if (summaries.insightHours) await fillSummaries(of.insightHours, summaries.insightHours);
  return true;
}

export interface DashboardOptions {
  /** false leaves out the funnel and mixes: the benchmark's same-run baseline of the dashboard before issue 13. */
  insights?: boolean;
  /**
   * The most raw rows this call summarises itself (IN_REQUEST_ROWS); a larger missing range is queued
   * through `queueSummaries`. Infinity summarises everything in the call (the benchmark's baseline).
   */
  inRequestRows?: number;
  /** Called when summaries are missing beyond the request's share: queues the job that fills them. */
  queueSummaries?: () => Promise<unknown>;
}

/**
 * The dashboard's figures. Summaries the period misses are computed here only when they are few
 * (options.inRequestRows); otherwise options.queueSummaries is called and the figures say what is
 * still being prepared: `preparing.from` is the first day the totals and the daily chart cover, and
 * the insights are left out (null) until every day and hour they need is summarised, so no funnel
 * step is ever counted over a shorter time than another.
 */
export async function dashboard(
  database: Database,
  shop: string,
  days: number,
  now = new Date(),
  options: DashboardOptions = {},
) {
  const withInsights = options.insights ?? true;
  const { client } = database;
  const bounds = periodBounds(days, now);
  const { first, liveFrom, today, settledHour, firstHour } = bounds;
  const liveRange = [liveFrom, nextDay(today)] as const;
  const summaries = await periodSummaries(database, shop, bounds, withInsights);
  const complete = await fillWithin(database, shop, summaries, now, options.inRequestRows ?? IN_REQUEST_ROWS);
  if (!complete) await options.queueSummaries?.();
  const none = Promise.resolve(null);
  const currentHour = settledHour > firstHour ? settledHour : firstHour;
  const [live, requests, retention, currentInsights, events] = await Promise.all([
    computeDays(database, shop, ...liveRange),
    requestFigures(database, shop, now),
    retentionHealth(database, shop, now),
    withInsights ? computeInsightDays(database, shop, currentHour, nextHour(hourOf(now.getTime())), "hour") : none,
    withInsights ? eventTotals(database, shop, first, today) : none,
  ]);
  const ended = summaries.stats.have;
  // Totals start after the newest day still being prepared (the days after it are all summarised).
  const newestPending = summaries.stats.missing.at(-1);
  const coveredFrom = newestPending ? nextDay(newestPending) : first;
  const insightsReady =
    withInsights && [summaries.insightDays, summaries.insightHours].every((s) => !s?.missing.length);
  const insightDays = insightsReady
    ? [
        ...(summaries.insightDays?.have.values() ?? []),
        ...(summaries.insightHours?.have.values() ?? []),
        ...(currentInsights?.values() ?? []),
      ]
    : [];
  const pendingDays = new Set([...summaries.stats.missing, ...(summaries.insightDays?.missing ?? [])]);
  const pendingHours = summaries.insightHours?.missing.length ?? 0;
  const byDay = new Map<string, DayFigures>(ended);
  for (const [day, f] of live) if (day >= first) byDay.set(day, f);
  const daily: DayFigures[] = [];
  for (let day = coveredFrom; day <= today; day = nextDay(day)) daily.push(byDay.get(day) ?? empty(day));

  const sum = (key: keyof Omit<DayFigures, "day" | "refusalReasons">) => daily.reduce((n, f) => n + f[key], 0);
  const reasons: Record<string, number> = {};
  for (const f of daily) for (const [r, n] of Object.entries(f.refusalReasons)) reasons[r] = (reasons[r] ?? 0) + n;
  const totals = {
    scans: sum("scans"),
    refused: sum("refused"),
    grants: sum("grants"),
    withdrawals: sum("withdrawals"),
    retentionOptIns: sum("retentionOptIns"),
    trainingOptIns: sum("trainingOptIns"),
    noticeViews: sum("noticeViews"),
  };
  const rate = (n: number, of: number) => (of > 0 ? n / of : null);
  const shopRow = await client.shop.findUnique({ where: { shop }, select: { installedAt: true } });
  return {
    period: { days, from: first, to: dayOf(now.getTime()) },
    totals,
    rates: {
      // Shoppers shown the notice who then consented; null while nothing was shown.
      consent: rate(totals.grants, totals.noticeViews),
      retentionOptIn: rate(totals.retentionOptIns, totals.grants),
      trainingOptIn: rate(totals.trainingOptIns, totals.grants),
      refusal: rate(totals.refused, totals.scans),
    },
    daily: daily.map((f) => ({ day: f.day, scans: f.scans, refused: f.refused, grants: f.grants })),
    refusalReasons: Object.entries(reasons)
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    requests,
    retention,
    installedAt: shopRow?.installedAt.toISOString() ?? null,
    insights: events && insightsReady ? periodInsights(insightDays, events) : null,
    // Summaries still being prepared by the job: the totals cover `from` to today; insights wait for all.
    preparing:
      pendingDays.size > 0 || pendingHours > 0
        ? { from: coveredFrom, days: pendingDays.size, insights: withInsights && !insightsReady }
        : null,
  };
}

async function requestFigures(database: Database, shop: string, now: Date) {
  const open = { shop, status: { in: [...OPEN_STATUSES] } };
  const week = new Date(now.getTime() + 7 * DAY_MS);
  const [openCount, overdue, dueThisWeek] = await Promise.all([
    database.client.privacyRequest.count({ where: open }),
    database.client.privacyRequest.count({ where: { ...open, dueAt: { lt: now } } }),
    database.client.privacyRequest.count({ where: { ...open, dueAt: { gte: now, lt: week } } }),
  ]);
  return { open: openCount, overdue, dueThisWeek };
}

/** Retention health (P12): the oldest kept photo against the shop's window, and any the sweep has not reached. */
async function retentionHealth(database: Database, shop: string, now: Date) {
  const { client } = database;
  const [settings, oldest, nextExpiry, overdue] = await Promise.all([
    client.shop.findUnique({ where: { shop }, select: { imageRetentionDays: true } }),
    client.storedImage.findFirst({ where: { shop }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
    client.storedImage.findFirst({ where: { shop }, orderBy: { expiresAt: "asc" }, select: { expiresAt: true } }),
    client.storedImage.count({ where: { shop, expiresAt: { lt: new Date(now.getTime() - 60 * 60_000) } } }),
  ]);
  const windowDays = settings?.imageRetentionDays ?? 90;
  const oldestAgeDays = oldest ? (now.getTime() - oldest.createdAt.getTime()) / DAY_MS : null;
  return {
    windowDays,
    oldestImageAt: oldest?.createdAt.toISOString() ?? null,
    oldestImageAgeDays: oldestAgeDays === null ? null : Math.floor(oldestAgeDays),
    nextExpiryAt: nextExpiry?.expiresAt.toISOString() ?? null,
    // Photos more than an hour past their deletion time: the hourly sweep is behind.
    overdueImages: overdue,
    healthy: overdue === 0 && (oldestAgeDays === null || oldestAgeDays <= windowDays + 1),
  };
}
