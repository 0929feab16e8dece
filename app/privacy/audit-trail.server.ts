import { createHash } from "node:crypto";
import type { Prisma } from "@prisma/client";
import type { Db, DbOrTx } from "../db/client.server";

/**
 * The tamper-evident audit trail (P21, docs/decisions/0014-audit-trail.md). Every privacy-relevant
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

/**
 * Written by the trail itself, never by a caller: an append found the chain's head row gone (or wound
 * back behind the events), went on from the last event and says so here; verification reports it.
 */
export const HEAD_REBUILT = "audit.head_rebuilt";

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
/** A value that is nothing but a long number: a Shopify customer id or a phone number (hashes and ids pass). */
const LONG_DIGITS = /^\+?\d[\d\s()-]{6,}$/;
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
 * A head row deleted or wound back behind the triggers' back does not make appends fail: the chain goes
 * on from its last event, with a HEAD_REBUILT event first (see append).
 */
export async function recordAuditEvent(db: DbOrTx, event: AuditEventInput): Promise<void> {
  assertNoPersonalData(event);
  if (isClient(db)) {
    await db.$transaction((tx) => append(tx, event));
    return;
  }
  await append(db, event);
}

/**
 * An action's writes and its audit event in one transaction: the event is appended first (a write,
 * so on SQLite the transaction holds the write lock before anything reads), then each write in order.
 * Resolves to the writes' results, like a batch `$transaction([...])`.
 */
export async function auditedTransaction(
  db: Db,
  event: AuditEventInput,
  writes: (tx: DbOrTx) => Prisma.PrismaPromise<unknown>[],
): Promise<unknown[]> {
  assertNoPersonalData(event);
  return db.$transaction(async (tx) => {
    await append(tx, event);
    const results: unknown[] = [];
    for (const write of writes(tx)) results.push(await write);
    return results;
  });
}

async function append(tx: Exclude<DbOrTx, Db>, event: AuditEventInput): Promise<void> {
  const created =
    await tx.$executeRaw`INSERT INTO "AuditChainHead" ("shop", "length", "headHash") VALUES (${event.shop}, 0, ${GENESIS_HASH}) ON CONFLICT ("shop") DO NOTHING`;
  let head = await tx.auditChainHead.update({
    where: { shop: event.shop },
    data: { length: { increment: 1 } },
  });
  // Under the head's lock, the chain's last event is stable. It is the head's previous end, unless the
  // head was deleted (a trigger refuses that, but not to someone who drops it) or wound back: appending
  // at the head's length would then take a place an event holds, and fail on every privacy action of
  // the shop, a shopper's consent included. The chain goes on from its last event instead, never forks,
  // and says so in an event of its own, which verification reports (head_rebuilt).
  const last = await tx.auditTrailEvent.findFirst({
    where: { shop: event.shop },
    orderBy: { position: "desc" },
    select: { position: true, hash: true },
  });
  if (last && last.position >= head.length) {
    const marker = await appendAt(
      tx,
      { length: last.position + 1, headHash: last.hash },
      {
        shop: event.shop,
        action: HEAD_REBUILT,
        // What the head said (0: it was gone) and where the chain really ended.
        detail: {
          headLength: created > 0 ? 0 : head.length - 1,
          headWasMissing: created > 0,
          lastPosition: last.position,
        },
      },
    );
    head = await tx.auditChainHead.update({
      where: { shop: event.shop },
      data: { length: last.position + 2, headHash: marker },
    });
  }
  const hash = await appendAt(tx, head, event);
  await tx.auditChainHead.update({ where: { shop: event.shop }, data: { headHash: hash } });
}

/** Writes one event at the head's length, after the head's hash; returns the event's hash. */
async function appendAt(
  tx: Exclude<DbOrTx, Db>,
  head: { length: number; headHash: string },
  event: Omit<AuditEventInput, "action"> & { action: AuditAction | typeof HEAD_REBUILT },
): Promise<string> {
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
  return hash;
}

