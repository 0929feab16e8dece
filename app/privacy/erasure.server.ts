import type { Prisma } from "@prisma/client";
import type { Keyring } from "../crypto/keyring";
import { betweenBatches } from "../jobs/worker.server";
import type { Database, Db } from "../db/client.server";
import { queueRemoteDeletions, remoteDeletionWrites } from "../analysis/remote-deletion.server";
import { newJob } from "../jobs/queue.server";

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
 * A shopper's erasure from the storefront, done while they wait: one batch transaction deletes the
 * subjects (cascading to consents, scans, images, exports) or single scans, queues what the vendor
 * still holds, adds the caller's bookkeeping, and queues the WAL flush.
 */
export async function eraseNow(
  db: Db,
  keyring: Keyring,
  shop: string,
  target: { subjectIds: string[] } | { scanIds: string[] },
  bookkeeping: Prisma.PrismaPromise<unknown>[] = [],
): Promise<{ scans: number; remoteDeletionsQueued: number }> {
  const where =
    "subjectIds" in target ? { shop, subjectId: { in: target.subjectIds } } : { shop, id: { in: target.scanIds } };
  const scans = await db.scan.findMany({ where, select: { id: true, remoteApiUrl: true, remoteAnalysisId: true } });
  const remote = await remoteDeletionWrites(db, keyring, shop, scans);
  await db.$transaction([
    ...remote,
    "subjectIds" in target
      ? db.subject.deleteMany({ where: { shop, id: { in: target.subjectIds } } })
      : db.scan.deleteMany({ where }),
    ...bookkeeping,
    db.job.create({ data: newJob({ type: FLUSH_ERASURES_JOB, payload: {}, shop }) }),
  ]);
  return { scans: scans.length, remoteDeletionsQueued: remote.length };
}

/**
 * Everything the app holds about one Shopify customer of one shop (customers/redact), plus exports
 * made for them and the identifying digest on their ledger rows. `finish` adds the caller's own
 * bookkeeping (ledger, audit) to the last transaction, so the job makes as few writes as it can.
 */
export async function eraseCustomer(
  db: Db,
  keyring: Keyring,
  input: { shop: string; customerId: string; subjectDigest: string },
  finish: (counts: ErasureCounts) => Prisma.PrismaPromise<unknown>[] = () => [],
): Promise<ErasureCounts> {
  const { shop, customerId, subjectDigest } = input;
  const subjects = await db.subject.findMany({ where: { shop, customerId }, select: { id: true } });
  const counts = await eraseSubjects(
    db,
    keyring,
    shop,
    subjects.map((s) => s.id),
  );
  await db.$transaction([
    db.dataExport.deleteMany({ where: { shop, subjectDigest } }),
    db.privacyRequest.updateMany({ where: { shop, subjectDigest }, data: { subjectDigest: null } }),
    ...finish(counts),
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
  const erasedAt = new Date();
  await db.$transaction([
    ...(database.kind === "postgresql"
      ? [db.$executeRawUnsafe(`LOCK TABLE "RequestLog" IN SHARE ROW EXCLUSIVE MODE`)]
      : []),
    db.shopErasure.upsert({ where: { shop }, create: { shop, erasedAt }, update: { erasedAt } }),
    db.noticeVersion.deleteMany({ where: { shop } }),
    db.auditEvent.deleteMany({ where: { shop } }),
    db.requestLog.deleteMany({ where: { shop } }),
    // Daily counters and the setup checklist: a few rows per shop.
    db.storefrontEventDay.deleteMany({ where: { shop } }),
    db.shopOnboarding.deleteMany({ where: { shop } }),
    db.session.deleteMany({ where: { shop } }),
    db.shop.deleteMany({ where: { shop } }),
  ]);
  return { subjects, scans, remoteDeletionsQueued };
}
