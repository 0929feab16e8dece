import { z } from "zod";
import { subjectDigest, subjectSecret, type Shopper } from "../consent/consent.server";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";

/**
 * Who is asking, on the shopper-rights endpoints (P9). A logged-in shopper is Shopify's
 * logged_in_customer_id, which Shopify signs into the proxy URL. An anonymous shopper proves a
 * subject with the secret only their browser holds: the widget's random subject secret, which the
 * app keeps only as a keyed digest (ADR 0006). A consent receipt may come with it; it is not secret
 * (the merchant sees it), so it proves nothing, but one that is sent must belong to the same subject.
 * Both travel in headers, never in the URL (URLs end up in logs).
 */
export const PROOF_HEADERS = { subjectId: "x-subject-id", receipt: "x-consent-receipt" } as const;

const receipt = z.string().regex(/^SS-[A-Z0-9]{8,20}$/);

export const shopperProof = z.object({ subjectId: subjectSecret.optional(), receipt: receipt.optional() });
/** What an anonymous shopper must send: the secret, and optionally a receipt. */
const anonymousProof = z.object({ subjectId: subjectSecret, receipt: receipt.optional() });
export type ShopperProof = z.infer<typeof shopperProof>;

const invalidProof = () => new DomainError(400, "invalid_proof", "The subject id or receipt is malformed.");

export function proofFromHeaders(headers: Headers): ShopperProof {
  const parsed = shopperProof.safeParse({
    subjectId: headers.get(PROOF_HEADERS.subjectId) ?? undefined,
    receipt: headers.get(PROOF_HEADERS.receipt) ?? undefined,
  });
  if (!parsed.success) throw invalidProof();
  return parsed.data;
}

/** The shopper's subject in this shop, or null for a logged-in customer the app has never seen. */
export async function findSubject(db: Db, shopper: Shopper, proof: ShopperProof): Promise<string | null> {
  if (shopper.customerId) {
    const subject = await db.subject.findUnique({
      where: { shop_customerId: { shop: shopper.shop, customerId: shopper.customerId } },
      select: { id: true },
    });
    return subject?.id ?? null;
  }
  if (!proof.subjectId) {
    throw new DomainError(
      401,
      "proof_required",
      "Send the subject id your browser keeps, or sign in to your customer account.",
    );
  }
  // Checked again here: a proof from a JSON body (POST /requests) has not met the header schema.
  const parsed = anonymousProof.safeParse(proof);
  if (!parsed.success) throw invalidProof();
  const { subjectId: secret, receipt: sentReceipt } = parsed.data;
  const subject = await db.subject.findUnique({
    where: { shop_anonymousId: { shop: shopper.shop, anonymousId: subjectDigest(shopper.shop, secret) } },
    select: { id: true },
  });
  const receiptMatches =
    sentReceipt === undefined ||
    (!!subject && (await db.consentRecord.count({ where: { subjectId: subject.id, receipt: sentReceipt } })) > 0);
  // A wrong receipt looks exactly like an unknown subject: nothing to learn by guessing.
  if (!subject || !receiptMatches) {
    throw new DomainError(404, "shopper_not_found", "No data matches this subject id and receipt.");
  }
  return subject.id;
}
