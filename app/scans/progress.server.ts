import { z } from "zod";
import type { Shopper } from "../consent/consent.server";
import { imageContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import { openOrReport } from "../crypto/unreadable.server";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import {
  type Capture,
  comparableCaptures,
  indexValue,
  isMeaningfulChange,
  type NotComparableReason,
  REPEATABILITY_INDICES,
  type RepeatabilityIndex,
} from "../analysis/repeatability";
import { findSubject, type ShopperProof } from "../rights/shopper.server";

/**
 * Before/after tracking (P19): a shopper's own scans over time, the changes between them that are
 * real, and the photos kept for it, shown to that shopper alone.
 *
 * Only accepted scans are compared: each with the next, and the first with the latest (when that is
 * not already a consecutive pair). A pair is compared only when `comparableCaptures` says the two
 * photos were taken under the conditions the repeatability was measured under; a change is called
 * meaningful only beyond that index's measured MDC95 (app/analysis/repeatability.ts).
 *
 * A kept photo is decrypted here and nowhere else on a shopper's behalf, only for the subject whose
 * scan it is, and never once its delete-after date has passed, whether or not the retention sweep
 * has run yet. The merchant's admin has no route to it.
 */

/** At most this many scans (the latest) are listed and compared; older ones stay in my-data. */
export const PROGRESS_MAX_SCANS = 100;

/** Why two scans are not compared: the analysis' own reasons, or a stored scan without readable numbers. */
export type ProgressReason = NotComparableReason | "no_measurement";

/** The fields of a stored measurement that tracking reads; anything else in it is passed through untouched. */
const storedMeasurement = z.object({
  whiteBalance: z.enum(["reference", "none"]),
  indices: z.object({
    skinTone: z
      .object({
        lab: z.object({ L: z.number(), a: z.number(), b: z.number() }),
        itaDegrees: z.number(),
        group: z.string(),
        itaRange: z.tuple([z.number(), z.number()]).optional(),
        groups: z.array(z.string()).optional(),
        confidence: z.number().optional(),
        lightPinned: z.boolean().optional(),
        summary: z.string().optional(),
      })
      .passthrough(),
    redness: z.object({ deltaA: z.number(), score: z.number(), band: z.string() }).passthrough(),
    unevenness: z
      .object({ lSpreadIqr: z.number(), darkSpotFraction: z.number(), score: z.number(), band: z.string() })
      .passthrough(),
    shine: z.object({ specularFraction: z.number(), score: z.number(), band: z.string() }).passthrough(),
    underEyeDarkness: z.object({ deltaL: z.number(), score: z.number(), band: z.string() }).passthrough(),
  }),
});

const storedQuality = z.object({ measured: z.record(z.number()).optional() });

/** Parses stored JSON without throwing: rows written by older versions may not match. */
function parsed<T>(schema: z.ZodType<T>, text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Numbers as the shopper's answer carries them: enough digits for any MDC95, no float noise. */
const round = (value: number) => Number(value.toPrecision(6));

interface ScanRow {
  id: string;
  createdAt: Date;
  status: string;
  provider: string;
  engineVersion: string | null;
  quality: string;
  result: string | null;
  image: { expiresAt: Date } | null;
}

interface Tracked {
  row: ScanRow;
  capture: Capture;
  /** The stored measurement once it has the fields tracking reads (older rows may not). */
  measurement: Capture["measurement"];
}

function track(row: ScanRow): Tracked {
  // Checked for the fields read here (the indices' other fields pass through untouched).
  const measurement =
    row.status === "accepted"
      ? (parsed(storedMeasurement, row.result) as Capture["measurement"] | undefined)
      : undefined;
  const capture: Capture = {
    status: row.status === "accepted" ? "accepted" : "refused",
    engine: { name: row.provider, version: row.engineVersion ?? "" },
    quality: { measured: parsed(storedQuality, row.quality)?.measured ?? {} },
    measurement,
  };
  return { row, capture, measurement };
}

function scanView(scan: Tracked, now: Date) {
  const m = scan.measurement;
  const photoKept = scan.row.image !== null && scan.row.image.expiresAt > now;
  return {
    scanId: scan.row.id,
    createdAt: scan.row.createdAt.toISOString(),
    status: scan.row.status,
    /** Each index in the unit its repeatability was measured in, so a delta is `to − from`. */
    indices: m
      ? Object.fromEntries(REPEATABILITY_INDICES.map((index) => [index, round(indexValue(index, m.indices))]))
      : null,
    tone: m
      ? {
          group: m.indices.skinTone.group,
          itaDegrees: round(m.indices.skinTone.itaDegrees),
          itaRange: m.indices.skinTone.itaRange ?? null,
          groups: m.indices.skinTone.groups ?? [m.indices.skinTone.group],
          confidence: m.indices.skinTone.confidence ?? null,
          lightPinned: m.indices.skinTone.lightPinned ?? false,
          summary: m.indices.skinTone.summary ?? null,
        }
      : null,
    photoKept,
    photoDeleteAfter: photoKept ? scan.row.image!.expiresAt.toISOString() : null,
  };
}

function compare(from: Tracked, to: Tracked) {
  const base = { from: from.row.id, to: to.row.id };
  if (!from.measurement || !to.measurement) {
    const refused = from.capture.status === "refused" || to.capture.status === "refused";
    return {
      ...base,
      comparable: false,
      reason: (refused ? "refused" : "no_measurement") as ProgressReason,
      changes: [],
    };
  }
  const verdict = comparableCaptures(from.capture, to.capture);
  if (!verdict.comparable) {
    return { ...base, comparable: false, reason: verdict.reasons[0] as ProgressReason, changes: [] };
  }
  const changes = verdict.indices.map((index: RepeatabilityIndex) => {
    const delta = indexValue(index, to.measurement!.indices) - indexValue(index, from.measurement!.indices);
    return { index, delta: round(delta), meaningful: isMeaningfulChange(index, delta) };
  });
  return { ...base, comparable: true, changes };
}

export type Progress = Awaited<ReturnType<typeof ownProgress>>;

/** GET /proxy/progress: the subject's scans, oldest first, and the comparisons between accepted ones. */
export async function ownProgress(db: Db, shopper: Shopper, proof: ShopperProof, now = new Date()) {
  const subjectId = await findSubject(db, shopper, proof);
  if (!subjectId) return { scans: [], comparisons: [] };
  const rows = await db.scan.findMany({
    where: { shop: shopper.shop, subjectId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: PROGRESS_MAX_SCANS,
    select: {
      id: true,
      createdAt: true,
      status: true,
      provider: true,
      engineVersion: true,
      quality: true,
      result: true,
      image: { select: { expiresAt: true } },
    },
  });
  const scans = rows.reverse().map(track);
  const accepted = scans.filter((scan) => scan.capture.status === "accepted");
  const pairs: [Tracked, Tracked][] = accepted.slice(1).map((to, i) => [accepted[i]!, to]);
  if (accepted.length > 2) pairs.push([accepted[0]!, accepted[accepted.length - 1]!]);
  return {
    scans: scans.map((scan) => scanView(scan, now)),
    comparisons: pairs.map(([from, to]) => compare(from, to)),
  };
}

/**
 * The photo kept with one's own scan, decrypted. Another shopper's scan, another shop's, a scan with
 * no kept photo and a photo past its delete-after date all answer the same 404; one's own photo that
 * can no longer be decrypted answers 410 photo_unavailable.
 */
export async function ownPhoto(
  db: Db,
  keyring: Keyring,
  shopper: Shopper,
  proof: ShopperProof,
  scanId: string,
  now = new Date(),
) {
  const notFound = new DomainError(404, "photo_not_found", "No kept photo for this scan.");
  const subjectId = await findSubject(db, shopper, proof);
  if (!subjectId || scanId.length === 0 || scanId.length > 64) throw notFound;
  const image = await db.storedImage.findFirst({
    where: { scanId, shop: shopper.shop, subjectId, scan: { shop: shopper.shop, subjectId }, expiresAt: { gt: now } },
    select: { ciphertext: true, mimeType: true },
  });
  if (!image) throw notFound;
  const bytes = openOrReport(keyring, image.ciphertext, imageContext(scanId), {
    shop: shopper.shop,
    table: "StoredImage",
  });
  if (!bytes) throw new PhotoUnavailableError();
  return { bytes, mimeType: image.mimeType };
}

/**
 * A kept photo that can no longer be decrypted (its key was removed from ENCRYPTION_KEYS): gone for
 * good as far as the shopper is concerned, so 410, and the operator has the key id in the log.
 */
export class PhotoUnavailableError extends DomainError {
  constructor() {
    super(
      410,
      "photo_unavailable",
      "This kept photo can no longer be opened, so it cannot be shown. Your scan's results are not affected. You can delete the scan, which deletes the photo too, or file a privacy request to ask the store about it.",
    );
  }
}
