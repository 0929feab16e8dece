import type { Shopper } from "../consent/consent.server";
import type { Keyring } from "../crypto/keyring";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import { eraseNow } from "../privacy/erasure.server";
import { recommendationsFor } from "../recommendations/recommend.server";
import { profileFromResult } from "../recommendations/rules";
import { findSubject, type ShopperProof } from "../rights/shopper.server";

/**
 * A shopper reading or deleting one of their own scans (P2, P9). Another shopper's scan, another
 * shop's scan and a scan that does not exist all answer the same 404.
 */
const notFound = () => new DomainError(404, "scan_not_found", "No such scan for this shopper.");

async function ownScan(db: Db, shopper: Shopper, proof: ShopperProof, scanId: string) {
  const subjectId = await findSubject(db, shopper, proof);
  if (!subjectId || scanId.length > 64) throw notFound();
  const scan = await db.scan.findFirst({
    where: { id: scanId, shop: shopper.shop, subjectId },
    include: { image: { select: { expiresAt: true } } },
  });
  if (!scan) throw notFound();
  return scan;
}

export async function readOwnScan(db: Db, shopper: Shopper, proof: ShopperProof, scanId: string) {
  const scan = await ownScan(db, shopper, proof, scanId);
  const quality = JSON.parse(scan.quality) as { ok: boolean; reasons: string[]; hints: string[] };
  const result: unknown = scan.result === null ? null : JSON.parse(scan.result);
  return {
    scanId: scan.id,
    createdAt: scan.createdAt.toISOString(),
    status: scan.status,
    engine: { name: scan.provider, version: scan.engineVersion },
    quality: { ok: quality.ok, reasons: quality.reasons, hints: quality.hints },
    result,
    // Worked out again from today's rules and catalogue: products change, the measurement does not.
    recommendations: result ? await recommendationsFor(db, shopper.shop, profileFromResult(result)) : [],
    image: scan.image
      ? { kept: true as const, encrypted: true as const, deleteAfter: scan.image.expiresAt.toISOString() }
      : { kept: false as const },
  };
}

export async function deleteOwnScan(db: Db, keyring: Keyring, shopper: Shopper, proof: ShopperProof, scanId: string) {
  const scan = await ownScan(db, shopper, proof, scanId);
  const counts = await eraseNow(
    db,
    keyring,
    shopper.shop,
    { scanIds: [scan.id] },
    (tx) => [
      tx.auditEvent.create({
        data: { shop: shopper.shop, actor: "shopper", action: "scan.deleted", targetType: "Scan", targetId: scan.id },
      }),
    ],
    "shopper_scan_deleted",
  );
  return { deleted: true, imageDeleted: scan.image !== null, analysisDeletionQueued: counts.remoteDeletionsQueued > 0 };
}
