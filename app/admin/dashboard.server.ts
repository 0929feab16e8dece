import { z } from "zod";
import type { Database } from "../db/client.server";
import { sqlDialect } from "../db/raw.server";
import { PERIODS } from "./constants";
import { DAY_MS, dayOf, nextDay, summarisedDays, type DailySummary } from "./daily-summaries.server";
import { dailyInsights, eventTotals, liveInsights, periodInsights, refusalReasonsOf } from "./insights.server";
import { OPEN_STATUSES } from "./inbox.server";

/**
 * The dashboard's figures over a period (issue 6): scans, consent and opt-in rates, quality
 * refusals by reason, requests open and due, retention health. Days that have ended are read from
 * DailyStat, written the first time a dashboard needs them (one grouped pass over the missing
 * range); only today is counted live. So the page costs a few hundred small rows plus one day of
 * scans, however many million scans the shop has. Days are UTC days.
 */
const DAY = DAY_MS;
export const periodQuery = z.object({
  days: z.coerce
    .number()
    .int()
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
    // Two dashboards filling the same day at once write the same figures: the later one is a no-op.
    store: (rows) =>
      client.$transaction(
        rows.map(({ figures: f }) =>
          client.dailyStat.upsert({
            where: { shop_day: { shop, day: f.day } },
            create: { shop, ...f, refusalReasons: JSON.stringify(f.refusalReasons) },
            update: {},
          }),
        ),
      ),
  };
}

/**
 * The dashboard's figures. `insights: false` leaves out the funnel and mixes (issue 13): the
 * benchmark's same-run baseline of the dashboard as it was before them.
 */
export async function dashboard(
  database: Database,
  shop: string,
  days: number,
  now = new Date(),
  options: { insights?: boolean } = {},
) {
  const withInsights = options.insights ?? true;
  const { client } = database;
  // The newest day that has ended (with a margin), and today's live range after it.
  const settledDay = dayOf(now.getTime() - SETTLE_MS - DAY);
  const first = dayOf(now.getTime() - (days - 1) * DAY);
  const liveFrom = nextDay(settledDay);
  const today = dayOf(now.getTime());
  const liveRange = [liveFrom < first ? first : liveFrom, nextDay(today)] as const;
  const none = Promise.resolve(null);
  const [ended, live, requests, retention, endedInsights, liveHours, events] = await Promise.all([
    first <= settledDay ? summarisedDays(dailyStats(database, shop), first, settledDay) : Promise.resolve(new Map()),
    computeDays(database, shop, ...liveRange),
    requestFigures(database, shop, now),
    retentionHealth(database, shop, now),
    withInsights && first <= settledDay ? summarisedDays(dailyInsights(database, shop), first, settledDay) : none,
    withInsights ? liveInsights(database, shop, liveRange[0], now, SETTLE_MS) : none,
    withInsights ? eventTotals(database, shop, first, today) : none,
  ]);
  const insightDays = [...(endedInsights?.values() ?? []), ...(liveHours ?? []).filter((d) => d.day >= first)];
  const byDay = new Map<string, DayFigures>(ended);
  for (const [day, f] of live) if (day >= first) byDay.set(day, f);
  const daily: DayFigures[] = [];
  for (let day = first; day <= dayOf(now.getTime()); day = nextDay(day)) daily.push(byDay.get(day) ?? empty(day));

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
    insights: events ? periodInsights(insightDays, events) : null,
  };
}

async function requestFigures(database: Database, shop: string, now: Date) {
  const open = { shop, status: { in: [...OPEN_STATUSES] } };
  const week = new Date(now.getTime() + 7 * DAY);
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
  const oldestAgeDays = oldest ? (now.getTime() - oldest.createdAt.getTime()) / DAY : null;
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
