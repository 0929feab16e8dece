import type { Keyring } from "../crypto/keyring";
import type { Database, Db } from "../db/client.server";
import { queueRemoteDeletions } from "../analysis/remote-deletion.server";

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

function add(a: ErasureCounts, b: ErasureCounts): ErasureCounts {
  return {
    subjects: a.subjects + b.subjects,
    scans: a.scans + b.scans,
    remoteDeletionsQueued: a.remoteDeletionsQueued + b.remoteDeletionsQueued,
  };
}

/** Erases the given subjects of one shop in one transaction; safe to repeat. */
export async function eraseSubjects(db: Db, keyring: Keyring, shop: string, subjectIds: string[]): Promise<ErasureCounts> {
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
 * Everything the app holds about one Shopify customer of one shop (customers/redact), plus exports
 * made for them and the identifying digest on their ledger rows.
 */
export async function eraseCustomer(
  db: Db,
  keyring: Keyring,
  shop: string,
  customerId: string,
  subjectDigest: string,
): Promise<ErasureCounts> {
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
  ]);
  return counts;
}

const SHOP_BATCH = 2_000;

/**
 * Everything about a shop (shop/redact, or 30 days after uninstall). Subjects go in batches so a
 * large shop never holds the SQLite write lock for long, and a crash part-way loses nothing: the
 * job runs again and finishes what is left.
 */
export async function eraseShop(
  database: Database,
  keyring: Keyring,
  shop: string,
  signal?: AbortSignal,
): Promise<ErasureCounts> {
  const db = database.client;
  let counts = ZERO;
  for (;;) {
    signal?.throwIfAborted();
    const batch = await db.subject.findMany({ where: { shop }, select: { id: true }, take: SHOP_BATCH });
    if (batch.length === 0) break;
    counts = add(
      counts,
      await eraseSubjects(
        db,
        keyring,
        shop,
        batch.map((s) => s.id),
      ),
    );
  }
  await db.$transaction([
    db.dataExport.deleteMany({ where: { shop } }),
    db.privacyRequest.deleteMany({ where: { shop } }),
    db.noticeVersion.deleteMany({ where: { shop } }),
    db.auditEvent.deleteMany({ where: { shop } }),
    db.requestLog.deleteMany({ where: { shop } }),
    db.session.deleteMany({ where: { shop } }),
    db.shop.deleteMany({ where: { shop } }),
  ]);
  return counts;
}
