import { randomUUID } from "node:crypto";
import type { Database } from "../db/client.server";
import { insertRows, selectRows } from "../db/raw.server";
import {
  certainShoppers,
  MIN_SHOPPERS,
  refusalAdvice,
  REFUSAL_ADVICE,
  shownCount,
  STOREFRONT_EVENTS,
  type BucketDay,
  type RefusalRow,
  type StorefrontEvent,
} from "../insights/events";
import { CONCERNS, type Concern } from "../recommendations/rules";
import { TONE_GROUPS } from "./constants";
import { DAY_MS, dayOf, type DailySummary } from "./daily-summaries.server";

/**
 * The merchant's insights on the dashboard (issue 13): the funnel (widget opened → consent → scan
 * accepted → product viewed → added to cart), the tone and concern mix of accepted scans, and the
 * refusal reasons with what to do about them. Consents and scans come from their records, the widget
 * events from the daily counters POST /proxy/events keeps (StorefrontEventDay); nothing per shopper is
 * read out, and a bucket with fewer than MIN_SHOPPERS certain shoppers is not shown.
 *
 * Like DailyStat, each ended day is summarised once into DailyInsight (records, distinct shoppers that
 * day, and shoppers first seen that day, per bucket), and each ended hour of the live days into
 * HourlyInsight, so a period reads a few hundred small rows and counts only the current hour live.
 */
export type Buckets = Record<string, BucketDay>;
export interface InsightDay {
  day: string;
  buckets: Buckets;
}

/** Where each concern's band sits in a stored result: the same fields profileFromResult reads. */
const CONCERN_FIELDS: Record<Concern, string> = {
  redness: "redness",
  unevenness: "unevenness",
  shine: "shine",
  under_eye: "underEyeDarkness",
};
/** A concern counts for a shopper when it was measured at this band or above (the rules' own bands). */
const CONCERN_BANDS = ["moderate", "high"] as const;

const num = (v: unknown) => Number(v ?? 0);
/** A constant from this file as an SQL string literal (never input). */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Days ("YYYY-MM-DD") or hours ("YYYY-MM-DDTHH", UTC): the unit records are grouped by. */
export type Unit = "day" | "hour";

function dialect(kind: Database["kind"], unit: Unit) {
  const pg = kind === "postgresql";
  return {
    // SQLite keeps DateTime as ISO text, so its first 10 or 13 characters are the UTC day or hour.
    dayOf: (alias: string) =>
      pg
        ? `to_char(${alias}."createdAt", '${unit === "day" ? "YYYY-MM-DD" : 'YYYY-MM-DD"T"HH24'}')`
        : `substr(${alias}."createdAt", 1, ${unit === "day" ? 10 : 13})`,
    bound: (key: string): string | Date =>
      pg ? new Date(key.length === 10 ? `${key}T00:00:00Z` : `${key}:00:00Z`) : key,
    json: (column: string, path: string[]) =>
      pg
        ? `(${column}::jsonb #>> '{${path.join(",")}}')`
        : `(CASE WHEN json_valid(${column}) THEN json_extract(${column}, '$.${path.join(".")}') END)`,
  };
}

/** Shoppers who held a consent that day: gave it, or scanned under one (the funnel's consent step). */
const CONSENT_HELD = "consent_held";

const add = (buckets: Buckets, key: string, figures: BucketDay) => {
  if (figures.n > 0) buckets[key] = figures;
};

/**
 * Insight buckets for every day (or hour) in [from, to) of one shop, in one grouped pass per source.
 * `from` and `to` are days or hours; a shopper is "new" in the day (hour) their subject was created.
 */
