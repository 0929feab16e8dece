import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Keyring } from "../crypto/keyring";
import type { Database } from "../db/client.server";
import { isRowError } from "../db/errors";
import { groupCommit, type GroupCommit } from "../db/group-commit";
import { insertStatement, openHotWriter, type HotWriter, type Row, type Statement } from "../db/hot-writer.server";
import { queuedJobRow } from "../jobs/queue.server";
import { PermanentJobError, type JobHandler } from "../jobs/worker.server";
import { logger } from "../logger.server";
import { recordAuditEvent } from "./audit-trail.server";
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

/** A checked delivery, with the rows that will record it: everything but the write itself. */
interface Intake {
  webhookId: string;
  shop: string;
  topic: WebhookTopic;
  receivedAt: Date;
  /** The ledger row, the job and the audit event; null for app/uninstalled, which queues no job. */
  work: { privacyRequest: Row; job: ReturnType<typeof queuedJobRow>; audit: Row } | null;
}

/** Validates a delivery and builds its rows. Throws WebhookPayloadError (→ 400) for a bad payload. */
function prepare(digest: SubjectDigest, delivery: Delivery): Intake {
  const { webhookId, topic, shop } = delivery;
  const now = new Date();
  let request: { ledger: string; job: string; payload: Record<string, string>; digest: string | null };
  switch (topic) {
    case "CUSTOMERS_DATA_REQUEST":
    case "CUSTOMERS_REDACT": {
      const kind = CUSTOMER_TOPICS[topic];
      const customerId = parse(kind.schema, delivery.payload, shop).customer.id;
      const subject = digest(shop, customerId);
      request = { ledger: kind.ledger, job: kind.job, payload: { shop, customerId }, digest: subject };
      break;
    }
    case "SHOP_REDACT":
      parse(shopRedactPayload, delivery.payload, shop);
      request = { ledger: "shopify_shop_redact", job: JOB_TYPES.shopRedact, payload: { shop }, digest: null };
      break;
    case "APP_UNINSTALLED":
      parse(appUninstalledPayload, delivery.payload, shop);
      return { webhookId, shop, topic, receivedAt: now, work: null };
  }
  // Ids chosen here, so the rows can name each other inside one multi-row INSERT per table.
  const requestId = randomUUID();
  const job = queuedJobRow(
    {
      type: request.job,
      payload: { ...request.payload, privacyRequestId: requestId, subjectDigest: request.digest ?? "" },
      dedupeKey: `webhook:${webhookId}`,
      shop,
      runAt: now,
    },
    now,
  );
  return {
    webhookId,
    shop,
    topic,
    receivedAt: now,
    work: {
      job,
      privacyRequest: {
        id: requestId,
        shop,
        source: "shopify",
        type: request.ledger,
        status: "received",
        subjectDigest: request.digest,
        externalRef: webhookId,
        dueAt: new Date(now.getTime() + COMPLIANCE_DUE_DAYS * DAY),
        createdAt: now,
        updatedAt: now,
      },
      audit: {
        id: randomUUID(),
        shop,
        actor: "shopify",
        action: `webhook.${topic.toLowerCase()}.accepted`,
        targetType: "PrivacyRequest",
        targetId: requestId,
        createdAt: now,
      },
    },
  };
}

/** app/uninstalled: sessions go now; the shop's data goes when shop/redact comes or the clock runs out. */
function uninstallStatements(shop: string, now: Date): Statement[] {
  const dataDeletionDueAt = new Date(now.getTime() + UNINSTALL_DELETION_DAYS * DAY);
  const row = { shop, installedAt: now, uninstalledAt: now, dataDeletionDueAt, createdAt: now, updatedAt: now };
  return [
    { sql: `DELETE FROM "Session" WHERE "shop" = ?`, values: [shop] },
    insertStatement(
      "Shop",
      [row],
      ` ON CONFLICT ("shop") DO UPDATE SET "uninstalledAt" = excluded."uninstalledAt",
        "dataDeletionDueAt" = excluded."dataDeletionDueAt", "updatedAt" = excluded."updatedAt"`,
    ),
    insertStatement("AuditEvent", [
      { id: randomUUID(), shop, actor: "shopify", action: "app.uninstalled", createdAt: now },
    ]),
  ];
}

