import { z } from "zod";
import type { Shopper } from "../consent/consent.server";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";

/**
 * Who is asking, on the shopper-rights endpoints (P9). A logged-in shopper is Shopify's
 * logged_in_customer_id, which Shopify signs into the proxy URL. An anonymous shopper proves a
 * subject with two unguessable values the widget keeps: its random subject id and a consent receipt
 * issued to that subject. Both travel in headers, never in the URL (URLs end up in logs).
 */
export const PROOF_HEADERS = { subjectId: "x-subject-id", receipt: "x-consent-receipt" } as const;

export const shopperProof = z.object({
  subjectId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional(),
  receipt: z
    .string()
    .regex(/^SS-[A-Z0-9]{8,20}$/)
    .optional(),
});
export type ShopperProof = z.infer<typeof shopperProof>;

export function proofFromHeaders(headers: Headers): ShopperProof {
  const parsed = shopperProof.safeParse({
    subjectId: headers.get(PROOF_HEADERS.subjectId) ?? undefined,
    receipt: headers.get(PROOF_HEADERS.receipt) ?? undefined,
  });
  if (!parsed.success) throw new DomainError(400, "invalid_proof", "The subject id or receipt is malformed.");
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
  if (!proof.subjectId || !proof.receipt) {
    throw new DomainError(
      401,
      "proof_required",
      "Send your subject id and consent receipt, or sign in to your customer account.",
    );
  }
  const subject = await db.subject.findUnique({
    where: { shop_anonymousId: { shop: shopper.shop, anonymousId: proof.subjectId } },
    select: { id: true, consents: { where: { receipt: proof.receipt }, select: { id: true } } },
  });
  // A wrong receipt looks exactly like an unknown subject: nothing to learn by guessing.
  if (!subject || subject.consents.length === 0) {
    throw new DomainError(404, "shopper_not_found", "No data matches this subject id and receipt.");
  }
  return subject.id;
}