export async function computeInsightDays(
  database: Database,
  shop: string,
  from: string,
  to: string,
  unit: Unit = "day",
): Promise<Map<string, InsightDay>> {
  const { client } = database;
  const d = dialect(database.kind, unit);
  const range = (alias: string) => `${alias}."shop" = ? AND ${alias}."createdAt" >= ? AND ${alias}."createdAt" < ?`;
  const args = [shop, d.bound(from), d.bound(to)];
  const isNew = (alias: string) => `CASE WHEN ${d.dayOf("sub")} = ${d.dayOf(alias)} THEN 1 ELSE 0 END`;

  // Accepted scans: per shopper and day first (so a shopper counts once per bucket and day), then per day.
  const tones = TONE_GROUPS.map((group, i) => ({
    key: `tone:${group}`,
    col: `t${i}`,
    match: `"tone" = ${literal(group)}`,
  }));
  const concerns = CONCERNS.map((concern, i) => ({
    key: `concern:${concern}`,
    col: `c${i}`,
    match: `"c${i}" IN (${CONCERN_BANDS.map(literal).join(", ")})`,
  }));
  const flags = [...tones, ...concerns];
  // per_scan is materialised so each result's JSON is read once per scan, not once per use of a column.
  const acceptedSql = `
    WITH per_scan AS MATERIALIZED (
      SELECT ${d.dayOf("s")} AS "day", s."subjectId" AS "subjectId", ${isNew("s")} AS "isNew",
        ${d.json(`s."result"`, ["indices", "skinTone", "group"])} AS "tone",
        ${CONCERNS.map((c, i) => `${d.json(`s."result"`, ["indices", CONCERN_FIELDS[c], "band"])} AS "c${i}"`).join(",\n        ")}
      FROM "Scan" s JOIN "Subject" sub ON sub."id" = s."subjectId"
      WHERE ${range("s")} AND s."status" = 'accepted'
    )
    SELECT "day", SUM("k_all") AS "n_all", COUNT(*) AS "s_all", SUM("isNew") AS "new_all",
      ${flags
        .map(
          (f) => `SUM("k_${f.col}") AS "n_${f.col}", SUM(CASE WHEN "k_${f.col}" > 0 THEN 1 ELSE 0 END) AS "s_${f.col}",
      SUM(CASE WHEN "k_${f.col}" > 0 THEN "isNew" ELSE 0 END) AS "new_${f.col}"`,
        )
        .join(",\n      ")}
    FROM (
      SELECT "day", "subjectId", MAX("isNew") AS "isNew", COUNT(*) AS "k_all",
        ${flags.map((f) => `SUM(CASE WHEN ${f.match} THEN 1 ELSE 0 END) AS "k_${f.col}"`).join(",\n        ")}
      FROM per_scan
      GROUP BY "day", "subjectId"
    ) per_shopper
    GROUP BY "day"`;
  // The funnel's consent step: shoppers who held a consent that day, because they gave it or scanned
  // under it (a scan needs one, P6). A shopper back to scan again under last week's consent consented
  // for that visit too, so no day has more shoppers with an accepted scan than with a consent.
  const heldSql = `
    SELECT "day", COUNT(*) AS "n", COUNT(DISTINCT "subjectId") AS "s",
      COUNT(DISTINCT CASE WHEN "isNew" = 1 THEN "subjectId" END) AS "new"
    FROM (
      SELECT ${d.dayOf("c")} AS "day", c."subjectId" AS "subjectId", ${isNew("c")} AS "isNew"
      FROM "ConsentRecord" c JOIN "Subject" sub ON sub."id" = c."subjectId"
      WHERE ${range("c")} AND c."action" = 'grant'
      UNION ALL
      SELECT ${d.dayOf("s")} AS "day", s."subjectId" AS "subjectId", ${isNew("s")} AS "isNew"
      FROM "Scan" s JOIN "Subject" sub ON sub."id" = s."subjectId"
      WHERE ${range("s")}
    ) held
    GROUP BY "day"`;
  const [accepted, consents, held, refused] = await Promise.all([
    selectRows<Record<string, unknown> & { day: string }>(client, acceptedSql, ...args),
    selectRows<{ day: string; n: unknown; s: unknown; new: unknown }>(
      client,
      `SELECT ${d.dayOf("c")} AS "day", COUNT(*) AS "n", COUNT(DISTINCT c."subjectId") AS "s",
         COUNT(DISTINCT CASE WHEN ${d.dayOf("sub")} = ${d.dayOf("c")} THEN c."subjectId" END) AS "new"
       FROM "ConsentRecord" c JOIN "Subject" sub ON sub."id" = c."subjectId"
       WHERE ${range("c")} AND c."action" = 'grant'
       GROUP BY ${d.dayOf("c")}`,
      ...args,
    ),
    selectRows<{ day: string; n: unknown; s: unknown; new: unknown }>(client, heldSql, ...args, ...args),
    // Refused photos are a small share of scans; their reasons are a JSON list, read here.
    selectRows<{ day: string; subjectId: string; isNew: unknown; quality: string }>(
      client,
      `SELECT ${d.dayOf("s")} AS "day", s."subjectId" AS "subjectId", ${isNew("s")} AS "isNew", s."quality" AS "quality"
       FROM "Scan" s JOIN "Subject" sub ON sub."id" = s."subjectId"
       WHERE ${range("s")} AND s."status" = 'refused'`,
      ...args,
    ),
  ]);

  const days = new Map<string, InsightDay>();
  const at = (day: string) => {
    let found = days.get(day);
    if (!found) days.set(day, (found = { day, buckets: {} }));
    return found.buckets;
  };
  for (const r of consents) add(at(r.day), "consent", { n: num(r.n), shoppers: num(r.s), newShoppers: num(r.new) });
  for (const r of held) add(at(r.day), CONSENT_HELD, { n: num(r.n), shoppers: num(r.s), newShoppers: num(r.new) });
  for (const r of accepted) {
    const b = at(r.day);
    add(b, "scan_accepted", { n: num(r.n_all), shoppers: num(r.s_all), newShoppers: num(r.new_all) });
    for (const f of flags) {
      add(b, f.key, { n: num(r[`n_${f.col}`]), shoppers: num(r[`s_${f.col}`]), newShoppers: num(r[`new_${f.col}`]) });
    }
  }
  const reasons = new Map<string, { n: number; shoppers: Set<string>; fresh: Set<string> }>();
  for (const r of refused) {
    for (const reason of refusalReasonsOf(r.quality)) {
      const key = `${r.day}|refusal:${reason}`;
      let found = reasons.get(key);
      if (!found) reasons.set(key, (found = { n: 0, shoppers: new Set(), fresh: new Set() }));
      found.n += 1;
      found.shoppers.add(r.subjectId);
      if (num(r.isNew) === 1) found.fresh.add(r.subjectId);
    }
  }
  for (const [key, r] of reasons) {
    const [day, bucket] = key.split("|") as [string, string];
    add(at(day), bucket, { n: r.n, shoppers: r.shoppers.size, newShoppers: r.fresh.size });
  }
  return days;
}

