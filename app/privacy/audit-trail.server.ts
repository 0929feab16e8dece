import { createHash } from "node:crypto";
import type { Db, DbOrTx } from "../db/client.server";

/**
 * The tamper-evident audit trail (P21, docs/decisions/0011-audit-trail.md). Every privacy-relevant
 * action appends one event to its shop's hash chain: each event holds the hash of the one before it,
 * so an event edited, removed or inserted afterwards breaks the chain at that place, and
 * `npm run audit:verify` (verifyAuditChains) names the first broken link.
 *
 * What is hashed is never personal data, so erasing a person never needs to touch the chain:
 * `subject` is a random row id (Subject.id, ConsentRecord.id, PrivacyRequest.id …), which erasure
 * turns into a reference to nothing; `detail` holds counts, versions, flags and key ids. Not a
 * customer id, an email, a name, an address, an IP, nor a keyed digest of any of them (anyone with
 * the key and the value could recompute it). `assertNoPersonalData` refuses the obvious mistakes.
 */
export const AUDIT_ACTIONS = [
  "consent.given",
  "consent.withdrawn",
  "erasure",
  "export",
  "request.filed",
  "settings.changed",
  "notice.published",
  "incident.recorded",
  "incident.updated",
  "incident.document",
  "incident.notice_acknowledged",
  "keys.rotated",
  "shop.erased",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetail = Record<string, string | number | boolean>;

export interface AuditEventInput {
  shop: string;
  action: AuditAction;
  /** A pseudonym (a random row id), never personal data. */
  subject?: string;
  detail?: AuditDetail;
}

/** The prevHash of a chain's first event. */
export const GENESIS_HASH = "0".repeat(64);
/** Bumped if the canonical form ever changes; it is part of every hash. */
const FORMAT = "scanshield-audit-v1";

/** A call that would put personal data (or nonsense) into the trail: a bug in the caller, not a refusal. */
export class AuditInputError extends Error {
  override name = "AuditInputError";
}

const PSEUDONYM = /^[A-Za-z0-9_.:-]{1,100}$/;
const EMAIL = /@/;
/** Long runs of digits: Shopify customer ids, phone numbers. */
const LONG_DIGITS = /\d{7,}/;
const IPV4 = /\b\d{1,3}(\.\d{1,3}){3}\b/;

/** Refuses what is plainly personal data: emails, phone numbers and customer ids, IP addresses. */
export function assertNoPersonalData(event: Pick<AuditEventInput, "subject" | "detail">): void {
  if (event.subject !== undefined) {
    if (!PSEUDONYM.test(event.subject) || /^\d+$/.test(event.subject)) {
      throw new AuditInputError("An audit subject must be a random row id, never a customer id or contact detail.");
    }
  }
  for (const [key, value] of Object.entries(event.detail ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(key))
      throw new AuditInputError(`Audit detail key "${key}" is not a name.`);
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new AuditInputError(`Audit detail "${key}" must be a finite number.`);
    }
    if (
      typeof value === "string" &&
      (value.length > 200 || EMAIL.test(value) || LONG_DIGITS.test(value) || IPV4.test(value))
    ) {
      throw new AuditInputError(`Audit detail "${key}" looks like personal data; record counts and ids only.`);
    }
  }
}

/** The detail as stored and hashed: a JSON object with its keys sorted, so its text is canonical. */
export function canonicalDetail(detail: AuditDetail = {}): string {
  return JSON.stringify(Object.fromEntries(Object.entries(detail).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

export interface StoredAuditEvent {
  shop: string;
  position: number;
  prevHash: string;
  action: string;
  subject: string | null;
  detail: string;
  createdAt: Date;
}

/** SHA-256 over every column of the event but its id and its own hash, in a fixed order. */
export function auditEventHash(event: StoredAuditEvent): string {
  const canonical = JSON.stringify([
    FORMAT,
    event.shop,
    event.position,
    event.prevHash,
    event.createdAt.toISOString(),
    event.action,
    event.subject,
    event.detail,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

const isClient = (db: DbOrTx): db is Db => "$transaction" in db;

/**
 * Appends one event to the shop's chain, inside the caller's transaction when given one (so the
 * event commits or rolls back with the action), else in a transaction of its own.
 *
 * Appends of one shop are serialised by the chain's head row: the first statement is a write to it
 * (INSERT … ON CONFLICT DO NOTHING, then an UPDATE that bumps its length). On PostgreSQL the UPDATE
 * takes the row lock and a concurrent append waits for this transaction to end, then reads the new
 * head; on SQLite the first write takes the database's write lock, which other connections wait for
 * (busy timeout). The unique (shop, position) index is the backstop: two events can never share a place.
 */
export async function recordAuditEvent(db: DbOrTx, event: AuditEventInput): Promise<void> {
  assertNoPersonalData(event);
  if (isClient(db)) {
    await db.$transaction((tx) => append(tx, event));
    return;
  }
  await append(db, event);
}

async function append(tx: Exclude<DbOrTx, Db>, event: AuditEventInput): Promise<void> {
  await tx.$executeRaw`INSERT INTO "AuditChainHead" ("shop", "length", "headHash") VALUES (${event.shop}, 0, ${GENESIS_HASH}) ON CONFLICT ("shop") DO NOTHING`;
  const head = await tx.auditChainHead.update({
    where: { shop: event.shop },
    data: { length: { increment: 1 } },
  });
  const stored: StoredAuditEvent = {
    shop: event.shop,
    position: head.length,
    prevHash: head.headHash,
    action: event.action,
    subject: event.subject ?? null,
    detail: canonicalDetail(event.detail),
    createdAt: new Date(),
  };
  const hash = auditEventHash(stored);
  await tx.auditTrailEvent.create({ data: { ...stored, hash } });
  await tx.auditChainHead.update({ where: { shop: event.shop }, data: { headHash: hash } });
}
