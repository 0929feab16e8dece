import { randomBytes } from "node:crypto";
import { z } from "zod";
import { pseudonymise } from "../crypto/keyring.server";
import type { Db, DbOrTx } from "../db/client.server";
import { isUniqueViolation } from "../db/errors";
import { selectRows } from "../db/raw.server";
import { DomainError } from "../domain-error";
import { auditedTransaction } from "../privacy/audit-trail.server";
import { PURPOSES, REQUIRED_PURPOSE } from "./default-notice";
import { currentNotice } from "./notice.server";
import { issueScanToken, verifyScanToken } from "./scan-token.server";

/**
 * Consent records (P5–P8, P17). Append-only: granting and withdrawing each add a row; the database
 * refuses updates. The record holds what P7 lists: notice version and text hash, language, purposes,
 * age confirmation, server time and a keyed hash of a truncated network address, never the address.
 */
export class ConsentError extends DomainError {}

/**
 * An anonymous shopper's subject secret (ADR 0006): random bytes the widget makes and keeps, base64url.
 * It is the shopper's proof, so it is stored only as `subjectDigest` and never returned, logged or shown.
 * The server can check only its shape: at least 22 characters, room for 128 random bits (the widget
 * sends 43, 32 random bytes).
 */
export const subjectSecret = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, "must be 22–64 letters, digits, - or _");

/**
 * The only form in which a subject secret is kept (Subject.anonymousId) and looked up: a keyed digest
 * (HMAC-SHA256 with PSEUDONYM_KEY) bound to the shop. Without the key nobody who reads the database can
 * test a guess, and nothing the merchant sees lets anyone derive the secret.
 */
export const subjectDigest = (shop: string, secret: string): string =>
  pseudonymise("subject-secret", `${shop}|${secret}`);

export const consentInput = z.object({
  noticeVersion: z.number().int().positive(),
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/),
  ageConfirmed: z.boolean(),
  purposes: z
    .array(z.enum(PURPOSES))
    .max(PURPOSES.length)
    .refine((p) => new Set(p).size === p.length, "must not repeat a purpose"),
  subjectId: subjectSecret.optional(),
});
export type ConsentInput = z.infer<typeof consentInput>;

/** Withdrawal by an anonymous shopper: the subject secret is the proof; a receipt, when sent, must match. */
export const withdrawInput = z.object({
  subjectId: subjectSecret.optional(),
  receipt: z.string().max(64).optional(),
});

const newReceipt = () => `SS-${randomBytes(8).toString("base64url").replace(/[-_]/g, "X").toUpperCase()}`;

export interface Shopper {
  shop: string;
  customerId: string | null;
}

/**
 * The subject a consent is recorded for. An anonymous shopper reaches an existing subject only with its
 * secret, so a new consent never hands anyone a proof for older data they could not already open.
 */
async function subjectFor(db: Db, shopper: Shopper, secret: string | undefined): Promise<string> {
  if (shopper.customerId) {
    return findOrCreateSubject(db, { shop: shopper.shop, customerId: shopper.customerId });
  }
  if (!secret)
    throw new ConsentError(400, "subject_required", "subjectId is required for a shopper who is not logged in.");
  return findOrCreateSubject(db, { shop: shopper.shop, anonymousId: subjectDigest(shopper.shop, secret) });
}

/**
 * The subject's id, made on first use. Not Prisma's upsert: on SQLite it is a transaction that reads and
 * then writes, and in WAL mode a write by another connection in between fails it at once with
 * "database is locked" (no busy wait for a read lock that must become a write lock). Single statements
 * wait for the lock as they should; two shoppers creating the same subject at once meet the unique index.
 */
async function findOrCreateSubject(
  db: Db,
  key: { shop: string; customerId: string } | { shop: string; anonymousId: string },
): Promise<string> {
  const find = () => db.subject.findFirst({ where: key, select: { id: true } });
  const found = await find();
  if (found) return found.id;
  try {
    return (await db.subject.create({ data: key, select: { id: true } })).id;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const raced = await find();
    if (!raced) throw error;
    return raced.id;
  }
}

export async function grantConsent(db: Db, shopper: Shopper, input: ConsentInput, hint: string | null) {
  // P5: enforced here whatever the widget sends.
  if (!input.ageConfirmed)
    throw new ConsentError(400, "age_not_confirmed", "The skin scan is for people aged 18 or older.");
  if (!input.purposes.includes(REQUIRED_PURPOSE)) {
    throw new ConsentError(400, "purpose_required", `The ${REQUIRED_PURPOSE} purpose is needed for a scan.`);
  }
  const notice = await currentNotice(db, shopper.shop, input.locale);
  // P17: consent counts only for the notice the shop shows now.
  if (notice.version !== input.noticeVersion) {
    throw new ConsentError(
      409,
      "notice_outdated",
      "The notice has changed; please read the current one and consent again.",
    );
  }
  const subjectId = await subjectFor(db, shopper, input.subjectId);
  // P21: the consent and its audit event commit together; the trail knows the subject by its random id.
  const trail = {
    shop: shopper.shop,
    action: "consent.given" as const,
    subject: subjectId,
    detail: { noticeVersion: notice.version, locale: notice.locale, purposes: [...input.purposes].sort().join(",") },
  };
  const [record] = (await auditedTransaction(db, trail, (tx) => [
    tx.consentRecord.create({
      data: {
        shop: shopper.shop,
        subjectId,
        noticeVersionId: notice.id,
        noticeVersion: notice.version,
        textHash: notice.textHash,
        locale: notice.locale,
        action: "grant",
        purposes: JSON.stringify(input.purposes),
        ageConfirmed: true,
        networkHint: hint,
        receipt: newReceipt(),
      },
    }),
  ])) as [{ id: string; receipt: string }];
  const { token, expiresAt } = issueScanToken({ shop: shopper.shop, consentId: record.id, subjectId });
  return {
    consentId: record.id,
    receipt: record.receipt,
    scanToken: token,
    scanTokenExpiresAt: expiresAt.toISOString(),
  };
}

