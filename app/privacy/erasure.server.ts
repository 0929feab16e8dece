import type { Prisma } from "@prisma/client";
import type { Keyring } from "../crypto/keyring";
import { betweenBatches } from "../jobs/worker.server";
import type { Database, Db, DbOrTx } from "../db/client.server";
import { queueRemoteDeletions, remoteDeletionWrites } from "../analysis/remote-deletion.server";
import { newJob } from "../jobs/queue.server";
import { auditedTransaction, recordAuditEvent } from "./audit-trail.server";

/**
 * Erasure that really executes (P11). Deleting a Subject cascades (foreign keys) to its consent
 * records, scans, stored images and exports; privacy requests keep their ledger row with the
 * subject link cleared. The caller flushes the SQLite WAL afterwards (Database.flushErasures).
 */
export interface ErasureCounts {
  subjects: number;
  scans: number;
  remoteDeletionsQueued: number;
}

const ZERO: ErasureCounts = { subjects: 0, scans: 0, remoteDeletionsQueued: 0 };

/** Erases the given subjects of one shop in one transaction; safe to repeat. */
export async function eraseSubjects(
  db: Db,
  keyring: Keyring,
  shop: string,
  subjectIds: string[],
): Promise<ErasureCounts> {
  if (subjectIds.length === 0) return ZERO;
  return db.$transaction(async (tx) => {
    const remote = await tx.scan.findMany({
      where: { shop, subjectId: { in: subjectIds }, remoteAnalysisId: { not: null } },
      select: { remoteApiUrl: true, remoteAnalysisId: true },
    });
    const remoteDeletionsQueued = await queueRemoteDeletions(tx, keyring, shop, remote);
    const scans = await tx.scan.count({ where: { shop, subjectId: { in: subjectIds } } });
    const { count: subjects } = await tx.subject.deleteMany({ where: { shop, id: { in: subjectIds } } });
    return { subjects, scans, remoteDeletionsQueued };
  });
}

/**
 * The job a web request queues after erasing: the worker folds and truncates the SQLite WAL (P11)
 * within seconds, grouped with other erasures, so the shopper's request never waits on a checkpoint.
 */
export const FLUSH_ERASURES_JOB = "privacy.flush_erasures";

/**
 * A shopper's erasure from the storefront, done while they wait: one transaction deletes the
 * subjects (cascading to consents, scans, images, exports) or single scans, queues what the vendor
 * still holds, adds the caller's bookkeeping, queues the WAL flush and records the erasure in the
 * audit trail (P21: the subject's random id and counts, nothing that identifies the person).
 * The audit append is the transaction's first statement: a write, so on SQLite the transaction holds
 * the write lock before it reads anything (a read-then-write one fails when another connection wrote).
 */
export async function eraseNow(
  db: Db,
  keyring: Keyring,
  shop: string,
  target: { subjectIds: string[] } | { scanIds: string[] },
  bookkeeping: (tx: DbOrTx) => Prisma.PrismaPromise<unknown>[] = () => [],
  reason: ErasureReason = "shopper_request",
): Promise<{ scans: number; remoteDeletionsQueued: number }> {
  const where =
    "subjectIds" in target ? { shop, subjectId: { in: target.subjectIds } } : { shop, id: { in: target.scanIds } };
  const scans = await db.scan.findMany({ where, select: { id: true, remoteApiUrl: true, remoteAnalysisId: true } });
  const owed = scans.filter((s) => s.remoteApiUrl && s.remoteAnalysisId).length;
  const remoteDeletionsQueued = await db.$transaction(async (tx) => {
    const subjects = "subjectIds" in target ? target.subjectIds : [];
    await recordAuditEvent(tx, {
      shop,
      action: "erasure",
      ...(subjects.length === 1 ? { subject: subjects[0] } : {}),
      detail: { reason, subjects: subjects.length, scans: scans.length, remoteDeletionsQueued: owed },
    });
    const remote = await remoteDeletionWrites(tx, keyring, shop, scans);
    for (const write of remote) await write;
    if ("subjectIds" in target) await tx.subject.deleteMany({ where: { shop, id: { in: target.subjectIds } } });
    else await tx.scan.deleteMany({ where });
    for (const write of bookkeeping(tx)) await write;
    await tx.job.create({ data: newJob({ type: FLUSH_ERASURES_JOB, payload: {}, shop }) });
    return remote.length;
  });
  return { scans: scans.length, remoteDeletionsQueued };
}

/** Why an erasure happened, as the audit trail records it. */
export type ErasureReason =
  | "shopper_request"
  | "shopper_scan_deleted"
  | "merchant_request"
  | "merchant_correction"
  | "customers_redact"
  | "shop_redact";

/**
 * Everything the app holds about one Shopify customer of one shop (customers/redact), plus exports
 * made for them and the identifying digest on their ledger rows. `finish` adds the caller's own
 * bookkeeping (ledger, audit) to the last transaction, so the job makes as few writes as it can.
 */