/** The reasons of a refused scan's quality JSON; "unspecified" when it names none (as the dashboard counts them). */
export function refusalReasonsOf(quality: string): string[] {
  try {
    const parsed: unknown = JSON.parse(quality);
    const reasons = (parsed as { reasons?: unknown } | null)?.reasons;
    if (Array.isArray(reasons)) {
      const named = reasons.filter((r): r is string => typeof r === "string" && r.length <= 40).slice(0, 20);
      if (named.length > 0) return named;
    }
  } catch {
    // Falls through.
  }
  return ["unspecified"];
}

/** The insights summaries of one shop, per UTC day (DailyInsight) or per ended UTC hour of the live days (HourlyInsight). */
export function insightSummaries(
  database: Database,
  shop: string,
  unit: Unit,
  now = new Date(),
): DailySummary<InsightDay> {
  const { client } = database;
  const table = unit === "day" ? "DailyInsight" : "HourlyInsight";
  const column = unit === "day" ? "day" : "hour";
  return {
    read: async (first, last) => {
      const rows =
        unit === "day"
          ? await client.dailyInsight.findMany({
              where: { shop, day: { gte: first, lte: last } },
              select: { day: true, buckets: true },
            })
          : (
              await client.hourlyInsight.findMany({
                where: { shop, hour: { gte: first, lte: last } },
                select: { hour: true, buckets: true },
              })
            ).map((r) => ({ day: r.hour, buckets: r.buckets }));
      return new Map(rows.map((r) => [r.day, { day: r.day, buckets: JSON.parse(r.buckets) as Buckets }]));
    },
    compute: (from, to) => computeInsightDays(database, shop, from, to, unit),
    empty: (key) => ({ day: key, buckets: {} }),
    // One INSERT … ON CONFLICT DO NOTHING: two dashboards filling the same key at once store the same figures.
    store: async (rows) => {
      if (rows.length === 0) return;
      const computedAt = new Date();
      await insertRows(
        database,
        table,
        rows.map(({ day, figures }) => ({
          id: randomUUID(),
          shop,
          [column]: day,
          buckets: JSON.stringify(figures.buckets),
          computedAt,
        })),
        { ifAbsent: true },
      );
      // An hour is read only while its day is live (today, and yesterday for the settle margin).
      if (unit === "hour") {
        await client.hourlyInsight.deleteMany({ where: { shop, hour: { lt: `${dayOf(now.getTime() - DAY_MS)}T00` } } });
      }
    },
  };
}

