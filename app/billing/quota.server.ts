import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.server";
import { executeRaw, selectRows } from "../db/raw.server";
import { DomainError } from "../domain-error";
import { effectivePlan, usageMonth } from "./plans";

/**
 * The monthly scan allowance on the scan path (P20). One read per scan (the stored plan and this
 * month's counter, in one statement, no call to Shopify) before any work on the photo, and one
 * counter increment per accepted scan. A photo the quality gate refused does not count. Scans
 * already in flight when the allowance runs out still finish (each passed the check), so a month
 * can end a few scans over, never under what the merchant pays for.
 *
 * Only POST /proxy/scans is metered: consent, withdrawal, my-data, erasure and rights requests never
 * read the quota, so a paused shop's shoppers keep every right and lose nothing. The notice reads it
 * (scansPaused) only to tell the shopper up front, before consent and a photo, that scans are paused.
 */
export class ScanQuotaReachedError extends DomainError {
  constructor() {
    super(
      402,
      "scan_quota_reached",
      "Skin scans are paused in this store for now. Your consent and your data are kept: you can still " +
        "read the notice, withdraw consent, see or erase your data and send a request.",
    );
  }
}

interface QuotaRow {
  planName: string | null;
  planHandle: string | null;
  status: string | null;
  developmentStore: boolean | number | null;
  scans: number | bigint | null;
}

// The CAST gives PostgreSQL the parameter's type; SQLite takes it as written.
const QUOTA_SQL = `SELECT p."planName", p."planHandle", p."status", p."developmentStore", u."scans"
  FROM (SELECT CAST(? AS TEXT) AS "shop") AS s
  LEFT JOIN "ShopPlan" AS p ON p."shop" = s."shop"
  LEFT JOIN "ScanUsage" AS u ON u."shop" = s."shop" AND u."month" = ?`;

const COUNT_SQL = `INSERT INTO "ScanUsage" ("id", "shop", "month", "scans") VALUES (?, ?, ?, 1)
  ON CONFLICT ("shop", "month") DO UPDATE SET "scans" = "ScanUsage"."scans" + 1`;

/** The shop's allowance and what it used this month, in one read. */
export async function quotaState(db: Db, shop: string, month: string) {
  const [row] = await selectRows<QuotaRow>(db, QUOTA_SQL, shop, month);
  const plan = effectivePlan(
    row
      ? {
          planName: row.planName,
          planHandle: row.planHandle,
          status: row.status,
          // SQLite answers 0/1, PostgreSQL a boolean.
          developmentStore: row.developmentStore === true || Number(row.developmentStore) === 1,
        }
      : null,
  );
  return { plan, used: Number(row?.scans ?? 0) };
}

/** True once the month's accepted scans reach the shop's allowance: new scans pause (P20). */
const isPaused = ({ plan, used }: { plan: { monthlyScans: number }; used: number }) => used >= plan.monthlyScans;

/**
 * Whether a new scan would be refused now with 402 scan_quota_reached: the notice says so, so the
 * shopper learns it before consenting and choosing a photo (P20). Advice only: the scan's own check decides.
 */
export async function scansPaused(db: Db, shop: string, now = new Date()): Promise<boolean> {
  return isPaused(await quotaState(db, shop, usageMonth(now)));
}

/** Accepted scans of one month (UTC, "YYYY-MM"). */
export async function usedThisMonth(db: Db, shop: string, month: string): Promise<number> {
  const row = await db.scanUsage.findUnique({ where: { shop_month: { shop, month } }, select: { scans: true } });
  return row?.scans ?? 0;
}

/** Counts one accepted scan against a month. */
export const countAcceptedScan = (db: Db, shop: string, month: string) =>
  executeRaw(db, COUNT_SQL, randomUUID(), shop, month);

/**
 * Runs one scan inside the shop's allowance: refused with 402 scan_quota_reached before `scan`
 * starts (nothing read, nothing analysed) once the month's allowance is used; counted once accepted.
 */
export async function withinScanQuota<T extends { status: string }>(
  db: Db,
  shop: string,
  scan: () => Promise<T>,
  now = new Date(),
): Promise<T> {
  const month = usageMonth(now);
  if (isPaused(await quotaState(db, shop, month))) throw new ScanQuotaReachedError();
  const outcome = await scan();
  if (outcome.status === "accepted") await countAcceptedScan(db, shop, month);
  return outcome;
}
