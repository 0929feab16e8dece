import { randomBytes } from "node:crypto";
import { z } from "zod";
import { shopContacts } from "../consent/notice.server";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import { recordAuditEvent } from "../privacy/audit-trail.server";
import { csvText } from "../text/csv";
import { affectedCustomerIds, affectedSummary, workOutAffected } from "./affected.server";
import {
  boardDetailed,
  boardInitial,
  missingFields,
  personNotice,
  renderHtml,
  renderMarkdown,
  type IncidentDocument,
} from "./documents";
import {
  contactLine,
  narrativeSchema,
  publishedContact,
  reportClock,
  type IncidentFacts,
  type IncidentInput,
} from "./incident";
import { dataKindsSchema, SCOPES, type DataKind } from "./kinds";

/**
 * The incident register (P21, DPDP Rules 2025, Rule 7): the merchant records a breach, the app works
 * out from its records who it touched, keeps the 72-hour clock to the Board's detailed report, drafts
 * the documents, and publishes the notice to affected shoppers. Every query is scoped by shop: another
 * shop's incident is simply "not found". Every step goes into the audit trail.
 */
const notFound = () => new DomainError(404, "incident_not_found", "There is no such incident in this store.");

const newReference = (now: Date) =>
  `INC-${now.toISOString().slice(0, 10).replace(/-/g, "")}-${randomBytes(3).toString("hex").toUpperCase()}`;

type IncidentRow = NonNullable<Awaited<ReturnType<Db["incident"]["findFirst"]>>>;

/**
 * The store's published processing contact (DPDP Rule 9, set on the notice page), or null. An incident
 * that names no contact of its own uses it: the documents and the widget's notice name it.
 */
export async function storeContact(db: Db, shop: string) {
  return publishedContact(await shopContacts(db, shop));
}

export function toFacts(row: IncidentRow, contact: IncidentFacts["storeContact"] = null): IncidentFacts {
  return {
    reference: row.reference,
    shop: row.shop,
    discoveredAt: row.discoveredAt,
    occurredFrom: row.occurredFrom,
    occurredTo: row.occurredTo,
    dataKinds: dataKindsSchema.parse(JSON.parse(row.dataKinds)) as DataKind[],
    scope: z.enum(SCOPES).catch("created").parse(row.scope),
    narrative: narrativeSchema.parse(JSON.parse(row.narrative)),
    initialSentAt: row.initialSentAt,
    reportSentAt: row.reportSentAt,
    noticesPublishedAt: row.noticesPublishedAt,
    storeContact: contact,
  };
}

async function ownIncident(db: Db, shop: string, id: string): Promise<IncidentRow> {
  const row = await db.incident.findFirst({ where: { id, shop } });
  if (!row) throw notFound();
  return row;
}

const windowOf = (row: IncidentRow) => {
  const facts = toFacts(row);
  return { ...facts, id: row.id, shop: row.shop };
};

/** The incident's facts as its row stores them (kinds and narrative as JSON). */
const factColumns = (input: IncidentInput) => ({
  discoveredAt: input.discoveredAt,
  occurredFrom: input.occurredFrom,
  occurredTo: input.occurredTo,
  dataKinds: JSON.stringify(input.dataKinds),
  scope: input.scope,
  narrative: JSON.stringify(input.narrative),
});

/** Records an incident and works out at once who it touched. */
export async function recordIncident(db: Db, shop: string, input: IncidentInput, now = new Date()) {
  const row = await db.incident.create({
    data: {
      shop,
      reference: newReference(now),
      ...factColumns(input),
    },
  });
  const affected = await workOutAffected(db, windowOf(row), now);
  await recordAuditEvent(db, {
    shop,
    action: "incident.recorded",
    subject: row.id,
    detail: { kinds: input.dataKinds.join(" "), scope: input.scope, affected },
  });
  return { id: row.id, reference: row.reference, affected };
}

/** Changes the facts; the affected set is worked out again for the new window and kinds. */
export async function updateIncident(db: Db, shop: string, id: string, input: IncidentInput, now = new Date()) {
  await ownIncident(db, shop, id);
  const row = await db.incident.update({
    where: { id },
    data: factColumns(input),
  });
  const affected = await workOutAffected(db, windowOf(row), now);
  await recordAuditEvent(db, {
    shop,
    action: "incident.updated",
    subject: id,
    detail: { step: "facts", kinds: input.dataKinds.join(" "), scope: input.scope, affected },
  });
  return { id, affected };
}

export const INCIDENT_STEPS = ["recompute", "initial_sent", "report_sent", "publish_notices"] as const;
export type IncidentStep = (typeof INCIDENT_STEPS)[number];

/**
 * One step of the incident's handling: work the set out again, mark the Board's intimation or the
 * detailed report sent, or publish the notice to affected shoppers (from then on the widget shows it).
 */
