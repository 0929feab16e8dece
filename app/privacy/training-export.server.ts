import { randomInt } from "node:crypto";
import type { Db } from "../db/client.server";

/**
 * The only way analysis results leave the app for model work (P13): scans whose shopper gave the
 * separate model_training opt-in, and only their measurements. Anonymised, not pseudonymised: no
 * scan, subject, consent, shop or vendor ids, no receipts, no photos, the date cut to the month,
 * and the rows shuffled so their order says nothing about when or for whom they were made.
 */
export const TRAINING_EXPORT_FORMAT = "scanshield.training-export.v1";

/** Only these parts of a measurement are exported; anything else a remote API adds stays home. */
const MEASUREMENT_KEYS = ["indices", "whiteBalance"] as const;

function measurementOnly(result: string): Record<string, unknown> {
  const parsed = JSON.parse(result) as Record<string, unknown>;
  return Object.fromEntries(MEASUREMENT_KEYS.filter((k) => k in parsed).map((k) => [k, parsed[k]]));
}

export async function buildTrainingExport(db: Db, options: { limit?: number } = {}) {
  const rows = await db.scan.findMany({
    where: { trainingOptIn: true, status: "accepted", result: { not: null } },
    select: { provider: true, engineVersion: true, quality: true, result: true, createdAt: true },
    take: options.limit ?? 100_000,
  });
  const records = rows.map((row) => ({
    month: row.createdAt.toISOString().slice(0, 7),
    engine: { name: row.provider, version: row.engineVersion },
    quality: (JSON.parse(row.quality) as { measured?: unknown }).measured ?? null,
    measurement: measurementOnly(row.result ?? "{}"),
  }));
  // Fisher–Yates with a CSPRNG: the database's order (insertion, time) must not survive.
  for (let i = records.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  return { format: TRAINING_EXPORT_FORMAT, generatedAt: new Date().toISOString(), records };
}