/** Why a link is broken: the first one found names the chain's state. */
export type BrokenReason =
  /** The stored hash is not the hash of the row's contents: the row was edited. */
  | "hash_mismatch"
  /** The row's prevHash is not the hash of the event before it: an event was replaced or inserted. */
  | "prev_hash_mismatch"
  /** Positions jump: the event(s) before this one are gone. */
  | "missing_predecessor"
  /** The head counts more events than there are: the newest ones are gone. */
  | "missing_tail"
  /** The head's hash is not the last event's: the end of the chain was replaced. */
  | "head_mismatch"
  /** An event at position 0 or below: outside the chain, where no walk from position 1 would meet it. */
  | "outside_chain"
  /** Events exist but the chain's head row does not: nothing anchors the chain's end. */
  | "head_missing"
  /** An event past the end the head records (the head was wound back, or an event added beside it). */
  | "beyond_head"
  /**
   * The chain is whole, but an append once found its head gone or wound back and rebuilt it from the
   * last event (HEAD_REBUILT): events removed from the end before that cannot be ruled out.
   */
  | "head_rebuilt";

export interface ChainVerification {
  shop: string;
  /** Events read. */
  events: number;
  /** Events the head says the chain holds. */
  length: number;
  intact: boolean;
  /** The first broken link: its position (and the event's id when the row exists) and why. */
  broken?: { position: number; eventId: string | null; reason: BrokenReason; message: string };
}

const VERIFY_BATCH = 2_000;
/** How often one verification reads the head again to follow appends made while it runs. */
const MAX_HEAD_READS = 20;

const MESSAGES: Record<BrokenReason, (position: number) => string> = {
  hash_mismatch: (p) => `event ${p} was altered: its contents no longer match its hash`,
  prev_hash_mismatch: (p) => `event ${p} does not follow event ${p - 1}: its previous-hash differs`,
  missing_predecessor: (p) => `the event before position ${p} is missing`,
  missing_tail: (p) => `events from position ${p} on are missing`,
  head_mismatch: (p) => `the chain's end (event ${p}) is not the one recorded in its head`,
  outside_chain: (p) => `an event at position ${p} lies outside the chain, which starts at 1`,
  head_missing: (p) => `the chain's head is missing, so nothing anchors its end (first event: ${p})`,
  beyond_head: (p) => `event ${p} lies past the end recorded in the chain's head`,
  head_rebuilt: (p) =>
    `the chain's head was missing or wound back and was rebuilt at event ${p}: events removed from its end before then cannot be ruled out`,
};

/**
 * Walks one shop's chain from the first event, in position order and bounded batches, recomputing
 * every hash and link; stops at the first broken link.
 *
 * The walk goes up to the end the head recorded when it was read, and checks the head's hash there.
 * Events past that end are either appended since (their transaction also moved the head, so a head
 * read after them covers them) or not part of the chain: the head is read again and the walk goes on
 * to its new end, and an event the fresh head still does not cover is a broken link. So appends while
 * the chain is verified are never taken for tampering, and an event beside the chain never passes.
 * A chain an append had to rebuild the head of (HEAD_REBUILT) is reported as `head_rebuilt` at that
 * event once the rest of it is found whole: it is never called intact again.
 */