/** The grant a request may act on: the shopper's own, in this shop. Anything else is "not found". */
async function ownGrant(db: Db, shopper: Shopper, consentId: string, proof: z.infer<typeof withdrawInput>) {
  const grant = await db.consentRecord.findFirst({
    where: { id: consentId, shop: shopper.shop, action: "grant" },
    include: { subject: true },
  });
  // Anonymous: the subject secret is the proof (ADR 0006). The receipt is not secret (the merchant sees
  // it), so it is not needed; one that is sent must still be this grant's, like any other mismatch.
  const owned =
    grant &&
    (shopper.customerId
      ? grant.subject.customerId === shopper.customerId
      : !!proof.subjectId &&
        grant.subject.anonymousId === subjectDigest(shopper.shop, proof.subjectId) &&
        (proof.receipt === undefined || grant.receipt === proof.receipt));
  if (!grant || !owned) throw new ConsentError(404, "consent_not_found", "No such consent for this shopper.");
  return grant;
}

/** P8: one call stops processing (a withdrawal row) and deletes the photos kept under that consent. */
export async function withdrawConsent(
  db: Db,
  shopper: Shopper,
  consentId: string,
  proof: z.infer<typeof withdrawInput>,
) {
  const grant = await ownGrant(db, shopper, consentId, proof);
  const already = await db.consentRecord.findFirst({ where: { withdrawsId: grant.id, action: "withdraw" } });
  const writes = (tx: DbOrTx) => [
    tx.storedImage.deleteMany({ where: { shop: shopper.shop, scan: { consentId: grant.id } } }),
    ...(already
      ? []
      : [
          tx.consentRecord.create({
            data: {
              shop: shopper.shop,
              subjectId: grant.subjectId,
              noticeVersionId: grant.noticeVersionId,
              noticeVersion: grant.noticeVersion,
              textHash: grant.textHash,
              locale: grant.locale,
              action: "withdraw",
              purposes: "[]",
              ageConfirmed: grant.ageConfirmed,
              receipt: newReceipt(),
              withdrawsId: grant.id,
            },
          }),
        ]),
  ];
  // P21: a new withdrawal is in the audit trail with its consent; repeating one records nothing new.
  const trail = { shop: shopper.shop, action: "consent.withdrawn" as const, subject: grant.subjectId };
  const [images] = (already ? await db.$transaction(writes(db)) : await auditedTransaction(db, trail, writes)) as [
    { count: number },
  ];
  return { withdrawn: true, imagesDeleted: images.count };
}

/**
 * P6: whether a scan token still stands for a valid consent: signed, unexpired, this shop, a
 * grant that exists, is not withdrawn, and no material notice change was published after it (P17).
 */
export async function consentForScan(db: Db, shop: string, token: string) {
  const check = verifyScanToken(token, shop);
  if (!check.ok)
    throw new ConsentError(401, `token_${check.reason}`, "The scan token is not valid; please consent again.");
  // One raw statement on the scan's hot path (a Prisma 6 model query compiles on every call): the
  // grant, whether it was withdrawn, and the newest material notice version in its language.
  const [grant] = await selectRows<{
    subjectId: string;
    purposes: string;
    noticeVersion: number;
    withdrawn: boolean | number | bigint;
    lastMaterialVersion: number | bigint | null;
  }>(
    db,
    `SELECT g."subjectId", g."purposes", g."noticeVersion",
       EXISTS (SELECT 1 FROM "ConsentRecord" w WHERE w."withdrawsId" = g."id") AS "withdrawn",
       (SELECT MAX(n."version") FROM "NoticeVersion" n
          WHERE n."shop" = g."shop" AND n."locale" = g."locale" AND n."material" = ?) AS "lastMaterialVersion"
     FROM "ConsentRecord" g WHERE g."id" = ? AND g."shop" = ? AND g."action" = 'grant'`,
    true,
    check.claims.consentId,
    shop,
  );
  if (!grant || grant.subjectId !== check.claims.subjectId) {
    throw new ConsentError(401, "consent_missing", "The consent behind this token no longer exists.");
  }
  if (Number(grant.withdrawn) !== 0) {
    throw new ConsentError(403, "consent_withdrawn", "Consent was withdrawn; no further scans under it.");
  }
  // P17: a material change published since this consent needs a fresh one; a minor one does not.
  if (Number(grant.lastMaterialVersion ?? 0) > grant.noticeVersion) {
    throw new ConsentError(409, "notice_outdated", "The notice has changed; please consent again.");
  }
  return {
    consentId: check.claims.consentId,
    subjectId: grant.subjectId,
    purposes: JSON.parse(grant.purposes) as string[],
  };
}
