import { randomUUID } from "node:crypto";
import { rateLimits, type RateLimits } from "../abuse/rate-limits.server";
import type { AnalysisProvider } from "../analysis/engine";
import type { Zone } from "../analysis/regions";
import { normaliseForUpload, normaliseImage } from "../analysis/image.server";
import { consentForScan } from "../consent/consent.server";
import { imageContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import type { Db } from "../db/client.server";
import { executeRaw } from "../db/raw.server";
import { profileFromResult, type Recommendation } from "../recommendations/rules";
import { recommendationsFor } from "../recommendations/recommend.server";

/**
 * One scan (P1, P2, P6, P13): the consent behind the token is checked, the photo is normalised (all
 * metadata dropped) and analysed, and only the result is stored. The photo itself is kept only under
 * the separate extended_retention opt-in, and then only sealed (AES-256-GCM) until the shop's window.
 * Without that opt-in the bytes live in this function's memory and nowhere else.
 */
const DAY = 86_400_000;

export interface ScanOutcome {
  scanId: string;
  status: "accepted" | "refused";
  engine: { name: string; version: string };
  quality: { ok: boolean; reasons: string[]; hints: string[] };
  result: unknown;
  /** Products chosen by the shop's rules from this result; empty for a refused photo. */
  recommendations: Recommendation[];
  /** Where the skin was measured, as boxes on the photo (0–1), for the widget to outline; never stored. */
  zones: Zone[];
  /** What happened to the photo, in words the widget can show. */
  image: { kept: false } | { kept: true; encrypted: true; deleteAfter: string };
}

export async function runScan(
  db: Db,
  provider: AnalysisProvider,
  keyring: Keyring,
  input: { shop: string; token: string; bytes: Uint8Array; networkHint: string | null },
  limits?: Pick<RateLimits, "checkScan" | "forgiveQualityRefusal">,
): Promise<ScanOutcome> {
  const consent = await consentForScan(db, input.shop, input.token);
  const limiter = limits ?? (await rateLimits());
  // P15: counted as soon as the subject is known, before any work on the photo.
  await limiter.checkScan({
    shop: input.shop,
    subjectId: consent.subjectId,
    networkHint: input.networkHint,
  });
  // A remote API is sent only the JPEG, so no pixel buffer is decoded for it.
  const image =
    provider.apiUrl === undefined ? await normaliseImage(input.bytes) : await normaliseForUpload(input.bytes);
  const outcome = await provider.analyse({
    rgb: image.raw ? { data: image.raw, width: image.width, height: image.height } : undefined,
    jpeg: image.jpeg,
  });
  const accepted = outcome.status === "accepted";
  // P15: a photo the quality gate refused is one of a few free retries of the shopper's own limit.
  if (!accepted) await limiter.forgiveQualityRefusal({ shop: input.shop, subjectId: consent.subjectId });
  const keep = accepted && consent.purposes.includes("extended_retention");
  // The shop's window matters only for a photo that is kept: no extra query on the usual path.
  const settings = keep
    ? await db.shop.findUnique({ where: { shop: input.shop }, select: { imageRetentionDays: true } })
    : null;
  const deleteAfter = new Date(Date.now() + (settings?.imageRetentionDays ?? 90) * DAY);
  const scanId = randomUUID();
  const remote = provider.apiUrl !== undefined;
  const result = accepted ? outcome.measurement : null;

  // Raw: the scan row is written on every scan, and a Prisma 6 model query compiles on every call.
  // createdAt is given (not the column default) so it is stored as Prisma stores dates.
  const scanRow = executeRaw(
    db,
    `INSERT INTO "Scan" ("id", "shop", "subjectId", "consentId", "status", "provider", "engineVersion",
       "remoteAnalysisId", "remoteApiUrl", "quality", "result", "trainingOptIn", "createdAt")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    scanId,
    input.shop,
    consent.subjectId,
    consent.consentId,
    outcome.status,
    provider.engine.name,
    outcome.engine.version,
    remote ? outcome.analysisId : null,
    provider.apiUrl ?? null,
    JSON.stringify(outcome.quality),
    result ? JSON.stringify(result) : null,
    // P13: results feed model improvement only under their own opt-in.
    consent.purposes.includes("model_training"),
    new Date(),
  );
  let written: Promise<unknown> = scanRow;
  if (keep) {
    const sealed = keyring.seal(image.jpeg, imageContext(scanId));
    written = db.$transaction([
      scanRow,
      db.storedImage.create({
        data: {
          shop: input.shop,
          scanId,
          subjectId: consent.subjectId,
          keyId: sealed.keyId,
          ciphertext: new Uint8Array(sealed.envelope),
          mimeType: "image/jpeg",
          byteLength: image.jpeg.byteLength,
          expiresAt: deleteAfter,
        },
      }),
    ]);
  }
  // The products do not depend on the row: both are fetched while the other is in flight, and the
  // answer waits for the row either way (a scan id is only returned once it exists).
  const [, recommendations] = await Promise.all([
    written,
    result ? recommendationsFor(db, input.shop, profileFromResult(result)) : [],
  ]);

  return {
    scanId,
    status: outcome.status,
    engine: outcome.engine,
    quality: { ok: outcome.quality.ok, reasons: outcome.quality.reasons, hints: outcome.quality.hints },
    result,
    recommendations,
    zones: (accepted && outcome.zones) || [],
    image: keep ? { kept: true, encrypted: true, deleteAfter: deleteAfter.toISOString() } : { kept: false },
  };
}