export async function incidentStep(db: Db, shop: string, id: string, step: IncidentStep, now = new Date()) {
  const row = await ownIncident(db, shop, id);
  if (step === "publish_notices") {
    const missing = missingFields(personNotice(toFacts(row, await storeContact(db, shop)), "en"));
    // Rule 7(1)(e): a notice that names no one to contact is not one to send.
    if (missing.length > 0)
      throw new DomainError(409, "notice_incomplete", `Fill in before publishing the notice: ${missing.join("; ")}.`);
  }
  let affected: number | undefined;
  if (step === "recompute") affected = await workOutAffected(db, windowOf(row), now);
  else {
    const field = { initial_sent: "initialSentAt", report_sent: "reportSentAt", publish_notices: "noticesPublishedAt" }[
      step
    ];
    // Marking twice keeps the first time: that is when it happened.
    await db.incident.updateMany({ where: { id, shop, [field]: null }, data: { [field]: now } });
  }
  await recordAuditEvent(db, {
    shop,
    action: "incident.updated",
    subject: id,
    detail: { step, ...(affected !== undefined ? { affected } : {}) },
  });
  return { id, step, ...(affected !== undefined ? { affected } : {}) };
}

/** The register: newest discovery first, each with its clock and the size of its set. */
export async function listIncidents(db: Db, shop: string, now = new Date()) {
  const rows = await db.incident.findMany({
    where: { shop },
    orderBy: [{ discoveredAt: "desc" }, { id: "asc" }],
    take: 200,
    include: { _count: { select: { affected: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    reference: row.reference,
    discoveredAt: row.discoveredAt.toISOString(),
    summary: toFacts(row).narrative.summary.slice(0, 140),
    persons: row._count.affected,
    clock: reportClock(row.discoveredAt, row.reportSentAt, now),
    initialSent: !!row.initialSentAt,
    noticesPublished: !!row.noticesPublishedAt,
  }));
}

/** What the form for a new incident starts from: whom the notice names when the merchant names no one. */
export async function incidentFormDefaults(db: Db, shop: string) {
  const contact = await storeContact(db, shop);
  return { storeContact: contact ? contactLine(contact) : null };
}

/** One incident for its page: the facts, the clock, the counts by kind (no identities), what each document still lacks. */
export async function incidentDetail(db: Db, shop: string, id: string, now = new Date()) {
  const row = await ownIncident(db, shop, id);
  const contact = await storeContact(db, shop);
  const facts = toFacts(row, contact);
  const affected = await affectedSummary(db, id, row.affectedComputedAt);
  return {
    id: row.id,
    reference: row.reference,
    discoveredAt: row.discoveredAt.toISOString(),
    occurredFrom: row.occurredFrom.toISOString(),
    occurredTo: row.occurredTo.toISOString(),
    dataKinds: facts.dataKinds,
    scope: facts.scope,
    narrative: facts.narrative,
    storeContact: contact ? contactLine(contact) : null,
    initialSentAt: row.initialSentAt?.toISOString() ?? null,
    reportSentAt: row.reportSentAt?.toISOString() ?? null,
    noticesPublishedAt: row.noticesPublishedAt?.toISOString() ?? null,
    clock: reportClock(row.discoveredAt, row.reportSentAt, now),
    affected,
    missing: {
      "board-initial": missingFields(boardInitial(facts, affected, now)),
      "board-detailed": missingFields(boardDetailed(facts, affected, now)),
      notice: missingFields(personNotice(facts, "en")),
    },
  };
}

export const DOCUMENTS = ["board-initial", "board-detailed", "notice-en", "notice-hi", "customers"] as const;
/** The customers list is a CSV and only it; the documents are HTML or Markdown (no silent substitute). */
export const documentQuery = z
  .object({
    doc: z.enum(DOCUMENTS),
    format: z.enum(["html", "md", "csv"]).optional(),
  })
  .refine((q) => q.format === undefined || (q.doc === "customers") === (q.format === "csv"));
export type DocumentQuery = z.infer<typeof documentQuery>;

export interface DocumentFile {
  filename: string;
  contentType: string;
  body: string;
}

/**
 * A document as a file: the Board's intimation or report, or the per-person notice, as printable HTML
 * or Markdown; or the CSV of affected signed-in customers (Shopify customer ids only).
 */
export async function incidentDocument(db: Db, shop: string, id: string, q: DocumentQuery, now = new Date()) {
  const row = await ownIncident(db, shop, id);
  const facts = toFacts(row, await storeContact(db, shop));
  let file: DocumentFile;
  if (q.doc === "customers") {
    const ids = await affectedCustomerIds(db, id);
    const body = csvText([["shopify_customer_id"], ...ids.map((customerId) => [customerId])], { bom: true });
    file = { filename: `${facts.reference}-affected-customers.csv`, contentType: "text/csv; charset=utf-8", body };
  } else {
    const affected = await affectedSummary(db, id, row.affectedComputedAt);
    const document: IncidentDocument =
      q.doc === "board-initial"
        ? boardInitial(facts, affected, now)
        : q.doc === "board-detailed"
          ? boardDetailed(facts, affected, now)
          : personNotice(facts, q.doc === "notice-hi" ? "hi" : "en");
    const markdown = q.format === "md";
    file = markdown
      ? {
          filename: `${facts.reference}-${q.doc}.md`,
          contentType: "text/markdown; charset=utf-8",
          body: renderMarkdown(document),
        }
      : {
          filename: `${facts.reference}-${q.doc}.html`,
          contentType: "text/html; charset=utf-8",
          body: renderHtml(document),
        };
  }
  await recordAuditEvent(db, {
    shop,
    action: "incident.document",
    subject: id,
    detail: { doc: q.doc, format: q.doc === "customers" ? "csv" : (q.format ?? "html") },
  });
  return file;
}
