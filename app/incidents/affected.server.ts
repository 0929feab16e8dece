import type { Db } from "../db/client.server";
import { selectRows } from "../db/raw.server";
import type { AffectedSummary } from "./documents";
import { DATA_KINDS, type DataKind, type Scope } from "./kinds";

/**
 * Who an incident touched, worked out from the app's own records (P21): every subject with records of
 * the incident's kinds in its window, and how many of each. The set is kept (IncidentSubject), so the
 * widget can show each person their notice and the register can count who saw it. Erasing a person
 * clears their row's link (ON DELETE SET NULL): they leave the set and stay only as a count.
 */
export interface AffectedWindow {
  id: string;
  shop: string;
  occurredFrom: Date;
  occurredTo: Date;
  dataKinds: DataKind[];
  scope: Scope;
}

type Counts = Record<"scans" | "consents" | "keptPhotos" | "requests" | "exports", number>;
const COLUMN: Record<DataKind, keyof Counts> = {
  scan_results: "scans",
  consents: "consents",
  kept_photos: "keptPhotos",
  rights_requests: "requests",
  data_exports: "exports",
};

/** Rows per insert statement: well under either engine's limit on bound values. */
const INSERT_CHUNK = 2_000;

/** Subject id → number of records, for one kind. Each query is one index range (shop, createdAt[, subjectId]). */
async function countsFor(
  db: Db,
  w: AffectedWindow,
  kind: DataKind,
): Promise<{ subjectId: string | null; n: number }[]> {
  // "held": every record that existed at some time in the window (made before it ended, not expired before it began).
  const held = w.scope === "held";
  const createdAt: { gte?: Date; lte: Date } = held
    ? { lte: w.occurredTo }
    : { gte: w.occurredFrom, lte: w.occurredTo };
  const still: { expiresAt?: { gte: Date } } = held ? { expiresAt: { gte: w.occurredFrom } } : {};
  // Each result is taken as it comes before it is shaped: a contextual type would derail groupBy's inference.
  const shape = (rows: readonly { subjectId: string | null; _count: { _all: number } }[]) =>
    rows.map((r) => ({ subjectId: r.subjectId, n: r._count._all }));
  let rows;
  switch (kind) {
    case "scan_results":
      rows = await db.scan.groupBy({ by: ["subjectId"], where: { shop: w.shop, createdAt }, _count: { _all: true } });
      return shape(rows);
    case "consents":
      rows = await db.consentRecord.groupBy({
        by: ["subjectId"],
        where: { shop: w.shop, createdAt },
        _count: { _all: true },
      });
      return shape(rows);
    case "kept_photos":
      rows = await db.storedImage.groupBy({
        by: ["subjectId"],
        where: { shop: w.shop, createdAt, ...still },
        _count: { _all: true },
      });
      return shape(rows);
    case "rights_requests":
      rows = await db.privacyRequest.groupBy({
        by: ["subjectId"],
        where: { shop: w.shop, subjectId: { not: null }, createdAt },
        _count: { _all: true },
      });
      return shape(rows);
    case "data_exports":
      rows = await db.dataExport.groupBy({
        by: ["subjectId"],
        where: { shop: w.shop, subjectId: { not: null }, createdAt, ...still },
        _count: { _all: true },
      });
      return shape(rows);
  }
}

/**
 * Works the set out (again) from the records and stores it. People already in the set keep when they
 * were shown and acknowledged the notice; people erased since stay as counts. Returns the set's size.
 */
