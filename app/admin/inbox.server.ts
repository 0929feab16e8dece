import { randomUUID } from "node:crypto";
import { z } from "zod";
import { shopContacts } from "../consent/notice.server";
import { exportContext, requestDetailsContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import type { Db, DbOrTx } from "../db/client.server";
import { DomainError } from "../domain-error";
import { publishedContact } from "../incidents/incident";
import { auditedTransaction } from "../privacy/audit-trail.server";
import { eraseNow } from "../privacy/erasure.server";
import { buildCustomerExport, EXPORT_RETENTION_DAYS, readExport } from "../privacy/export.server";
import { TYPE_LABELS } from "./constants";
import { fieldErrors, FormError, wholeNumber } from "./form";

/**
 * The rights inbox (issue 6, P9, P10): every request from Shopify's compliance webhooks and from
 * shoppers, with its due date and an overdue warning, and the merchant's ways to answer one.
 * Everything is scoped by shop: another shop's request id is simply "not found".
 */
const DAY = 86_400_000;
export const OPEN_STATUSES = ["received", "in_progress"] as const;
export const INBOX_PAGE = 50;
/** Due within this many days: shown as "due soon". */
export const DUE_SOON_DAYS = 3;

export const inboxQuery = z.object({
  status: z.enum(["open", "completed", "all"]).catch("open"),
  type: z
    .string()
    .refine((t) => t in TYPE_LABELS)
    .optional()
    .catch(undefined),
  page: wholeNumber({ min: 1, max: 10_000 }).catch(1),
});
export type InboxQuery = z.infer<typeof inboxQuery>;

export interface InboxRow {
  id: string;
  reference: string | null;
  type: string;
  typeLabel: string;
  source: string;
  status: string;
  createdAt: string;
  dueAt: string;
  completedAt: string | null;
  overdue: boolean;
  dueSoon: boolean;
}

function toRow(
  r: {
    id: string;
    externalRef: string | null;
    type: string;
    source: string;
    status: string;
    createdAt: Date;
    dueAt: Date;
    completedAt: Date | null;
  },
  now: Date,
): InboxRow {
  const open = (OPEN_STATUSES as readonly string[]).includes(r.status);
  return {
    id: r.id,
    // Shopify's own ids are numbers we keep only for matching; shoppers' references are RQ-….
    reference: r.source === "shopper" ? r.externalRef : null,
    type: r.type,
    typeLabel: TYPE_LABELS[r.type] ?? r.type,
    source: r.source,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    overdue: open && r.dueAt < now,
    dueSoon: open && r.dueAt >= now && r.dueAt.getTime() - now.getTime() < DUE_SOON_DAYS * DAY,
  };
}

const ROW_SELECT = {
  id: true,
  externalRef: true,
  type: true,
  source: true,
  status: true,
  createdAt: true,
  dueAt: true,
  completedAt: true,
} as const;

/** One page of the inbox, most urgent first, plus the counts the page header shows. */
export async function listRequests(db: Db, shop: string, query: InboxQuery, now = new Date()) {
  const statusWhere =
    query.status === "open"
      ? { status: { in: [...OPEN_STATUSES] } }
      : query.status === "completed"
        ? { status: { in: ["completed", "rejected"] } }
        : {};
  const where = { shop, ...statusWhere, ...(query.type ? { type: query.type } : {}) };
  const open = { shop, status: { in: [...OPEN_STATUSES] } };
  // Each query rides the (shop, status, dueAt) index.
  const [rows, total, openCount, overdue, dueSoon] = await Promise.all([
    db.privacyRequest.findMany({
      where,
      orderBy:
        query.status === "completed" ? [{ completedAt: "desc" }, { id: "asc" }] : [{ dueAt: "asc" }, { id: "asc" }],
      skip: (query.page - 1) * INBOX_PAGE,
      take: INBOX_PAGE,
      select: ROW_SELECT,
    }),
    db.privacyRequest.count({ where }),
    db.privacyRequest.count({ where: open }),
    db.privacyRequest.count({ where: { ...open, dueAt: { lt: now } } }),
    db.privacyRequest.count({
      where: { ...open, dueAt: { gte: now, lt: new Date(now.getTime() + DUE_SOON_DAYS * DAY) } },
    }),
  ]);
  return {
    rows: rows.map((r) => toRow(r, now)),
    page: query.page,
    pages: Math.max(1, Math.ceil(total / INBOX_PAGE)),
    total,
    counts: { open: openCount, overdue, dueSoon },
  };
}

interface Details {
  message?: string;
  contactEmail?: string | null;
  replies?: { at: string; message: string }[];
  corrections?: { at: string; note: string; scansRemoved: number }[];
}

async function ownRequest(db: Db, shop: string, id: string) {
  const row = await db.privacyRequest.findFirst({ where: { id, shop } });
  if (!row) throw new DomainError(404, "request_not_found", "There is no such request in this store.");
  return row;
}

function openDetails(keyring: Keyring, row: { id: string; detailsCiphertext: Uint8Array | null }): Details {
  if (!row.detailsCiphertext) return {};
  return JSON.parse(keyring.openText(row.detailsCiphertext, requestDetailsContext(row.id))) as Details;
}

function sealDetails(keyring: Keyring, id: string, details: Details) {
  const sealed = keyring.seal(JSON.stringify(details), requestDetailsContext(id));
  return { detailsCiphertext: new Uint8Array(sealed.envelope), detailsKeyId: sealed.keyId };
}

const ACTORS: Record<string, string> = { shopper: "Shopper", merchant: "You", shopify: "Shopify", system: "The app" };

/** What the merchant's answers are called in the history (the audit action keys are request.<intent>). */
const ANSWERS: Record<string, string> = {
  "request.export": "Completed with an export",
  "request.erase": "Data erased",
  "request.reply": "Reply recorded",
  "request.correct": "Correction recorded",
  "request.reject": "Refused",
  "customer.redacted": "Customer's data erased",
};

/** One history line in words a merchant reads: "Shopper · Grievance filed", not "shopper · request.grievance". */
export function historyLine(actor: string, action: string): { who: string; what: string } {
  const type = action.startsWith("request.") ? action.slice("request.".length) : null;
  const what =
    ANSWERS[action] ??
    (type && TYPE_LABELS[type]
      ? `${TYPE_LABELS[type]} request filed`
      : action.startsWith("webhook.")
        ? "Received from Shopify's privacy webhook"
        : action.replace(/[._/]/g, " "));
  return { who: ACTORS[actor] ?? actor, what };
}

/** One request with its (decrypted) message, the subject's data in summary, and its exports. */
export async function requestDetail(db: Db, keyring: Keyring, shop: string, id: string, now = new Date()) {
  const row = await ownRequest(db, shop, id);
  const details = openDetails(keyring, row);
  const subject = row.subjectId
    ? await db.subject.findFirst({ where: { id: row.subjectId, shop }, select: { id: true, customerId: true } })
    : null;
  const data = subject
    ? await buildCustomerExport(db, keyring, shop, { subjectId: subject.id }, "merchant").then((doc) => {
        const s = doc.subjects[0];
        return {
          customerId: subject.customerId,
          consents: (s?.consents ?? []).map((c) => ({
            receipt: c.receipt,
            action: c.action,
            record: c.action === "withdraw" ? "Withdrawal" : "Consent",
            noticeVersion: c.noticeVersion,
            purposes: c.purposes as string[],
            recordedAt: c.recordedAt,
          })),
          scans: (s?.scans ?? []).map((x) => ({
            id: x.id,
            createdAt: x.createdAt,
            status: x.status,
            imageKept: x.image !== null,
          })),
        };
      })
    : null;
  const exports = await db.dataExport.findMany({
    where: { shop, privacyRequestId: row.id },
    select: { id: true, createdAt: true, expiresAt: true },
    orderBy: { createdAt: "desc" },
  });
  const audit = await db.auditEvent.findMany({
    where: { shop, targetType: "PrivacyRequest", targetId: row.id },
    select: { actor: true, action: true, createdAt: true },
    orderBy: { createdAt: "asc" },
  });
  // Whom the shop's notice tells shoppers to contact (DPDP Rule 9), for a request that left no email.
  const storeContact = publishedContact(await shopContacts(db, shop));
  return {
    request: toRow(row, now),
    storeContact,
    automatic: row.source === "shopify",
    message: details.message ?? null,
    contactEmail: details.contactEmail ?? null,
    replies: details.replies ?? [],
    corrections: details.corrections ?? [],
    subject: data,
    exports: exports.map((e) => ({
      id: e.id,
      createdAt: e.createdAt.toISOString(),
      expiresAt: e.expiresAt.toISOString(),
    })),
    history: audit.map((a) => ({ ...historyLine(a.actor, a.action), at: a.createdAt.toISOString() })),
  };
}

export const inboxAction = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("export") }),
  z.object({ intent: z.literal("erase") }),
  z.object({
    intent: z.literal("reply"),
    message: z.string().trim().min(1, "Write a reply.").max(5000, "Keep the reply under 5,000 characters."),
  }),
  z.object({
    intent: z.literal("correct"),
    note: z.string().trim().min(1, "Say what was corrected.").max(2000, "Keep the note under 2,000 characters."),
    removeScanIds: z.array(z.string().max(64)).max(1000).default([]),
  }),
  z.object({
    intent: z.literal("reject"),
    note: z
      .string()
      .trim()
      .min(1, "Say why the request is refused.")
      .max(2000, "Keep the note under 2,000 characters."),
  }),
]);
export type InboxAction = z.infer<typeof inboxAction>;