export async function eraseCustomer(
  db: Db,
  keyring: Keyring,
  input: { shop: string; customerId: string; subjectDigest: string; privacyRequestId?: string },
  finish: (counts: ErasureCounts, tx: DbOrTx) => Prisma.PrismaPromise<unknown>[] = () => [],
): Promise<ErasureCounts> {
  const { shop, customerId, subjectDigest } = input;
  const subjects = await db.subject.findMany({ where: { shop, customerId }, select: { id: true } });
  const counts = await eraseSubjects(
    db,
    keyring,
    shop,
    subjects.map((s) => s.id),
  );
  // P21: recorded with the ledger's last step; the trail knows the request by its random id only.
  const trail = {
    shop,
    action: "erasure" as const,
    ...(input.privacyRequestId ? { subject: input.privacyRequestId } : {}),
    detail: { reason: "customers_redact", ...counts },
  };
  await auditedTransaction(db, trail, (tx) => [
    tx.dataExport.deleteMany({ where: { shop, subjectDigest } }),
    tx.privacyRequest.updateMany({ where: { shop, subjectDigest }, data: { subjectDigest: null } }),
    ...finish(counts, tx),
  ]);
  return counts;
}

/** Rows per statement: large enough to be fast, small enough that webhooks never wait long on the write lock. */
const SHOP_BATCH = 5_000;
/** Under SQLite's bound-parameter limit as Prisma counts it (999). */
const ID_LIST_LIMIT = 900;

/**
 * Tables with a shop's rows, children before parents. ProductTerm rows go with their Product
 * (ON DELETE CASCADE).
 */
const SHOP_TABLES = [
  "IncidentSubject",
  "Incident",
  "StoredImage",
  "Scan",
  "ConsentRecord",
  "DataExport",
  "PrivacyRequest",
  "Subject",
  "Product",
  "RecommendationRule",
  "DailyStat",
  "DailyInsight",
  "HourlyInsight",
  // The plan as Shopify reported it and the monthly scan counters (P20).
  "ShopPlan",
  "ScanUsage",
] as const;

/**
 * Everything about a shop (shop/redact, or 30 days after uninstall). Rows go in bounded batches,
 * children first, so a large shop never holds the SQLite write lock for long, and a crash part-way
 * loses nothing: the job runs again and finishes what is left.
 */
export async function eraseShop(
  database: Database,
  keyring: Keyring,
  shop: string,
  signal?: AbortSignal,
): Promise<ErasureCounts> {
  const db = database.client;
  const scans = await db.scan.count({ where: { shop } });
  const subjects = await db.subject.count({ where: { shop } });
  let remoteDeletionsQueued = 0;
  // Analyses the vendor holds are queued for deletion in the same transaction that drops them here.
  for (;;) {
    await betweenBatches(signal);
    const remote = await db.scan.findMany({
      where: { shop, remoteAnalysisId: { not: null } },
      select: { id: true, remoteApiUrl: true, remoteAnalysisId: true },
      take: ID_LIST_LIMIT,
    });
    if (remote.length === 0) break;
    remoteDeletionsQueued += await db.$transaction(async (tx) => {
      const queued = await queueRemoteDeletions(tx, keyring, shop, remote);
      await tx.scan.deleteMany({ where: { id: { in: remote.map((r) => r.id) } } });
      return queued;
    });
  }
  const param = database.kind === "postgresql" ? "$1" : "?";
  for (const table of SHOP_TABLES) {
    for (;;) {
      await betweenBatches(signal);
      // The table name is one of the constants above, never input.
      const deleted = await db.$executeRawUnsafe(
        `DELETE FROM "${table}" WHERE "id" IN (SELECT "id" FROM "${table}" WHERE "shop" = ${param} LIMIT ${SHOP_BATCH})`,
        shop,
      );
      if (deleted < SHOP_BATCH) break;
    }
  }
  // Request-log rows wait in an app process's memory before they are written: the tombstone makes
  // sure none of this shop's is written after this (see app/proxy/request-log.server.ts, which also
  // says why PostgreSQL needs the lock first: it waits for flushes in flight and holds off new ones).
  // P21: the shop's audit trail stays (it holds no personal data: ADR 0014) and records this last step.
  const erasedAt = new Date();
  const trail = {
    shop,
    action: "shop.erased" as const,
    detail: { reason: "shop_redact", subjects, scans, remoteDeletionsQueued },
  };
  await auditedTransaction(db, trail, (tx) => [
    ...(database.kind === "postgresql"
      ? [tx.$executeRawUnsafe(`LOCK TABLE "RequestLog" IN SHARE ROW EXCLUSIVE MODE`)]
      : []),
    tx.shopErasure.upsert({ where: { shop }, create: { shop, erasedAt }, update: { erasedAt } }),
    tx.noticeVersion.deleteMany({ where: { shop } }),
    tx.auditEvent.deleteMany({ where: { shop } }),
    tx.requestLog.deleteMany({ where: { shop } }),
    // Daily counters and the setup checklist: a few rows per shop.
    tx.storefrontEventDay.deleteMany({ where: { shop } }),
    tx.shopOnboarding.deleteMany({ where: { shop } }),
    tx.session.deleteMany({ where: { shop } }),
    tx.shop.deleteMany({ where: { shop } }),
  ]);
  return { subjects, scans, remoteDeletionsQueued };
}
