import { engineOf, type Db } from "../db/client.server";
import { executeRaw, selectRows } from "../db/raw.server";
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

/**
 * One sub-select per kind of data: the subject and its number of records of that kind in the window,
 * each one an index range on (shop, createdAt[, subjectId]). Table and column names are constants here;
 * every value is bound. "held" counts every record that existed at some time in the window: made before
 * it ended and, where records expire, not expired before it began.
 */
const KIND_SQL: Record<DataKind, { table: string; column: string; expires: boolean; linked: boolean }> = {
  scan_results: { table: "Scan", column: "scans", expires: false, linked: false },
  consents: { table: "ConsentRecord", column: "consents", expires: false, linked: false },
  kept_photos: { table: "StoredImage", column: "keptPhotos", expires: true, linked: false },
  rights_requests: { table: "PrivacyRequest", column: "requests", expires: false, linked: true },
  data_exports: { table: "DataExport", column: "exports", expires: true, linked: true },
};
const COUNT_COLUMNS = ["scans", "consents", "keptPhotos", "requests", "exports"] as const;

export function kindSelect(kind: DataKind, w: AffectedWindow): { sql: string; values: unknown[] } {
  const k = KIND_SQL[kind];
  const held = w.scope === "held";
  const columns = COUNT_COLUMNS.map((c) => (c === k.column ? `COUNT(*) AS "${c}"` : `0 AS "${c}"`)).join(", ");
  const conditions = [`"shop" = ?`, ...(held ? [] : [`"createdAt" >= ?`]), `"createdAt" <= ?`];
  const values: unknown[] = [w.shop, ...(held ? [] : [w.occurredFrom]), w.occurredTo];
  if (held && k.expires) {
    conditions.push(`"expiresAt" >= ?`);
    values.push(w.occurredFrom);
  }
  if (k.linked) conditions.push(`"subjectId" IS NOT NULL`);
  return {
    sql: `SELECT "subjectId", ${columns} FROM "${k.table}" WHERE ${conditions.join(" AND ")} GROUP BY "subjectId"`,
    values,
  };
}

/**
 * Works the set out (again) from the records and stores it, in the database itself: one INSERT … SELECT
 * groups every kind's records by subject (a million scans never pass through the app) and joins each
 * person once for whether they are signed in. Working out again updates the rows of people found before
 * in place (ON CONFLICT on (incidentId, subjectId)), so their notice keeps its id and when it was shown
 * and acknowledged, then deletes the rows of people it no longer finds; people erased since (no subject)
 * stay as counts. Returns the set's size (people erased since not included).
 */
export async function workOutAffected(db: Db, w: AffectedWindow, now = new Date()): Promise<number> {
  const previous = await db.incident.findUnique({ where: { id: w.id }, select: { affectedComputedAt: true } });
  // Strictly later than the last working-out, so its rows are told from this one's even within a millisecond.
  const stamp = new Date(Math.max(now.getTime(), (previous?.affectedComputedAt?.getTime() ?? 0) + 1));
  const upsert = affectedStatement(engineOf(db), w, stamp);
  // One batch of single statements: no read inside the transaction, so SQLite never has to upgrade a
  // read lock to a write lock (which fails at once when another connection wrote in between).
  const [found] = await db.$transaction([
    executeRaw(db, upsert.sql, ...upsert.values),
    // Only a set worked out before can hold people this working-out no longer finds.
    ...(previous?.affectedComputedAt
      ? [
          db.incidentSubject.deleteMany({
            where: { incidentId: w.id, subjectId: { not: null }, workedOutAt: { lt: stamp } },
          }),
        ]
      : []),
    db.incident.update({ where: { id: w.id }, data: { affectedComputedAt: stamp } }),
  ]);
  return Number(found);
}

/** The statement that works the set out and stores it (exported for the bench's EXPLAIN QUERY PLAN). */
export function affectedStatement(engine: "sqlite" | "postgresql", w: AffectedWindow, stamp: Date) {
  const kinds = DATA_KINDS.filter((k) => w.dataKinds.includes(k)).map((k) => kindSelect(k, w));
  // A random id per new row, made by the engine (16 random bytes as hex, like Prisma's ids: opaque, unique).
  const newId =
    engine === "postgresql" ? `md5(random()::text || clock_timestamp()::text)` : `lower(hex(randomblob(16)))`;
  const counts = COUNT_COLUMNS.map((c) => `"${c}"`).join(", ");
  // "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join's ON.
  const sql = `INSERT INTO "IncidentSubject" ("id", "shop", "incidentId", "subjectId", "signedIn", ${counts}, "createdAt", "workedOutAt")
    SELECT ${newId}, ?, ?, g."subjectId", (s."customerId" IS NOT NULL), ${COUNT_COLUMNS.map((c) => `g."${c}"`).join(", ")}, ?, ?
    FROM (
      SELECT t."subjectId", ${COUNT_COLUMNS.map((c) => `SUM(t."${c}") AS "${c}"`).join(", ")}
      FROM (${kinds.map((k) => k.sql).join(" UNION ALL ")}) t
      GROUP BY t."subjectId"
    ) g
    JOIN "Subject" s ON s."id" = g."subjectId"
    WHERE true
    ON CONFLICT ("incidentId", "subjectId") DO UPDATE SET "signedIn" = excluded."signedIn", ${COUNT_COLUMNS.map((c) => `"${c}" = excluded."${c}"`).join(", ")}, "workedOutAt" = excluded."workedOutAt"`;
  return { sql, values: [w.shop, w.id, stamp, stamp, ...kinds.flatMap((k) => k.values)] };
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
