import { z } from "zod";
import { shopApiKeyContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import type { Prisma } from "@prisma/client";
import type { Db } from "../db/client.server";
import { isUniqueViolation } from "../db/errors";
import { endpointGuard, endpointPolicy, urlProblem, type EndpointGuard } from "../analysis/endpoint-guard.server";
import { auditedTransaction } from "../privacy/audit-trail.server";
import {
  blankToUndefined,
  fieldErrors,
  FormError,
  optionalWholeNumber,
  wholeNumber,
  type WholeNumberField,
} from "./form";

/**
 * The merchant's settings (issue 6): retention windows (P12), minimum age (P5), rate limits (P15)
 * and the analysis provider (P16). The analysis API key is write-only: it is sealed on save (P14)
 * and the page only ever learns whether one is set. Every change is audited without secrets.
 */
/** A whole-number setting (wholeNumber: plain decimal digits only), its messages named by its label. */
const intField = (label: string, min: number, max: number): WholeNumberField => ({
  min,
  max,
  required: `Enter ${label.toLowerCase()}.`,
  notNumber: `${label} must be a whole number.`,
  tooSmall: `${label} must be at least ${min}.`,
  tooLarge: `${label} must be at most ${max}.`,
});
const int = (label: string, min: number, max: number) => wholeNumber(intField(label, min, max));

export const settingsInput = z
  .object({
    imageRetentionDays: int("Photo retention", 1, 365),
    // Blank means "for the life of the install" (P12).
    resultRetentionDays: optionalWholeNumber(intField("Result retention", 1, 3650)),
    requestLogRetentionDays: int("Request log retention", 30, 365),
    // P5: nobody under 18, whatever the merchant sets.
    minimumAge: int("Minimum age", 18, 99),
    scansPerShopPerMinute: int("Scans per minute for the store", 1, 10_000),
    scansPerSubjectPerHour: int("Scans per shopper per hour", 1, 1_000),
    scansPerNetworkPerHour: int("Scans per network per hour", 1, 10_000),
    analysisMode: z.enum(["local", "remote"], { message: "Choose the built-in engine or a remote API." }),
    analysisApiUrl: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .max(500, "The URL is too long.")
        // https to a public address (issue 10, item 7); its DNS answer is checked on save, in saveSettings.
        .superRefine((url, ctx) => {
          const problem = urlProblem(url, endpointPolicy());
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .optional(),
    ),
    analysisRegion: z.preprocess(blankToUndefined, z.string().trim().max(64, "Use at most 64 characters.").optional()),
    // Write-only: blank keeps the stored key.
    analysisApiKey: z.preprocess(
      blankToUndefined,
      z.string().trim().min(8, "The key looks too short.").max(500, "The key is too long.").optional(),
    ),
  })
  .superRefine((value, ctx) => {
    if (value.analysisMode === "remote" && !value.analysisApiUrl) {
      ctx.addIssue({ code: "custom", path: ["analysisApiUrl"], message: "Enter the analysis API's URL." });
    }
  });
export type SettingsInput = z.infer<typeof settingsInput>;

export interface SettingsView {
  imageRetentionDays: number;
  resultRetentionDays: number | null;
  requestLogRetentionDays: number;
  minimumAge: number;
  scansPerShopPerMinute: number;
  scansPerSubjectPerHour: number;
  scansPerNetworkPerHour: number;
  analysisMode: "local" | "remote";
  analysisApiUrl: string | null;
  analysisRegion: string | null;
  /** Whether a key is stored. The key itself never leaves the server. */
  analysisApiKeySet: boolean;
  updatedAt: string | null;
}

const SETTINGS_SELECT = {
  imageRetentionDays: true,
  resultRetentionDays: true,
  requestLogRetentionDays: true,
  minimumAge: true,
  scansPerShopPerMinute: true,
  scansPerSubjectPerHour: true,
  scansPerNetworkPerHour: true,
  analysisApiUrl: true,
  analysisRegion: true,
  analysisApiKeyCiphertext: true,
  updatedAt: true,
} as const;

/**
 * The shop's row, created with the defaults when missing: a read, and a write only the first time.
 * Not Prisma's upsert with an empty update: on SQLite that is a read then a write in one transaction,
 * which fails at once with "database is locked" when another connection wrote in between. Two requests
 * creating the row at once meet the unique index; the loser reads the winner's row.
 */
export async function shopSettingsRow<S extends Prisma.ShopSelect>(
  db: Db,
  shop: string,
  select: S,
): Promise<Prisma.ShopGetPayload<{ select: S }>> {
  const find = () => db.shop.findUnique({ where: { shop }, select });
  const found = await find();
  if (found) return found;
  try {
    return await db.shop.create({ data: { shop }, select });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await find();
    if (!raced) throw error;
    return raced;
  }
}

export async function getSettings(db: Db, shop: string): Promise<SettingsView> {
  const row = await shopSettingsRow(db, shop, SETTINGS_SELECT);
  return {
    imageRetentionDays: row.imageRetentionDays,
    resultRetentionDays: row.resultRetentionDays,
    requestLogRetentionDays: row.requestLogRetentionDays,
    minimumAge: row.minimumAge,
    scansPerShopPerMinute: row.scansPerShopPerMinute,
    scansPerSubjectPerHour: row.scansPerSubjectPerHour,
    scansPerNetworkPerHour: row.scansPerNetworkPerHour,
    analysisMode: row.analysisApiUrl ? "remote" : "local",
    analysisApiUrl: row.analysisApiUrl,
    analysisRegion: row.analysisRegion,
    analysisApiKeySet: row.analysisApiKeyCiphertext !== null,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Parses a submitted form; throws FormError with a message per field, and nothing is written. */
export function parseSettings(form: Record<string, unknown>): SettingsInput {
  const parsed = settingsInput.safeParse(form);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data;
}

const NUMBER_FIELDS = [
  "imageRetentionDays",
  "resultRetentionDays",
  "requestLogRetentionDays",
  "minimumAge",
  "scansPerShopPerMinute",
  "scansPerSubjectPerHour",
  "scansPerNetworkPerHour",
] as const;

/**
 * Saves the settings and audits what changed (old → new for numbers, the host for URLs, never the key).
 * A remote URL whose host resolves to a non-public address is refused on its field (the guard checks
 * again on every connection, since DNS can change after saving).
 */
export async function saveSettings(
  db: Db,
  keyring: Keyring,
  shop: string,
  input: SettingsInput,
  options: { guard?: EndpointGuard } = {},
): Promise<{ settings: SettingsView; changed: string[] }> {
  const before = await getSettings(db, shop);
  const remote = input.analysisMode === "remote";
  if (remote && !input.analysisApiKey && !before.analysisApiKeySet) {
    throw new FormError({ analysisApiKey: "Enter the analysis API's key." });
  }
  if (remote && input.analysisApiUrl) {
    const problem = await (options.guard ?? endpointGuard()).problem(input.analysisApiUrl);
    if (problem) throw new FormError({ analysisApiUrl: problem });
  }
  const next = {
    imageRetentionDays: input.imageRetentionDays,
    resultRetentionDays: input.resultRetentionDays ?? null,
    requestLogRetentionDays: input.requestLogRetentionDays,
    minimumAge: input.minimumAge,
    scansPerShopPerMinute: input.scansPerShopPerMinute,
    scansPerSubjectPerHour: input.scansPerSubjectPerHour,
    scansPerNetworkPerHour: input.scansPerNetworkPerHour,
    analysisApiUrl: remote ? (input.analysisApiUrl ?? null) : null,
    analysisRegion: input.analysisRegion ?? null,
  };
  const details: Record<string, unknown> = {};
  for (const field of NUMBER_FIELDS) {
    if (before[field] !== next[field]) details[field] = { from: before[field], to: next[field] };
  }
  if (before.analysisApiUrl !== next.analysisApiUrl) {
    const host = (url: string | null) => (url ? new URL(url).host : null);
    details.analysisApiUrl = { from: host(before.analysisApiUrl), to: host(next.analysisApiUrl) };
  }
  if (before.analysisRegion !== next.analysisRegion) {
    details.analysisRegion = { from: before.analysisRegion, to: next.analysisRegion };
  }
  // The local engine needs no key: switching to it drops the stored one rather than keeping a secret for nothing.
  const sealed = remote && input.analysisApiKey ? keyring.seal(input.analysisApiKey, shopApiKeyContext(shop)) : null;
  const keyChange = sealed
    ? { analysisApiKeyCiphertext: new Uint8Array(sealed.envelope), analysisApiKeyKeyId: sealed.keyId }
    : !remote && before.analysisApiKeySet
      ? { analysisApiKeyCiphertext: null, analysisApiKeyKeyId: null }
      : {};
  if ("analysisApiKeyCiphertext" in keyChange) details.analysisApiKey = sealed ? "replaced" : "removed";

  const changed = Object.keys(details);
  if (changed.length === 0) return { settings: before, changed };
  // P21: the trail records which settings changed, not their values.
  const trail = { shop, action: "settings.changed" as const, detail: { fields: [...changed].sort().join(",") } };
  await auditedTransaction(db, trail, (tx) => [
    tx.shop.update({ where: { shop }, data: { ...next, ...keyChange } }),
    tx.auditEvent.create({
      data: {
        shop,
        actor: "merchant",
        action: "settings.update",
        targetType: "Shop",
        targetId: shop,
        details: JSON.stringify(details),
      },
    }),
  ]);
  return { settings: await getSettings(db, shop), changed };
}