/**
 * Writes a batch of deliveries in one transaction (docs/decisions/0008-webhook-group-commit.md).
 * The delivery row decides: a webhook id already recorded (by an earlier batch, another instance,
 * or earlier in this batch) inserts nothing, and only the deliveries whose row went in get their
 * ledger row, job and audit event. Returns each delivery's outcome, in order.
 */
async function writeIntakes(writer: HotWriter, batch: readonly Intake[]): Promise<Acceptance[]> {
  const first = new Map<string, Intake>();
  for (const intake of batch) if (!first.has(intake.webhookId)) first.set(intake.webhookId, intake);
  const leaders = [...first.values()];
  const work = leaders.flatMap((i) => (i.work ? [{ key: i.webhookId, ...i.work }] : []));
  const uninstalls = leaders.filter((i) => !i.work);
  const recorded = await writer.insertNew(
    {
      table: "WebhookDelivery",
      key: "webhookId",
      rows: leaders.map((i) => ({
        webhookId: i.webhookId,
        shop: i.shop,
        topic: i.topic,
        jobId: i.work?.job.id ?? null,
        receivedAt: i.receivedAt,
      })),
      followers: [
        { table: "PrivacyRequest", rows: work.map((w) => ({ key: w.key, row: w.privacyRequest })) },
        { table: "Job", rows: work.map((w) => ({ key: w.key, row: w.job })) },
        { table: "AuditEvent", rows: work.map((w) => ({ key: w.key, row: w.audit })) },
      ],
    },
    // Uninstall is rare: only a batch that holds one needs more than the guarded insert.
    uninstalls.length === 0
      ? undefined
      : (fresh) =>
          uninstalls.filter((i) => fresh.has(i.webhookId)).flatMap((i) => uninstallStatements(i.shop, i.receivedAt)),
  );
  return batch.map((i) =>
    first.get(i.webhookId) === i && recorded.has(i.webhookId)
      ? { outcome: "accepted", jobId: i.work?.job.id ?? null }
      : { outcome: "duplicate" },
  );
}

/**
 * How long the first delivery of a batch waits for others before the batch is written. Short next to
 * Shopify's 5 s and the 50 ms target; long enough that a burst shares transactions (see ADR 0008).
 */
export const INTAKE_WINDOW_MS = 2;
/** At most this many deliveries per transaction: ~40 bound values each, far below either engine's limit. */
export const INTAKE_MAX_BATCH = 200;

declare global {
  // One intake (its own connection and batch queue) per open database; tests switch databases.
  var __scanshieldIntakes: WeakMap<Database, GroupCommit<Intake, Acceptance>> | undefined;
}

function intakeFor(database: Database): GroupCommit<Intake, Acceptance> {
  const intakes = (globalThis.__scanshieldIntakes ??= new WeakMap());
  let intake = intakes.get(database);
  if (!intake) {
    const writer = openHotWriter(database);
    intake = groupCommit({
      commit: (batch) => writeIntakes(writer, batch),
      windowMs: INTAKE_WINDOW_MS,
      maxBatch: INTAKE_MAX_BATCH,
      isRowError,
    });
    intakes.set(database, intake);
  }
  return intake;
}

/**
 * Records a verified delivery and its work, and resolves once that is committed: the caller answers
 * Shopify only then, so an acknowledged delivery is never lost. Concurrent deliveries share one
 * transaction (group commit); a retried webhook id is a "duplicate" and records nothing new.
 * Throws WebhookPayloadError (→ 400) before writing anything.
 */
export async function acceptDelivery(
  database: Database,
  digest: SubjectDigest,
  delivery: Delivery,
): Promise<Acceptance> {
  // Validate first (synchronously): a malformed payload gets 400 and never joins a batch.
  const intake = prepare(digest, delivery);
  return intakeFor(database)(intake);
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
        // P21: the export is in the audit trail by its random ids (after it is sealed and stored).
        await recordAuditEvent(database.client, {
          shop: p.shop,
          action: "export",
          subject: p.privacyRequestId,
          detail: { reason: "customers_data_request", subjects: result.subjects, scans: result.scans },
        });
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
        const counts = await eraseCustomer(db, keyring, p, (erased, tx) => [
          tx.privacyRequest.update({
            where: { id: p.privacyRequestId },
            data: { status: "completed", completedAt: new Date(), subjectDigest: null },
          }),
          tx.auditEvent.create({
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