/** The widget's events over [first, last], summed per event. */
export async function eventTotals(
  database: Database,
  shop: string,
  first: string,
  last: string,
): Promise<Record<StorefrontEvent, number>> {
  const rows = await database.client.storefrontEventDay.findMany({
    where: { shop, day: { gte: first, lte: last } },
    select: { event: true, count: true },
  });
  const totals = Object.fromEntries(STOREFRONT_EVENTS.map((e) => [e, 0])) as Record<StorefrontEvent, number>;
  for (const r of rows) if (r.event in totals) totals[r.event as StorefrontEvent] += r.count;
  return totals;
}

export const FUNNEL_STEPS = ["widget_opened", "consent", "scan_accepted", "product_viewed", "added_to_cart"] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export interface Insights {
  minShoppers: number;
  /**
   * Each step's count, or null ("not enough data yet") below MIN_SHOPPERS: widget events as counted,
   * consents and accepted scans as shoppers per day (consent: shoppers who gave one or scanned under
   * one that day, so it is never below the accepted scans).
   */
  funnel: { step: FunnelStep; count: number | null }[];
  /** Share of the shown tone groups' shoppers; null for a group with too few. */
  tones: { group: string; share: number | null }[];
  /** Share of scanning shoppers with the concern at a moderate or high band; null with too few. */
  concerns: { concern: Concern; share: number | null }[];
  refusals: RefusalRow[];
  advice: ReturnType<typeof refusalAdvice>;
}

/**
 * The period's insights from its days. A widget event carries no identifier, so its count stands for
 * the shoppers behind it (one shopper opening the widget twice counts twice: the threshold is then
 * met sooner, never later, than for people, which is why the steps taken from records use people).
 */
export function periodInsights(days: readonly InsightDay[], events: Record<StorefrontEvent, number>): Insights {
  const series = (key: string) =>
    days.flatMap((d) => {
      // Days summarised before consent_held existed count their grants instead.
      const figures = d.buckets[key] ?? (key === CONSENT_HELD ? d.buckets.consent : undefined);
      return figures ? [figures] : [];
    });
  const total = (key: string) => {
    const s = series(key);
    return {
      n: s.reduce((a, b) => a + b.n, 0),
      shopperDays: s.reduce((a, b) => a + b.shoppers, 0),
      certain: certainShoppers(s),
    };
  };
  const event = (e: StorefrontEvent) => shownCount(events[e], events[e]);
  // Shoppers each day (a shopper scanning twice in a day is one), like a widget open is one visit.
  const record = (key: string) => {
    const t = total(key);
    return shownCount(t.shopperDays, t.certain);
  };
  const funnel: Insights["funnel"] = [
    { step: "widget_opened", count: event("widget_opened") },
    { step: "consent", count: record(CONSENT_HELD) },
    { step: "scan_accepted", count: record("scan_accepted") },
    { step: "product_viewed", count: event("product_viewed") },
    { step: "added_to_cart", count: event("added_to_cart") },
  ];

  const scanning = total("scan_accepted");
  const toneTotals = TONE_GROUPS.map((group) => ({ group, ...total(`tone:${group}`) }));
  const shownTones = toneTotals.filter((t) => t.certain >= MIN_SHOPPERS);
  // Shares among the groups shown, so a hidden group's size cannot be read off the others.
  const toneBase = shownTones.reduce((a, t) => a + t.shopperDays, 0);
  const tones = toneTotals.map((t) => ({
    group: t.group,
    share: t.certain >= MIN_SHOPPERS && toneBase > 0 ? t.shopperDays / toneBase : null,
  }));
  const concerns = CONCERNS.map((concern) => {
    const t = total(`concern:${concern}`);
    const shown = t.certain >= MIN_SHOPPERS && scanning.certain >= MIN_SHOPPERS && scanning.shopperDays > 0;
    return { concern, share: shown ? t.shopperDays / scanning.shopperDays : null };
  });

  const reasonKeys = new Set(days.flatMap((d) => Object.keys(d.buckets).filter((k) => k.startsWith("refusal:"))));
  const refusals: RefusalRow[] = [...reasonKeys]
    .map((key) => {
      const reason = key.slice("refusal:".length);
      const t = total(key);
      const shown = t.certain >= MIN_SHOPPERS;
      return {
        reason,
        label: REFUSAL_ADVICE[reason]?.label ?? reason,
        refusals: shown ? t.n : null,
        shoppers: shown ? t.certain : null,
      };
    })
    .sort((a, b) => (b.refusals ?? -1) - (a.refusals ?? -1) || a.reason.localeCompare(b.reason));
  return { minShoppers: MIN_SHOPPERS, funnel, tones, concerns, refusals, advice: refusalAdvice(refusals) };
}
