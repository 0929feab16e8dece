import { randomUUID } from "node:crypto";
import type { Keyring } from "../crypto/keyring";
import { openOrReport } from "../crypto/unreadable.server";
import { exportContext, imageContext, requestDetailsContext } from "../crypto/contexts";
import type { Db } from "../db/client.server";
import { breachNoticesOf } from "../incidents/shopper-notices.server";

/**
 * A machine-readable copy of everything the app holds about one customer of one shop
 * (customers/data_request, P9 access and portability). Stored encrypted for the merchant.
 */
export const EXPORT_FORMAT = "scanshield.customer-export.v1";
export const EXPORT_RETENTION_DAYS = 30;

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** Whose data: a Shopify customer (all their subjects), or one subject (an anonymous shopper). */
export type ExportOwner = { customerId: string } | { subjectId: string };

/**
 * Who reads the export. A kept photo goes to the shopper alone (P19): the merchant's copy (the rights
 * inbox, Shopify's customers/data_request) says a photo is kept and until when, and that the shopper
 * can download it from the skin scan on the store. A photo past its deletion date is in neither.
 */
export type ExportAudience = "shopper" | "merchant";

export const PHOTO_FOR_SHOPPER_ONLY =
  "The photo itself is shown only to the shopper: they can download it from the skin scan on the store.";

/** In place of a kept photo that can no longer be decrypted (its key was removed). */
export const PHOTO_UNAVAILABLE =
  "This kept photo can no longer be opened, so it is not in this copy; the scan's results are. You can delete the scan, which deletes the photo too, or file a privacy request to ask the store about it.";
/** In place of a request's details that can no longer be decrypted. */
export const DETAILS_UNAVAILABLE =
  "The details of this request can no longer be opened, so they are not in this copy; the request itself is.";

export async function buildCustomerExport(
  db: Db,
  keyring: Keyring,
  shop: string,
  owner: ExportOwner,
  audience: ExportAudience,
  now = new Date(),
) {
  const subjects = await db.subject.findMany({
    where: "customerId" in owner ? { shop, customerId: owner.customerId } : { shop, id: owner.subjectId },
    include: {
      consents: { orderBy: { createdAt: "asc" } },
      // The photo's bytes only for the shopper's copy: the merchant's never holds them (P19).
      scans: {
        orderBy: { createdAt: "asc" },
        include: { image: { select: { mimeType: true, expiresAt: true, ciphertext: audience === "shopper" } } },
      },
      requests: { orderBy: { createdAt: "asc" } },
    },
  });
  // Sealed values whose key was removed from ENCRYPTION_KEYS are left out with a note (the operator
  // finds the key id in the log); the rest of the export is whole.
  const shopperPhoto = (ciphertext: Uint8Array, scanId: string) => {
    const bytes = openOrReport(keyring, ciphertext, imageContext(scanId), { shop, table: "StoredImage" });
    return bytes ? { base64: bytes.toString("base64") } : { unavailable: true, note: PHOTO_UNAVAILABLE };
  };
  const requestDetails = (ciphertext: Uint8Array | null, requestId: string) => {
    if (!ciphertext) return { details: null };
    const text = openOrReport(keyring, ciphertext, requestDetailsContext(requestId), { shop, table: "PrivacyRequest" });
    return text ? { details: parse(text.toString("utf8")) } : { details: null, note: DETAILS_UNAVAILABLE };
  };
  // P21: the breach notices published to them, in the language of their latest consent.
  const notices = await breachNoticesOf(
    db,
    shop,
    subjects.map((s) => ({ id: s.id, locale: s.consents.at(-1)?.locale })),
  );
  return {
    format: EXPORT_FORMAT,
    generatedAt: new Date().toISOString(),
    shop,
    customer: "customerId" in owner ? { id: owner.customerId } : null,
    note: "Skin results are cosmetic indicators measured from a photo, not a diagnosis.",
    subjects: subjects.map((subject) => ({
      subjectId: subject.id,
      createdAt: subject.createdAt.toISOString(),
      consents: subject.consents.map((c) => ({
        id: c.id,
        action: c.action,
        noticeVersion: c.noticeVersion,
        noticeTextHash: c.textHash,
        locale: c.locale,
        purposes: parse(c.purposes),
        ageConfirmed: c.ageConfirmed,
        receipt: c.receipt,
        recordedAt: c.createdAt.toISOString(),
      })),
      scans: subject.scans.map((s) => ({
        id: s.id,
        createdAt: s.createdAt.toISOString(),
        status: s.status,
        provider: s.provider,
        engineVersion: s.engineVersion,
        quality: parse(s.quality),
        result: parse(s.result),
        trainingOptIn: s.trainingOptIn,
        image:
          s.image && s.image.expiresAt > now
            ? {
                mimeType: s.image.mimeType,
                expiresAt: s.image.expiresAt.toISOString(),
                ...(audience === "shopper" ? shopperPhoto(s.image.ciphertext, s.id) : { note: PHOTO_FOR_SHOPPER_ONLY }),
              }
            : null,
      })),
      requests: subject.requests.map((r) => ({
        id: r.id,
        type: r.type,
        status: r.status,
        createdAt: r.createdAt.toISOString(),
        dueAt: r.dueAt.toISOString(),
        completedAt: r.completedAt?.toISOString() ?? null,
        ...requestDetails(r.detailsCiphertext, r.id),
      })),
      /** Personal-data breach notices (DPDP Rule 7(1)) published to this person, and whether they acknowledged them. */
      breachNotices: notices.get(subject.id) ?? [],
    })),
  };
}

export type CustomerExport = Awaited<ReturnType<typeof buildCustomerExport>>;

/**
 * Builds and stores the export for a data request, replacing any earlier attempt for the same
 * request, and marks the request completed: safe to run again after a crash.
 */
export async function fulfilDataRequest(
  db: Db,
  keyring: Keyring,
  input: { shop: string; customerId: string; subjectDigest: string; privacyRequestId: string },
): Promise<{ exportId: string; subjects: number; scans: number }> {
  const document = await buildCustomerExport(db, keyring, input.shop, { customerId: input.customerId }, "merchant");
  const exportId = randomUUID();
  const sealed = keyring.seal(JSON.stringify(document), exportContext(exportId));
  const firstSubject = document.subjects[0]?.subjectId ?? null;
  const now = new Date();
  await db.$transaction([
    db.dataExport.deleteMany({ where: { privacyRequestId: input.privacyRequestId } }),
    db.dataExport.create({
      data: {
        id: exportId,
        shop: input.shop,
        subjectId: firstSubject,
        subjectDigest: input.subjectDigest,
        privacyRequestId: input.privacyRequestId,
        keyId: sealed.keyId,
        ciphertext: new Uint8Array(sealed.envelope),
        expiresAt: new Date(now.getTime() + EXPORT_RETENTION_DAYS * 86_400_000),
      },
    }),
    db.privacyRequest.update({
      where: { id: input.privacyRequestId },
      data: { status: "completed", completedAt: now, subjectId: firstSubject },
    }),
  ]);
  return {
    exportId,
    subjects: document.subjects.length,
    scans: document.subjects.reduce((n, s) => n + s.scans.length, 0),
  };
}

/** The merchant's copy of an export, decrypted (the admin's download uses this). */
export async function readExport(
  db: Db,
  keyring: Keyring,
  shop: string,
  exportId: string,
): Promise<CustomerExport | null> {
  const row = await db.dataExport.findFirst({ where: { id: exportId, shop } });
  if (!row) return null;
  return JSON.parse(keyring.openText(row.ciphertext, exportContext(row.id))) as CustomerExport;
}
