import type { Keyring } from "../crypto/keyring";
import { betweenBatches } from "../jobs/worker.server";
import type { Database } from "../db/client.server";
import { logger } from "../logger.server";
import { eraseShop } from "./erasure.server";
import { queueRemoteDeletions } from "../analysis/remote-deletion.server";

/**
 * The app enforces retention itself (P12). Windows come from each shop's settings; the defaults
 * are PRODUCT.md's: opted-in images 90 days, results 90 days, request logs 12 months, all shop
 * data 30 days after uninstall. Images without the opt-in are never stored at all (P1).
 */
const DAY = 86_400_000;
/** Finished jobs and delivery ids: long enough for Shopify's 48-hour retry window and for support. */
export const JOB_HISTORY_DAYS = 30;
export const DELIVERY_HISTORY_DAYS = 90;
/** A request log row without a shop still lives at most this long. */
export const DEFAULT_REQUEST_LOG_DAYS = 365;

export interface SweepCounts {
  images: number;
  scans: number;
  shopsErased: number;
  requestLogs: number;
  exports: number;
  jobs: number;
  deliveries: number;
}

const ago = (now: Date, days: number) => new Date(now.getTime() - days * DAY);

export async function sweepRetention(
  database: Database,
  keyring: Keyring,
  now: Date = new Date(),
  signal?: AbortSignal,
): Promise<SweepCounts> {
  const db = database.client;
  const counts: SweepCounts = {
    images: 0,
    scans: 0,
    shopsErased: 0,
    requestLogs: 0,
    exports: 0,
    jobs: 0,
    deliveries: 0,
  };

  counts.images = (await db.storedImage.deleteMany({ where: { expiresAt: { lte: now } } })).count;

  // Shops whose uninstall clock ran out and whose shop/redact never came.
  const overdue = await db.shop.findMany({ where: { dataDeletionDueAt: { lte: now } }, select: { shop: true } });
  for (const { shop } of overdue) {
    await betweenBatches(signal);
    await eraseShop(database, keyring, shop, signal);
    counts.shopsErased++;
  }

  const shops = await db.shop.findMany({
    select: { shop: true, resultRetentionDays: true, requestLogRetentionDays: true },
  });
  for (const shop of shops) {
    await betweenBatches(signal);
    if (shop.resultRetentionDays !== null) {
      const before = ago(now, shop.resultRetentionDays);
      counts.scans += await db.$transaction(async (tx) => {
        const remote = await tx.scan.findMany({
          where: { shop: shop.shop, createdAt: { lt: before }, remoteAnalysisId: { not: null } },
          select: { remoteApiUrl: true, remoteAnalysisId: true },
        });
        await queueRemoteDeletions(tx, keyring, shop.shop, remote);
        return (await tx.scan.deleteMany({ where: { shop: shop.shop, createdAt: { lt: before } } })).count;
      });
    }
    counts.requestLogs += (
      await db.requestLog.deleteMany({
        where: { shop: shop.shop, createdAt: { lt: ago(now, shop.requestLogRetentionDays) } },
      })
    ).count;
  }
  const known = shops.map((s) => s.shop);
  counts.requestLogs += (
    await db.requestLog.deleteMany({
      where: {
        createdAt: { lt: ago(now, DEFAULT_REQUEST_LOG_DAYS) },
        OR: [{ shop: null }, { shop: { notIn: known } }],
      },
    })
  ).count;

  counts.exports = (await db.dataExport.deleteMany({ where: { expiresAt: { lte: now } } })).count;
  counts.jobs = (
    await db.job.deleteMany({
      where: { status: { in: ["done", "failed"] }, finishedAt: { lt: ago(now, JOB_HISTORY_DAYS) } },
    })
  ).count;
  counts.deliveries = (
    await db.webhookDelivery.deleteMany({ where: { receivedAt: { lt: ago(now, DELIVERY_HISTORY_DAYS) } } })
  ).count;
  // Erasure tombstones only need to outlive a request-log row waiting in memory (about a second).
  await db.shopErasure.deleteMany({ where: { erasedAt: { lt: ago(now, 1) } } });

  logger.info("retention sweep", { ...counts });
  return counts;
}