export async function verifyAuditChain(db: Db, shop: string): Promise<ChainVerification> {
  let head = await db.auditChainHead.findUnique({ where: { shop } });
  let length = head?.length ?? 0;
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let events = 0;
  /** The first HEAD_REBUILT event: reported once the rest of the chain is found whole. */
  let rebuilt: { position: number; id: string } | undefined;
  const broken = (position: number, eventId: string | null, reason: BrokenReason): ChainVerification => ({
    shop,
    events,
    length,
    intact: false,
    broken: { position, eventId, reason, message: MESSAGES[reason](position) },
  });
  const outside = await db.auditTrailEvent.findFirst({
    where: { shop, position: { lt: 1 } },
    orderBy: { position: "asc" },
    select: { id: true, position: true },
  });
  if (outside) return broken(outside.position, outside.id, "outside_chain");
  for (let reads = 1; ; reads++) {
    while (expected <= length) {
      const rows = await db.auditTrailEvent.findMany({
        where: { shop, position: { gte: expected, lte: length } },
        orderBy: { position: "asc" },
        take: VERIFY_BATCH,
      });
      if (rows.length === 0) break;
      for (const row of rows) {
        events += 1;
        if (row.position !== expected) return broken(row.position, row.id, "missing_predecessor");
        if (row.prevHash !== prevHash) return broken(row.position, row.id, "prev_hash_mismatch");
        if (auditEventHash(row) !== row.hash) return broken(row.position, row.id, "hash_mismatch");
        if (row.action === HEAD_REBUILT) rebuilt ??= { position: row.position, id: row.id };
        prevHash = row.hash;
        expected += 1;
      }
    }
    if (expected - 1 < length) return broken(expected, null, "missing_tail");
    if (head && length > 0 && head.headHash !== prevHash) return broken(length, null, "head_mismatch");
    const past = await db.auditTrailEvent.findFirst({
      where: { shop, position: { gt: length } },
      orderBy: { position: "asc" },
      select: { id: true, position: true },
    });
    // Past the end: checked against a fresh head, up to a bound (a busy shop appends all the time; what
    // was appended after the last head read is checked by the next verification).
    if (!past || reads >= MAX_HEAD_READS) {
      return rebuilt ? broken(rebuilt.position, rebuilt.id, "head_rebuilt") : { shop, events, length, intact: true };
    }
    const fresh = await db.auditChainHead.findUnique({ where: { shop } });
    if (!fresh) return broken(past.position, past.id, "head_missing");
    if (fresh.length < past.position) return broken(past.position, past.id, "beyond_head");
    head = fresh;
    length = fresh.length;
  }
}

/** Verifies a shop's chain and records the outcome on its head (what the admin card shows). */
export async function verifyAndRecord(db: Db, shop: string): Promise<ChainVerification> {
  const result = await verifyAuditChain(db, shop);
  // The head row exists once anything was appended; a shop with no events has nothing to record.
  await db.auditChainHead.updateMany({
    where: { shop },
    data: {
      verifiedAt: new Date(),
      verifiedLength: result.events,
      brokenAt: result.broken?.position ?? null,
      brokenReason: result.broken?.reason ?? null,
    },
  });
  return result;
}

/**
 * Every shop's chain (npm run audit:verify). A shop whose events exist without a head row is
 * verified too: removing the head must not hide a chain.
 */
export async function verifyAllAuditChains(db: Db): Promise<ChainVerification[]> {
  const heads = await db.auditChainHead.findMany({ select: { shop: true } });
  const withEvents = await db.auditTrailEvent.findMany({ distinct: ["shop"], select: { shop: true } });
  const shops = [...new Set([...heads, ...withEvents].map((s) => s.shop))].sort();
  const results: ChainVerification[] = [];
  for (const shop of shops) results.push(await verifyAndRecord(db, shop));
  return results;
}

/** The admin card's view of the shop's chain: its length and the last verification. */
export interface AuditChainState {
  events: number;
  headHash: string | null;
  verifiedAt: string | null;
  verifiedLength: number | null;
  brokenAt: number | null;
  brokenReason: string | null;
}

export async function auditChainState(db: Db, shop: string): Promise<AuditChainState> {
  const head = await db.auditChainHead.findUnique({ where: { shop } });
  return {
    events: head?.length ?? 0,
    headHash: head?.headHash ?? null,
    verifiedAt: head?.verifiedAt?.toISOString() ?? null,
    verifiedLength: head?.verifiedLength ?? null,
    brokenAt: head?.brokenAt ?? null,
    brokenReason: head?.brokenReason ?? null,
  };
}

/**
 * Key rotation re-seals every shop's secrets in one run, so each installed shop's chain records it,
 * with the run's totals (rows re-sealed per table), never a value.
 */
export async function recordKeyRotation(db: Db, counts: Record<string, number>): Promise<number> {
  const shops = await db.shop.findMany({ where: { uninstalledAt: null }, select: { shop: true } });
  const detail: AuditDetail = Object.fromEntries(Object.entries(counts).map(([table, n]) => [`resealed${table}`, n]));
  for (const { shop } of shops) await recordAuditEvent(db, { shop, action: "keys.rotated", detail });
  return shops.length;
}
