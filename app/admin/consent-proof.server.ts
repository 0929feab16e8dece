import { z } from "zod";
import type { Prisma } from "@prisma/client";
import { DEFAULT_LOCALE, DEFAULT_NOTICES, PURPOSES, type NoticeContent } from "../consent/default-notice";
import { noticeTextHash } from "../consent/notice.server";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import { csvText } from "../text/csv";
import { optionalWholeNumber, wholeNumber } from "./form";

/**
 * Proof of consent (issue 6, P7): search the append-only consent records and export them with the
 * exact notice text each one accepted. The export re-computes every notice's hash, so an auditor
 * can see that the words shown are the words the record's hash was taken from.
 */
export const PROOF_PAGE = 50;
/** An export larger than this must be narrowed by date (it is built in memory). */
export const EXPORT_LIMIT = 200_000;
const BATCH = 5_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)));

export const proofQuery = z.object({
  receipt: z
    .string()
    .trim()
    .max(64)
    .regex(/^[A-Za-z0-9-]*$/)
    .optional()
    .catch(undefined),
  customerId: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/)
    .optional()
    .catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  noticeVersion: optionalWholeNumber({ min: 1, max: 1_000_000 }).catch(undefined),
  purpose: z.enum(PURPOSES).optional().catch(undefined),
  action: z.enum(["grant", "withdraw"]).optional().catch(undefined),
  page: wholeNumber({ min: 1, max: 100_000 }).catch(1),
});
export type ProofQuery = z.infer<typeof proofQuery>;

/** URL search params → query; blanks are "no filter" and nonsense is dropped rather than refused. */
export function parseProofQuery(params: URLSearchParams): ProofQuery {
  const raw = Object.fromEntries([...params].filter(([, v]) => v.trim() !== ""));
  return proofQuery.parse(raw);
}

function whereOf(shop: string, q: ProofQuery): Prisma.ConsentRecordWhereInput {
  const createdAt: Prisma.DateTimeFilter = {};
  if (q.from) createdAt.gte = new Date(`${q.from}T00:00:00Z`);
  if (q.to) createdAt.lt = new Date(Date.parse(`${q.to}T00:00:00Z`) + 86_400_000);
  return {
    shop,
    ...(q.receipt ? { receipt: q.receipt.toUpperCase() } : {}),
    ...(q.customerId ? { subject: { customerId: q.customerId } } : {}),
    ...(q.from || q.to ? { createdAt } : {}),
    ...(q.noticeVersion ? { noticeVersion: q.noticeVersion } : {}),
    // Purposes are a JSON array of fixed keys, so the quoted key is an exact match.
    ...(q.purpose ? { purposes: { contains: `"${q.purpose}"` } } : {}),
    ...(q.action ? { action: q.action } : {}),
  };
}

const RECORD_SELECT = {
  id: true,
  receipt: true,
  action: true,
  noticeVersionId: true,
  noticeVersion: true,
  textHash: true,
  locale: true,
  purposes: true,
  ageConfirmed: true,
  networkHint: true,
  withdrawsId: true,
  createdAt: true,
  subject: { select: { customerId: true } },
} as const;

type RecordRow = Prisma.ConsentRecordGetPayload<{ select: typeof RECORD_SELECT }>;

export interface ProofRecord {
  id: string;
  receipt: string;
  action: string;
  noticeVersion: number;
  locale: string;
  textHash: string;
  purposes: string[];
  ageConfirmed: boolean;
  customerId: string | null;
  networkHint: string | null;
  withdraws: string | null;
  recordedAt: string;
}

function toRecord(r: RecordRow, receiptById: ReadonlyMap<string, string>): ProofRecord {
  return {
    id: r.id,
    receipt: r.receipt,
    action: r.action,
    noticeVersion: r.noticeVersion,
    locale: r.locale,
    textHash: r.textHash,
    purposes: JSON.parse(r.purposes) as string[],
    ageConfirmed: r.ageConfirmed,
    customerId: r.subject.customerId,
    networkHint: r.networkHint,
    withdraws: r.withdrawsId ? (receiptById.get(r.withdrawsId) ?? r.withdrawsId) : null,
    recordedAt: r.createdAt.toISOString(),
  };
}

