import type { Shopper } from "../consent/consent.server";
import type { Db } from "../db/client.server";
import { DomainError } from "../domain-error";
import { recordAuditEvent } from "../privacy/audit-trail.server";
import { findSubject, type ShopperProof } from "../rights/shopper.server";
import { personNotice } from "./documents";
import type { IncidentFacts } from "./incident";
import { noticeLocale, type NoticeLocale } from "./kinds";
import { storeContact, toFacts } from "./register.server";

/**
 * The breach notices an affected shopper sees in the widget (Rule 7(1), P21): for a signed-in customer
 * by Shopify's signed id, for an anonymous shopper by the subject secret their browser holds (ADR 0006).
 * Only incidents whose notices the merchant has published are shown. The first showing and the
 * acknowledgement are counted on the person's row of the set, which the register reports.
 */
export async function noticesFor(db: Db, shopper: Shopper, proof: ShopperProof, locale?: string, now = new Date()) {
  const subjectId = await findSubject(db, shopper, proof);
  if (!subjectId) return { notices: [] };
  const rows = await publishedRows(db, shopper.shop, [subjectId]);
  const unseen = rows.filter((r) => !r.shownAt).map((r) => r.id);
  if (unseen.length > 0) {
    await db.incidentSubject.updateMany({ where: { id: { in: unseen }, shownAt: null }, data: { shownAt: now } });
  }
  const lang = noticeLocale(locale);
  const contact = rows.length > 0 ? await storeContact(db, shopper.shop) : null;
  return {
    notices: rows.map((row) => {
      const { shownAt: _shown, acknowledgedAt: _acknowledged, ...notice } = shopperNotice(row, lang, contact);
      return notice;
    }),
  };
}

/** The person's rows of the sets of incidents whose notices are published, newest publication first. */
const publishedRows = (db: Db, shop: string, subjectIds: string[]) =>
  db.incidentSubject.findMany({
    where: { shop, subjectId: { in: subjectIds }, incident: { noticesPublishedAt: { not: null } } },
    include: { incident: true },
    orderBy: [{ incident: { noticesPublishedAt: "desc" } }, { id: "asc" }],
  });

type PublishedRow = Awaited<ReturnType<typeof publishedRows>>[number];

/** One person's notice as the widget shows it: only the kinds of their own records in the set. */
function shopperNotice(row: PublishedRow, lang: NoticeLocale, contact: IncidentFacts["storeContact"]) {
  const doc = personNotice(toFacts(row.incident, contact), lang, {
    scan_results: row.scans,
    consents: row.consents,
    kept_photos: row.keptPhotos,
    rights_requests: row.requests,
    data_exports: row.exports,
  });
  return {
    id: row.id,
    reference: row.incident.reference,
    publishedAt: row.incident.noticesPublishedAt?.toISOString() ?? null,
    shownAt: row.shownAt?.toISOString() ?? null,
    acknowledged: !!row.acknowledgedAt,
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    locale: lang,
    title: doc.title,
    intro: doc.preamble,
    sections: doc.fields.map((f) => ({ key: f.key, heading: f.label, paragraphs: f.paragraphs })),
  };
}

/**
 * For the person's export (my-data, customers/data_request; P9 access): the breach notices published to
 * them, as they read them, with when they were shown and acknowledged. Their own rows only: nothing of
 * anyone else in the set, not even how many they are. Reading the export stamps nothing.
 */
export async function breachNoticesOf(db: Db, shop: string, subjects: { id: string; locale?: string }[]) {
  const rows =
    subjects.length > 0
      ? await publishedRows(
          db,
          shop,
          subjects.map((s) => s.id),
        )
      : [];
  const contact = rows.length > 0 ? await storeContact(db, shop) : null;
  const locales = new Map(subjects.map((s) => [s.id, noticeLocale(s.locale)]));
  const bySubject = new Map<string, ReturnType<typeof shopperNotice>[]>();
  for (const row of rows) {
    if (!row.subjectId) continue;
    const list = bySubject.get(row.subjectId) ?? [];
    list.push(shopperNotice(row, locales.get(row.subjectId) ?? "en", contact));
    bySubject.set(row.subjectId, list);
  }
  return bySubject;
}

/** "I have read this": one's own published notice only; anything else is the same 404. */
export async function acknowledgeNotice(db: Db, shopper: Shopper, proof: ShopperProof, id: string, now = new Date()) {
  const subjectId = await findSubject(db, shopper, proof);
  const row =
    subjectId && id.length <= 64
      ? await db.incidentSubject.findFirst({
          where: { id, shop: shopper.shop, subjectId, incident: { noticesPublishedAt: { not: null } } },
          select: { id: true, incidentId: true, acknowledgedAt: true },
        })
      : null;
  if (!row) throw new DomainError(404, "notice_not_found", "No such notice for this shopper.");
  if (!row.acknowledgedAt) {
    // Only the call that sets it goes on: two at once (a double tap, a retry) both find it unset, and
    // the first time is kept and the trail holds one acknowledgement.
    const { count } = await db.incidentSubject.updateMany({
      where: { id: row.id, acknowledgedAt: null },
      data: { acknowledgedAt: now },
    });
    if (count > 0) {
      // Acknowledged counts as shown, whichever call came first.
      await db.incidentSubject.updateMany({ where: { id: row.id, shownAt: null }, data: { shownAt: now } });
      await recordAuditEvent(db, {
        shop: shopper.shop,
        action: "incident.notice_acknowledged",
        subject: row.incidentId,
      });
    }
  }
  return { acknowledged: true, id: row.id };
}
