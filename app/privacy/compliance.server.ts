import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Keyring } from "../crypto/keyring";
import type { Database } from "../db/client.server";
import { insertRow } from "../db/raw.server";
import { isUniqueViolation } from "../db/errors";
import { newJob } from "../jobs/queue.server";
import { PermanentJobError, type JobHandler } from "../jobs/worker.server";
import { logger } from "../logger.server";
import { eraseCustomer, eraseShop } from "./erasure.server";
import { fulfilDataRequest } from "./export.server";
import {
  appUninstalledPayload,
  customersDataRequestPayload,
  customersRedactPayload,
  shopRedactPayload,
  type WebhookTopic,
} from "./webhook-payloads";
import { DomainError } from "../domain-error";

/**
 * Shopify's compliance webhooks and app/uninstalled (P10, P11, P12). A delivery is accepted in one
 * transaction (delivery record + ledger row + job), so the route answers in milliseconds and a
 * crash never loses an accepted delivery; the work runs in the job, once per webhook id.
 */
const DAY = 86_400_000;
/** Shopify expects compliance requests completed within 30 days. */
export const COMPLIANCE_DUE_DAYS = 30;
/** P12: all shop data within 30 days of uninstall (shop/redact normally arrives at 48 hours). */
export const UNINSTALL_DELETION_DAYS = 30;

export const JOB_TYPES = {
  dataRequest: "compliance.customers_data_request",
  customerRedact: "compliance.customers_redact",
  shopRedact: "compliance.shop_redact",
} as const;

/** The two topics about one customer: how each is validated, queued and entered in the ledger. */
const CUSTOMER_TOPICS = {
  CUSTOMERS_DATA_REQUEST: {
    schema: customersDataRequestPayload,
    job: JOB_TYPES.dataRequest,
    ledger: "shopify_data_request",
  },
  CUSTOMERS_REDACT: {
    schema: customersRedactPayload,
    job: JOB_TYPES.customerRedact,
    ledger: "shopify_customer_redact",
  },
} as const;

/** A signed delivery whose body is not what its topic promises: 400, and nothing is recorded. */
export class WebhookPayloadError extends DomainError {
  constructor(message: string) {
    super(400, "invalid_payload", message);
  }
}

export interface Delivery {
  webhookId: string;
  topic: WebhookTopic;
  shop: string;
  payload: unknown;
}

export type Acceptance = { outcome: "accepted"; jobId: string | null } | { outcome: "duplicate" };

function parse<T extends z.ZodTypeAny>(schema: T, payload: unknown, shop: string): z.output<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    const where = result.error.issues.map((i) => i.path.join(".") || "body").join(", ");
    throw new WebhookPayloadError(`Payload does not match the topic's schema (${where}).`);
  }
  // The body's shop (shop_domain, or the shop resource's myshopify_domain for app/uninstalled) must be
  // the header's: a signed body for one shop never acts on another.
  const data = result.data as { shop_domain?: string; myshopify_domain?: string };
  const domain = data.shop_domain ?? data.myshopify_domain;
  if (domain && domain.toLowerCase() !== shop.toLowerCase()) {
    throw new WebhookPayloadError("The payload's shop differs from the X-Shopify-Shop-Domain header.");
  }
  return result.data;
}

/** Digest that lets later requests find a customer's ledger rows without storing the id in clear. */
export type SubjectDigest = (shop: string, customerId: string) => string;