export function parseInboxAction(body: unknown): InboxAction {
  const parsed = inboxAction.safeParse(body);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data;
}

const audit = (db: DbOrTx, shop: string, id: string, action: string, details?: Record<string, unknown>) =>
  db.auditEvent.create({
    data: {
      shop,
      actor: "merchant",
      action,
      targetType: "PrivacyRequest",
      targetId: id,
      details: details ? JSON.stringify(details) : null,
    },
  });

function requireOpen(row: { status: string }) {
  if (!(OPEN_STATUSES as readonly string[]).includes(row.status)) {
    throw new FormError({ form: "This request is already closed." });
  }
}

/** Carries out the merchant's answer to one request. */
export async function answerRequest(db: Db, keyring: Keyring, shop: string, id: string, action: InboxAction) {
  const row = await ownRequest(db, shop, id);
  const now = new Date();
  const done = { status: "completed", completedAt: now };
  switch (action.intent) {
    case "export": {
      if (!row.subjectId) throw new FormError({ form: "The app holds no data about this person to export." });
      const document = await buildCustomerExport(db, keyring, shop, { subjectId: row.subjectId }, "merchant");
      const exportId = randomUUID();
      const sealed = keyring.seal(JSON.stringify(document), exportContext(exportId));
      const trail = { shop, action: "export" as const, subject: row.subjectId, detail: { reason: "merchant_request" } };
      await auditedTransaction(db, trail, (tx) => [
        tx.dataExport.create({
          data: {
            id: exportId,
            shop,
            subjectId: row.subjectId,
            privacyRequestId: row.id,
            keyId: sealed.keyId,
            ciphertext: new Uint8Array(sealed.envelope),
            expiresAt: new Date(now.getTime() + EXPORT_RETENTION_DAYS * DAY),
          },
        }),
        tx.privacyRequest.update({ where: { id: row.id }, data: done }),
        audit(tx, shop, row.id, "request.export", { exportId }),
      ]);
      return { done: "export" as const, exportId };
    }
    case "erase": {
      requireOpen(row);
      const bookkeeping = (tx: DbOrTx) => [
        // The ledger row outlives the data, without any link to the person or their message.
        tx.privacyRequest.update({
          where: { id: row.id },
          data: { ...done, subjectId: null, subjectDigest: null, detailsCiphertext: null, detailsKeyId: null },
        }),
        audit(tx, shop, row.id, "request.erase"),
      ];
      if (row.subjectId)
        await eraseNow(db, keyring, shop, { subjectIds: [row.subjectId] }, bookkeeping, "merchant_request");
      else await db.$transaction(bookkeeping(db));
      return { done: "erase" as const };
    }
    case "reply": {
      const details = openDetails(keyring, row);
      const replies = [...(details.replies ?? []), { at: now.toISOString(), message: action.message }];
      await db.$transaction([
        db.privacyRequest.update({
          where: { id: row.id },
          data: { ...sealDetails(keyring, row.id, { ...details, replies }), ...done },
        }),
        audit(db, shop, row.id, "request.reply"),
      ]);
      return { done: "reply" as const };
    }
    case "correct": {
      requireOpen(row);
      // A measurement cannot be edited into truth: a wrong one is removed, and the note says why.
      const scans = row.subjectId
        ? await db.scan.findMany({
            where: { shop, subjectId: row.subjectId, id: { in: action.removeScanIds } },
            select: { id: true },
          })
        : [];
      const details = openDetails(keyring, row);
      const corrections = [
        ...(details.corrections ?? []),
        { at: now.toISOString(), note: action.note, scansRemoved: scans.length },
      ];
      const bookkeeping = (tx: DbOrTx) => [
        tx.privacyRequest.update({
          where: { id: row.id },
          data: { ...sealDetails(keyring, row.id, { ...details, corrections }), ...done },
        }),
        audit(tx, shop, row.id, "request.correct", { scansRemoved: scans.length }),
      ];
      if (scans.length > 0) {
        const target = { scanIds: scans.map((s) => s.id) };
        await eraseNow(db, keyring, shop, target, bookkeeping, "merchant_correction");
      } else await db.$transaction(bookkeeping(db));
      return { done: "correct" as const, scansRemoved: scans.length };
    }
    case "reject": {
      requireOpen(row);
      const details = openDetails(keyring, row);
      const replies = [...(details.replies ?? []), { at: now.toISOString(), message: action.note }];
      await db.$transaction([
        db.privacyRequest.update({
          where: { id: row.id },
          data: { ...sealDetails(keyring, row.id, { ...details, replies }), status: "rejected", completedAt: now },
        }),
        audit(db, shop, row.id, "request.reject"),
      ]);
      return { done: "reject" as const };
    }
  }
}

/** The merchant's download of an export made for one of this shop's requests. */
export async function downloadExport(db: Db, keyring: Keyring, shop: string, exportId: string) {
  const document = await readExport(db, keyring, shop, exportId);
  if (!document) throw new DomainError(404, "export_not_found", "There is no such export in this store.");
  return document;
}