export async function workOutAffected(db: Db, w: AffectedWindow, now = new Date()): Promise<number> {
  const bySubject = new Map<string, Counts>();
  for (const kind of DATA_KINDS.filter((k) => w.dataKinds.includes(k))) {
    for (const { subjectId, n } of await countsFor(db, w, kind)) {
      if (!subjectId) continue;
      let counts = bySubject.get(subjectId);
      if (!counts) {
        counts = { scans: 0, consents: 0, keptPhotos: 0, requests: 0, exports: 0 };
        bySubject.set(subjectId, counts);
      }
      counts[COLUMN[kind]] += n;
    }
  }
  const [customers, seen] = await Promise.all([
    db.subject.findMany({ where: { shop: w.shop, customerId: { not: null } }, select: { id: true } }),
    db.incidentSubject.findMany({
      where: {
        incidentId: w.id,
        subjectId: { not: null },
        OR: [{ shownAt: { not: null } }, { acknowledgedAt: { not: null } }],
      },
      select: { subjectId: true, shownAt: true, acknowledgedAt: true },
    }),
  ]);
  const signedIn = new Set(customers.map((c) => c.id));
  const shown = new Map(seen.map((s) => [s.subjectId, s]));
  const rows = [...bySubject].map(([subjectId, counts]) => ({
    shop: w.shop,
    incidentId: w.id,
    subjectId,
    signedIn: signedIn.has(subjectId),
    ...counts,
    shownAt: shown.get(subjectId)?.shownAt ?? null,
    acknowledgedAt: shown.get(subjectId)?.acknowledgedAt ?? null,
    createdAt: now,
  }));
  const inserts = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    inserts.push(db.incidentSubject.createMany({ data: rows.slice(i, i + INSERT_CHUNK) }));
  }
  // One batch of single statements: no read inside the transaction, so SQLite never has to upgrade a
  // read lock to a write lock (which fails at once when another connection wrote in between).
  await db.$transaction([
    db.incidentSubject.deleteMany({ where: { incidentId: w.id, subjectId: { not: null } } }),
    ...inserts,
    db.incident.update({ where: { id: w.id }, data: { affectedComputedAt: now } }),
  ]);
  return rows.length;
}

type Num = number | bigint | null;

/** The counts the register shows and the documents state: never an identity. */
export async function affectedSummary(db: Db, incidentId: string, computedAt: Date | null): Promise<AffectedSummary> {
  const [row] = await selectRows<Record<string, Num>>(
    db,
    `SELECT COUNT(*) AS "persons",
       SUM(CASE WHEN "subjectId" IS NULL THEN 1 ELSE 0 END) AS "erased",
       SUM(CASE WHEN "subjectId" IS NOT NULL AND "signedIn" THEN 1 ELSE 0 END) AS "signedIn",
       SUM(CASE WHEN "scans" > 0 THEN 1 ELSE 0 END) AS "scanPersons", SUM("scans") AS "scans",
       SUM(CASE WHEN "consents" > 0 THEN 1 ELSE 0 END) AS "consentPersons", SUM("consents") AS "consents",
       SUM(CASE WHEN "keptPhotos" > 0 THEN 1 ELSE 0 END) AS "photoPersons", SUM("keptPhotos") AS "keptPhotos",
       SUM(CASE WHEN "requests" > 0 THEN 1 ELSE 0 END) AS "requestPersons", SUM("requests") AS "requests",
       SUM(CASE WHEN "exports" > 0 THEN 1 ELSE 0 END) AS "exportPersons", SUM("exports") AS "exports",
       SUM(CASE WHEN "shownAt" IS NOT NULL THEN 1 ELSE 0 END) AS "shown",
       SUM(CASE WHEN "acknowledgedAt" IS NOT NULL THEN 1 ELSE 0 END) AS "acknowledged"
     FROM "IncidentSubject" WHERE "incidentId" = ?`,
    incidentId,
  );
  const n = (key: string) => Number(row?.[key] ?? 0);
  const persons = n("persons");
  const erased = n("erased");
  const signedIn = n("signedIn");
  return {
    persons,
    erased,
    signedIn,
    anonymous: persons - erased - signedIn,
    byKind: {
      scan_results: { persons: n("scanPersons"), records: n("scans") },
      consents: { persons: n("consentPersons"), records: n("consents") },
      kept_photos: { persons: n("photoPersons"), records: n("keptPhotos") },
      rights_requests: { persons: n("requestPersons"), records: n("requests") },
      data_exports: { persons: n("exportPersons"), records: n("exports") },
    },
    notices: { shown: n("shown"), acknowledged: n("acknowledged") },
    computedAt: computedAt?.toISOString() ?? null,
  };
}

/** The signed-in customers still in the set, as Shopify customer ids, for the merchant to contact through Shopify. */
export async function affectedCustomerIds(db: Db, incidentId: string): Promise<string[]> {
  const rows = await db.incidentSubject.findMany({
    where: { incidentId, subjectId: { not: null }, signedIn: true },
    select: { subject: { select: { customerId: true } } },
  });
  return rows
    .map((r) => r.subject?.customerId)
    .filter((id): id is string => !!id)
    .sort((a, b) => a.length - b.length || a.localeCompare(b));
}