async function withdrawnReceipts(db: Db, shop: string, rows: RecordRow[]) {
  const ids = rows.flatMap((r) => (r.withdrawsId ? [r.withdrawsId] : []));
  if (ids.length === 0) return new Map<string, string>();
  const grants = await db.consentRecord.findMany({
    where: { shop, id: { in: ids } },
    select: { id: true, receipt: true },
  });
  return new Map(grants.map((g) => [g.id, g.receipt]));
}

type Labels = ReadonlyMap<string, string>;
const labelsOf = (purposes: string): Labels =>
  new Map((JSON.parse(purposes) as NoticeContent["purposes"]).map((p) => [p.key, p.label]));
const DEFAULT_LABELS: Labels = new Map((DEFAULT_NOTICES[DEFAULT_LOCALE]?.purposes ?? []).map((p) => [p.key, p.label]));

/**
 * The words each purpose had in the notice a record accepted, in the admin's language: the English
 * text of that notice version, else the record's own notice, else the default notice's label.
 */
async function purposeWords(db: Db, shop: string, rows: RecordRow[]) {
  const notices = await db.noticeVersion.findMany({
    where: {
      shop,
      OR: [
        { id: { in: [...new Set(rows.map((r) => r.noticeVersionId))] } },
        { locale: DEFAULT_LOCALE, version: { in: [...new Set(rows.map((r) => r.noticeVersion))] } },
      ],
    },
    select: { id: true, version: true, locale: true, purposes: true },
  });
  const byId = new Map(notices.map((n) => [n.id, labelsOf(n.purposes)]));
  const english = new Map(notices.filter((n) => n.locale === DEFAULT_LOCALE).map((n) => [n.version, byId.get(n.id)]));
  return (r: RecordRow): string[] =>
    (JSON.parse(r.purposes) as string[]).map(
      (key) =>
        english.get(r.noticeVersion)?.get(key) ??
        byId.get(r.noticeVersionId)?.get(key) ??
        DEFAULT_LABELS.get(key) ??
        key,
    );
}

/** The purpose filter's choices, named as the shop's latest English notice names them. */
async function purposeOptions(db: Db, shop: string) {
  const latest = await db.noticeVersion.findFirst({
    where: { shop, locale: DEFAULT_LOCALE },
    orderBy: { version: "desc" },
    select: { purposes: true },
  });
  const labels = latest ? labelsOf(latest.purposes) : DEFAULT_LABELS;
  return PURPOSES.map((key) => ({ value: key, label: labels.get(key) ?? DEFAULT_LABELS.get(key) ?? key }));
}

/** One page of matching records, newest first, each purpose with the words its notice used. */
export async function searchConsents(db: Db, shop: string, q: ProofQuery) {
  const where = whereOf(shop, q);
  const [rows, total, versions, purposes] = await Promise.all([
    db.consentRecord.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (q.page - 1) * PROOF_PAGE,
      take: PROOF_PAGE,
      select: RECORD_SELECT,
    }),
    db.consentRecord.count({ where }),
    db.noticeVersion.findMany({
      where: { shop },
      distinct: ["version"],
      select: { version: true },
      orderBy: { version: "desc" },
    }),
    purposeOptions(db, shop),
  ]);
  const [receipts, words] = await Promise.all([withdrawnReceipts(db, shop, rows), purposeWords(db, shop, rows)]);
  return {
    records: rows.map((r) => ({ ...toRecord(r, receipts), purposeLabels: words(r) })),
    purposes,
    total,
    page: q.page,
    pages: Math.max(1, Math.ceil(total / PROOF_PAGE)),
    versions: versions.map((v) => v.version),
  };
}

export interface ProofNotice {
  id: string;
  version: number;
  locale: string;
  textHash: string;
  /** The hash computed again from the stored text: equal to textHash when the text is the one hashed. */
  hashVerified: boolean;
  minimumAge: number;
  material: boolean;
  publishedAt: string;
  sections: NoticeContent["sections"];
  purposes: NoticeContent["purposes"];
}