/** Records a verified delivery and its work. Throws WebhookPayloadError (→ 400) before writing anything. */
export async function acceptDelivery(
  database: Database,
  digest: SubjectDigest,
  delivery: Delivery,
): Promise<Acceptance> {
  const db = database.client;
  const { webhookId, topic, shop } = delivery;
  const now = new Date();
  const due = new Date(now.getTime() + COMPLIANCE_DUE_DAYS * DAY);

  // Validate first: a malformed payload gets 400 and leaves no trace.
  let work: { type: string; payload: Record<string, string>; request?: { type: string; digest?: string } } | null;
  switch (topic) {
    case "CUSTOMERS_DATA_REQUEST":
    case "CUSTOMERS_REDACT": {
      const kind = CUSTOMER_TOPICS[topic];
      const customerId = parse(kind.schema, delivery.payload, shop).customer.id;
      work = {
        type: kind.job,
        payload: { shop, customerId },
        request: { type: kind.ledger, digest: digest(shop, customerId) },
      };
      break;
    }
    case "SHOP_REDACT":
      parse(shopRedactPayload, delivery.payload, shop);
      work = { type: JOB_TYPES.shopRedact, payload: { shop }, request: { type: "shopify_shop_redact" } };
      break;
    case "APP_UNINSTALLED":
      parse(appUninstalledPayload, delivery.payload, shop);
      work = null;
      break;
  }

  try {
    // One batch transaction (one round trip), ids chosen here: the acknowledgement stays fast.
    if (!work) {
      // Uninstall: sessions go now; the shop's data goes when shop/redact comes or the clock runs out.
      const deletionDue = new Date(now.getTime() + UNINSTALL_DELETION_DAYS * DAY);
      await db.$transaction([
        db.webhookDelivery.create({ data: { webhookId, shop, topic } }),
        db.session.deleteMany({ where: { shop } }),
        db.shop.upsert({
          where: { shop },
          create: { shop, uninstalledAt: now, dataDeletionDueAt: deletionDue },
          update: { uninstalledAt: now, dataDeletionDueAt: deletionDue },
        }),
        db.auditEvent.create({ data: { shop, actor: "shopify", action: "app.uninstalled" } }),
      ]);
      return { outcome: "accepted", jobId: null };
    }
    const requestId = randomUUID();
    const job = newJob({
      type: work.type,
      payload: { ...work.payload, privacyRequestId: requestId, subjectDigest: work.request?.digest ?? "" },
      dedupeKey: `webhook:${webhookId}`,
      shop,
    });
    await db.$transaction([
      insertRow(database, "WebhookDelivery", { webhookId, shop, topic, jobId: job.id, receivedAt: now }),
      insertRow(database, "PrivacyRequest", {
        id: requestId,
        shop,
        source: "shopify",
        type: work.request?.type ?? work.type,
        status: "received",
        subjectDigest: work.request?.digest ?? null,
        externalRef: webhookId,
        dueAt: due,
        createdAt: now,
        updatedAt: now,
      }),
      insertRow(database, "Job", { ...job, status: "queued", attempts: 0, createdAt: now, updatedAt: now }),
      insertRow(database, "AuditEvent", {
        id: randomUUID(),
        shop,
        actor: "shopify",
        action: `webhook.${topic.toLowerCase()}.accepted`,
        targetType: "PrivacyRequest",
        targetId: requestId,
        createdAt: now,
      }),
    ]);
    return { outcome: "accepted", jobId: job.id };
  } catch (error) {
    // Shopify retries a delivery it thinks failed; the same webhook id is done (or in hand) already.
    if (isUniqueViolation(error)) return { outcome: "duplicate" };
    throw error;
  }
}

const customerJob = z.object({
  shop: z.string().min(1),
  customerId: z.string().min(1),
  privacyRequestId: z.string().min(1),
  subjectDigest: z.string().min(1),
});
const shopJob = z.object({ shop: z.string().min(1), privacyRequestId: z.string().min(1) });

function jobPayload<T extends z.ZodTypeAny>(schema: T, payload: unknown): z.output<T> {
  const result = schema.safeParse(payload);
  if (!result.success) throw new PermanentJobError("Job payload is malformed");
  return result.data;
}

export function complianceHandlers(keyring: Keyring): Record<string, JobHandler> {
  return {
    [JOB_TYPES.dataRequest]: {
      async run(payload, { database }) {
        const p = jobPayload(customerJob, payload);
        const result = await fulfilDataRequest(database.client, keyring, p);
        await database.client.auditEvent.create({
          data: {
            shop: p.shop,
            actor: "system",
            action: "customer.data_exported",
            targetType: "DataExport",
            targetId: result.exportId,
            details: JSON.stringify({ subjects: result.subjects, scans: result.scans }),
          },
        });
        logger.info("customer data request fulfilled", { shop: p.shop, exportId: result.exportId });
      },
    },
    [JOB_TYPES.customerRedact]: {
      erasesPersonalData: true,
      async run(payload, { database }) {
        const p = jobPayload(customerJob, payload);
        const db = database.client;
        const counts = await eraseCustomer(db, keyring, p, (erased) => [
          db.privacyRequest.update({
            where: { id: p.privacyRequestId },
            data: { status: "completed", completedAt: new Date(), subjectDigest: null },
          }),
          db.auditEvent.create({
            data: {
              shop: p.shop,
              actor: "system",
              action: "customer.redacted",
              targetType: "PrivacyRequest",
              targetId: p.privacyRequestId,
              details: JSON.stringify(erased),
            },
          }),
        ]);
        logger.info("customer redacted", { shop: p.shop, ...counts });
      },
    },
    [JOB_TYPES.shopRedact]: {
      erasesPersonalData: true,
      async run(payload, { database, signal }) {
        const p = jobPayload(shopJob, payload);
        const counts = await eraseShop(database, keyring, p.shop, signal);
        logger.info("shop redacted", { shop: p.shop, ...counts });
      },
    },
  };
}
