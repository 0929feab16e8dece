import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { Shopper } from "../consent/consent.server";
import { withdrawConsent } from "../consent/consent.server";
import { requestDetailsContext } from "../crypto/contexts";
import type { Keyring } from "../crypto/keyring";
import type { Db, DbOrTx } from "../db/client.server";
import { DomainError } from "../domain-error";
import { shopContacts } from "../consent/notice.server";
import { recordAuditEvent } from "../privacy/audit-trail.server";
import { eraseNow } from "../privacy/erasure.server";
import { buildCustomerExport } from "../privacy/export.server";
import { findSubject, type ShopperProof } from "./shopper.server";

/**
 * A shopper's rights from the storefront (P9): see and download their data, erase it at once, and
 * file any request the law names, each tracked in the ledger with its due date. Erasure and
 * withdrawal are carried out on the spot; the others wait for the merchant in the rights inbox.
 */
const DAY = 86_400_000;

export const REQUEST_TYPES = [
  "access",
  "correction",
  "erasure",
  "portability",
  "objection",
  "withdrawal",
  "grievance",
  "nomination",
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** Rights requests other than grievances are answered within this many days. */
const REQUEST_ANSWER_DAYS = 30;

/**
 * Days to answer a request: a grievance within the answer time the shop's notice publishes (DPDP
 * Rule 14: 15 days until the merchant sets another, at most 90, see shopContacts); the rest within 30.
 */
async function daysToAnswer(db: Db, shop: string, type: RequestType): Promise<number> {
  return type === "grievance" ? (await shopContacts(db, shop)).answerDays : REQUEST_ANSWER_DAYS;
}

export const requestInput = z.object({
  type: z.enum(REQUEST_TYPES),
  message: z.string().trim().max(2000).default(""),
  contactEmail: z.string().trim().email().max(254).optional(),
  subjectId: z.string().optional(),
  receipt: z.string().optional(),
});
export type RequestInput = z.infer<typeof requestInput>;

const reference = () => `RQ-${randomBytes(6).toString("hex").toUpperCase()}`;

/** A short summary a person can read, and the same machine-readable export Shopify's data_request gets. */
export async function myData(db: Db, keyring: Keyring, shopper: Shopper, proof: ShopperProof) {
  const subjectId = await findSubject(db, shopper, proof);
  const document = await buildCustomerExport(
    db,
    keyring,
    shopper.shop,
    shopper.customerId ? { customerId: shopper.customerId } : { subjectId: subjectId ?? "" },
    "shopper",
  );
  const subjects = document.subjects;
  // P21: an export of personal data is in the audit trail, by the subject's random id only.
  if (subjects.length > 0) {
    await recordAuditEvent(db, {
      shop: shopper.shop,
      action: "export",
      ...(subjectId ? { subject: subjectId } : {}),
      detail: { reason: "shopper_my_data", subjects: subjects.length },
    });
  }
  const consents = subjects.flatMap((s) => s.consents);
  const withdrawn = consents.filter((c) => c.action === "withdraw").length;
  const scans = subjects.flatMap((s) => s.scans);
  return {
    summary: {
      consents: consents.length - withdrawn,
      withdrawals: withdrawn,
      scans: scans.length,
      storedImages: scans.filter((s) => s.image !== null).length,
      requests: subjects.flatMap((s) => s.requests).length,
      breachNotices: subjects.flatMap((s) => s.breachNotices).length,
      scanList: scans.map((s) => ({ scanId: s.id, createdAt: s.createdAt, status: s.status, imageKept: !!s.image })),
    },
    export: document,
  };
}

/** Erases everything of this shopper now; the ledger keeps a completed erasure request with no link to them. */
export async function eraseMe(db: Db, keyring: Keyring, shopper: Shopper, proof: ShopperProof) {
  const request = await fileRequest(db, keyring, shopper, { type: "erasure", message: "", ...proof });
  return { erased: true, requestId: request.requestId, reference: request.reference };
}

/** Files a rights request. Details (message, contact) are sealed; the ledger row holds no clear text. */
export async function fileRequest(db: Db, keyring: Keyring, shopper: Shopper, input: RequestInput) {
  const proof = { subjectId: input.subjectId, receipt: input.receipt };
  const subjectId = await findSubject(db, shopper, proof);
  if (!subjectId && input.type !== "grievance" && input.type !== "nomination") {
    // A logged-in customer the app holds nothing about: nothing to access, correct or erase.
    throw new DomainError(404, "shopper_not_found", "This app holds no data about you in this store.");
  }
  const id = randomUUID();
  const now = new Date();
  const dueAt = new Date(now.getTime() + (await daysToAnswer(db, shopper.shop, input.type)) * DAY);
  const ref = reference();
  // An erasure keeps no message or contact: the ledger row must not outlive what it erased.
  const details =
    input.type !== "erasure" && (input.message || input.contactEmail)
      ? keyring.seal(
          JSON.stringify({ message: input.message, contactEmail: input.contactEmail ?? null }),
          requestDetailsContext(id),
        )
      : null;

  // Erasure and withdrawal are the shopper's to decide: carried out now, not queued for the merchant.
  const carriedOut = input.type === "erasure" || input.type === "withdrawal";
  if (input.type === "withdrawal" && subjectId) {
    const grants = await db.consentRecord.findMany({
      where: { shop: shopper.shop, subjectId, action: "grant" },
      select: { id: true, receipt: true },
    });
    for (const grant of grants) {
      await withdrawConsent(db, shopper, grant.id, { subjectId: proof.subjectId, receipt: grant.receipt });
    }
  }
  const status = carriedOut ? "completed" : "received";
  const writes = (tx: DbOrTx) => [
    tx.privacyRequest.create({
      data: {
        id,
        shop: shopper.shop,
        // An erased shopper's request keeps no link to them.
        subjectId: input.type === "erasure" ? null : subjectId,
        source: "shopper",
        type: input.type,
        status,
        externalRef: ref,
        detailsCiphertext: details ? new Uint8Array(details.envelope) : null,
        detailsKeyId: details?.keyId ?? null,
        dueAt,
        completedAt: carriedOut ? now : null,
      },
    }),
    tx.auditEvent.create({
      data: {
        shop: shopper.shop,
        actor: "shopper",
        action: `request.${input.type}`,
        targetType: "PrivacyRequest",
        targetId: id,
      },
    }),
  ];
  if (input.type === "erasure" && subjectId)
    await eraseNow(db, keyring, shopper.shop, { subjectIds: [subjectId] }, writes);
  else await db.$transaction(writes(db));
  return { requestId: id, reference: ref, type: input.type, status, dueAt: dueAt.toISOString() };
}