/** Every matching record and the notices they accepted, in batches (keyset pagination). */
export async function collectProof(db: Db, shop: string, q: ProofQuery) {
  const where = whereOf(shop, q);
  const rows: RecordRow[] = [];
  let cursor: string | undefined;
  for (;;) {
    const batch = await db.consentRecord.findMany({
      where,
      orderBy: { id: "asc" },
      take: BATCH,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      select: RECORD_SELECT,
    });
    rows.push(...batch);
    if (rows.length > EXPORT_LIMIT) {
      throw new DomainError(413, "export_too_large", `More than ${EXPORT_LIMIT} records match: narrow the dates.`);
    }
    if (batch.length < BATCH) break;
    cursor = batch[batch.length - 1]?.id;
  }
  rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  const noticeRows = await db.noticeVersion.findMany({
    where: { shop, id: { in: [...new Set(rows.map((r) => r.noticeVersionId))] } },
  });
  const notices: ProofNotice[] = noticeRows.map((n) => {
    const content: NoticeContent = {
      sections: JSON.parse(n.sections) as NoticeContent["sections"],
      purposes: JSON.parse(n.purposes) as NoticeContent["purposes"],
    };
    return {
      id: n.id,
      version: n.version,
      locale: n.locale,
      textHash: n.textHash,
      hashVerified: noticeTextHash(n.locale, n.minimumAge, content) === n.textHash,
      minimumAge: n.minimumAge,
      material: n.material,
      publishedAt: n.publishedAt.toISOString(),
      ...content,
    };
  });
  const receipts = new Map(rows.map((r) => [r.id, r.receipt]));
  const byId = new Map(noticeRows.map((n) => [n.id, n]));
  return {
    records: rows.map((r) => ({
      ...toRecord(r, receipts),
      noticeId: byId.has(r.noticeVersionId) ? r.noticeVersionId : null,
    })),
    notices,
  };
}

export const PROOF_FORMAT = "scanshield.consent-proof.v1";

export async function consentProofJson(db: Db, shop: string, q: ProofQuery, now = new Date()) {
  const { records, notices } = await collectProof(db, shop, q);
  return {
    format: PROOF_FORMAT,
    generatedAt: now.toISOString(),
    shop,
    filters: Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== "page" && v !== undefined)),
    hashAlgorithm:
      "SHA-256 of JSON {locale, minimumAge, sections, purposes} (app/consent/notice.server.ts noticeTextHash)",
    notices,
    records,
  };
}

/** The notice as one readable text: the headings, their text, and the choices offered. */
export function noticePlainText(notice: Pick<ProofNotice, "sections" | "purposes">): string {
  const sections = notice.sections.map((s) => `${s.title}: ${s.body}`);
  const purposes = notice.purposes.map((p) => `[${p.required ? "required" : "optional"}] ${p.label}`);
  return [...sections, ...purposes].join("\n");
}

export const CSV_COLUMNS = [
  "receipt",
  "action",
  "recorded_at",
  "customer_id",
  "purposes",
  "age_confirmed",
  "notice_version",
  "locale",
  "notice_text_hash",
  "hash_verified",
  "withdraws_receipt",
  "network_hint",
  "notice_text",
] as const;

export async function consentProofCsv(db: Db, shop: string, q: ProofQuery): Promise<string> {
  const { records, notices } = await collectProof(db, shop, q);
  const noticeById = new Map(notices.map((n) => [n.id, n]));
  const textById = new Map(notices.map((n) => [n.id, noticePlainText(n)]));
  const rows: unknown[][] = [[...CSV_COLUMNS]];
  for (const r of records) {
    const notice = r.noticeId ? noticeById.get(r.noticeId) : undefined;
    rows.push([
      r.receipt,
      r.action,
      r.recordedAt,
      r.customerId,
      r.purposes.join(" "),
      r.ageConfirmed,
      r.noticeVersion,
      r.locale,
      r.textHash,
      notice ? notice.hashVerified && notice.textHash === r.textHash : false,
      r.withdraws,
      r.networkHint,
      r.noticeId ? textById.get(r.noticeId) : "",
    ]);
  }
  return csvText(rows);
}
