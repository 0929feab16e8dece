// Time to work out an incident's affected set (P21) for a one-week window in a shop with 1,000,000 scans
// on SQLite: the grouping of scans and consents by subject in the window, storing the set, and the
// register's counts by kind. Target (issue 14): < 2 s. Baselines in the same run: the statement as first
// written (delete the set, insert it again, restore who was shown the notice; joined before grouping),
// and today's statement without the covering indexes (shop, createdAt, subjectId) of migration
// 20261129050942_incident_register. Prints the statement's EXPLAIN QUERY PLAN.
//   npx vite-node --config vitest.config.ts bench/incident-affected.bench.ts [scans=1000000] [days=90] [seed-file]
// A seed-file path keeps the seeded database there and reuses it on the next run with the same sizes.
import Database from "better-sqlite3";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { engineOf, openDatabase, type Db } from "../app/db/client.server";
import { migrate } from "../app/db/migrate.server";
import { executeRaw } from "../app/db/raw.server";
import {
  affectedStatement,
  affectedSummary,
  kindSelect,
  workOutAffected,
  type AffectedWindow,
} from "../app/incidents/affected.server";
import { DATA_KINDS } from "../app/incidents/kinds";
import { bulkRowsSqlite, seedShop } from "../test/support/seed";

const SCANS = Number(process.argv[2] ?? 1_000_000);
const DAYS = Number(process.argv[3] ?? 90);
const SEED_FILE = process.argv[4];
/** Returning shoppers: each subject scans this many times over the period. */
const SCANS_PER_SUBJECT = 4;
const SHOP = "big-store.myshopify.com";
const RUNS = 5;
/** After the notice was published, this share of the set has been shown it (what working out again must keep). */
const SHOWN_SHARE = 0.05;
const TARGET_MS = 2_000;
const DAY = 86_400_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Subjects with one consent each and their scans spread evenly over the period, written straight into the file. */
function seed(file: string, noticeId: string, end: number) {
  const rows = bulkRowsSqlite(file);
  const subjects = Math.ceil(SCANS / SCANS_PER_SUBJECT);
  const span = DAYS * DAY;
  rows.inTransaction(() => {
    for (let s = 0; s < subjects; s++) {
      // A pseudo-random first visit; later scans follow every 3 to 20 days.
      let at = end - span + ((s * 7_919_993) % span);
      const iso = new Date(at).toISOString();
      rows.subject({ id: `s-${s}`, shop: SHOP, anonymousId: `anon-${s}`, at: iso });
      rows.consent({ id: `c-${s}`, shop: SHOP, subjectId: `s-${s}`, noticeId, receipt: `r-${s}`, at: iso });
      for (let k = 0; k < SCANS_PER_SUBJECT && s * SCANS_PER_SUBJECT + k < SCANS; k++) {
        rows.scan({
          id: `x-${s}-${k}`,
          shop: SHOP,
          subjectId: `s-${s}`,
          consentId: `c-${s}`,
          at: new Date(at).toISOString(),
        });
        at += (3 + ((s + k) % 18)) * DAY;
        if (at > end) at -= span;
      }
    }
  });
  rows.close();
}

/** A new incident over the last week of the period, as the merchant records it. */
async function newIncident(db: Awaited<ReturnType<typeof openDatabase>>["client"], end: number) {
  const incident = await db.incident.create({
    data: {
      shop: SHOP,
      reference: `INC-BENCH-${Math.random().toString(36).slice(2, 10)}`,
      discoveredAt: new Date(end),
      occurredFrom: new Date(end - 7 * DAY),
      occurredTo: new Date(end),
      dataKinds: JSON.stringify(["scan_results", "consents"]),
      narrative: JSON.stringify({ summary: "bench" }),
    },
  });
  return {
    id: incident.id,
    shop: SHOP,
    occurredFrom: incident.occurredFrom,
    occurredTo: incident.occurredTo,
    dataKinds: ["scan_results", "consents"] as ("scan_results" | "consents")[],
    scope: "created" as const,
  };
}

const COUNT_COLUMNS = ["scans", "consents", "keptPhotos", "requests", "exports"] as const;

/**
 * The baseline: workOutAffected as first written (commit 3a85bf5): delete the set, insert it again with
 * each record joined to its subject before grouping, then restore, one statement per person, when the
 * people still in it were shown the notice and acknowledged it.
 */
async function workOutBefore(db: Db, w: AffectedWindow, now = new Date()): Promise<number> {
  const kinds = DATA_KINDS.filter((k) => w.dataKinds.includes(k)).map((k) => kindSelect(k, w));
  const seen = await db.incidentSubject.findMany({
    where: {
      incidentId: w.id,
      subjectId: { not: null },
      OR: [{ shownAt: { not: null } }, { acknowledgedAt: { not: null } }],
    },
    select: { subjectId: true, shownAt: true, acknowledgedAt: true },
  });
  const newId =
    engineOf(db) === "postgresql" ? `md5(random()::text || clock_timestamp()::text)` : `lower(hex(randomblob(16)))`;
  const sums = COUNT_COLUMNS.map((c) => `SUM(t."${c}")`).join(", ");
  const insert = `INSERT INTO "IncidentSubject" ("id", "shop", "incidentId", "subjectId", "signedIn", ${COUNT_COLUMNS.map((c) => `"${c}"`).join(", ")}, "createdAt")
    SELECT ${newId}, ?, ?, t."subjectId", (s."customerId" IS NOT NULL), ${sums}, ?
    FROM (${kinds.map((k) => k.sql).join(" UNION ALL ")}) t
    JOIN "Subject" s ON s."id" = t."subjectId"
    GROUP BY t."subjectId", s."customerId"`;
  const [, inserted] = await db.$transaction([
    db.incidentSubject.deleteMany({ where: { incidentId: w.id, subjectId: { not: null } } }),
    executeRaw(db, insert, w.shop, w.id, now, ...kinds.flatMap((k) => k.values)),
    ...seen.map((s) =>
      db.incidentSubject.updateMany({
        where: { incidentId: w.id, subjectId: s.subjectId },
        data: { shownAt: s.shownAt, acknowledgedAt: s.acknowledgedAt },
      }),
    ),
    db.incident.update({ where: { id: w.id }, data: { affectedComputedAt: now } }),
  ]);
  return Number(inserted);
}

type WorkOut = (db: Db, w: AffectedWindow) => Promise<number>;

/**
 * "first": a new incident each run (what recording one costs: work out, store, count). "again": the same
 * incident worked out again after SHOWN_SHARE of its people were shown the notice (what every save of
 * the incident's facts and "Work out again" cost). The configurations take turns run by run, so a change
 * in the machine's load falls on all of them alike.
 */
async function measure(configs: { file: string; workOut: WorkOut }[], end: number) {
  const opened = await Promise.all(
    configs.map(async (c) => ({
      ...c,
      // As the web process opens it (app/db.server.ts): the merchant's request leaves WAL checkpoints to the worker.
      database: await openDatabase(`file:${c.file}`, { role: "web" }),
      first: [] as number[],
      again: [] as number[],
      persons: 0,
      keptShown: true,
      summary: undefined as Awaited<ReturnType<typeof affectedSummary>> | undefined,
    })),
  );
  for (let i = 0; i < RUNS; i++) {
    for (const c of opened) {
      const db = c.database.client;
      const window = await newIncident(db, end);
      let started = performance.now();
      c.persons = await c.workOut(db, window);
      c.summary = await affectedSummary(db, window.id, new Date());
      c.first.push(performance.now() - started);
      const shown = Math.round(c.persons * SHOWN_SHARE);
      await executeRaw(
        db,
        `UPDATE "IncidentSubject" SET "shownAt" = ? WHERE "id" IN (SELECT "id" FROM "IncidentSubject" WHERE "incidentId" = ? ORDER BY "subjectId" LIMIT ?)`,
        new Date(end),
        window.id,
        shown,
      );
      started = performance.now();
      await c.workOut(db, window);
      const after = await affectedSummary(db, window.id, new Date());
      c.again.push(performance.now() - started);
      c.keptShown &&= after.notices.shown === shown && after.persons === c.persons;
    }
  }
  await Promise.all(opened.map((c) => c.database.close()));
  return opened.map((c) => ({
    first: median(c.first),
    again: median(c.again),
    persons: c.persons,
    summary: c.summary,
    keptShown: c.keptShown,
  }));
}

/** The statement's plan as SQLite tells it, one step a line. */
function queryPlan(file: string, end: number) {
  const sqlite = new Database(file, { readonly: true });
  const window: AffectedWindow = {
    id: "plan",
    shop: SHOP,
    occurredFrom: new Date(end - 7 * DAY),
    occurredTo: new Date(end),
    dataKinds: ["scan_results", "consents"],
    scope: "created",
  };
  const { sql, values } = affectedStatement("sqlite", window, new Date(end));
  const bound = values.map((v) => (v instanceof Date ? v.toISOString() : v));
  const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...bound) as { detail: string }[];
  sqlite.close();
  return rows.map((r) => `    ${r.detail}`).join("\n");
}

const dir = mkdtempSync(join(tmpdir(), "scanshield-incident-bench-"));
try {
  const file = join(dir, "bench.db");
  const cached = SEED_FILE && existsSync(SEED_FILE) && existsSync(`${SEED_FILE}.end`);
  let end = Date.now();
  const seedStarted = performance.now();
  if (cached) {
    copyFileSync(SEED_FILE, file);
    end = Number(readFileSync(`${SEED_FILE}.end`, "utf8"));
    await migrate(`file:${file}`);
  } else {
    await migrate(`file:${file}`);
    const db = await openDatabase(`file:${file}`);
    const notice = await seedShop(db.client, SHOP);
    await db.close();
    seed(file, notice.id, end);
    const sqlite = new Database(file);
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    sqlite.close();
    if (SEED_FILE) {
      mkdirSync(dirname(SEED_FILE), { recursive: true });
      copyFileSync(file, SEED_FILE);
      writeFileSync(`${SEED_FILE}.end`, String(end));
    }
  }
  const seedMs = performance.now() - seedStarted;
  const before = join(dir, "before.db");
  copyFileSync(file, before);
  const bare = join(dir, "without-indexes.db");
  copyFileSync(file, bare);
  {
    const sqlite = new Database(bare);
    sqlite.exec(
      `DROP INDEX "Scan_shop_createdAt_subjectId_idx"; DROP INDEX "ConsentRecord_shop_createdAt_subjectId_idx";`,
    );
    sqlite.close();
  }
  const plan = queryPlan(file, end);
  const [now, previous, without] = await measure(
    [
      { file, workOut: workOutAffected },
      { file: before, workOut: workOutBefore },
      { file: bare, workOut: workOutAffected },
    ],
    end,
  );
  if (!now || !previous || !without) throw new Error("A configuration was not measured.");
  const s = now.summary;
  console.log(
    `Incident affected set on SQLite: ${SCANS.toLocaleString("en")} scans of ${Math.ceil(SCANS / SCANS_PER_SUBJECT).toLocaleString("en")} shoppers over ${DAYS} days (${cached ? "seeded file reused" : `seeded in ${(seedMs / 1000).toFixed(1)} s`}); ` +
      `one-week window, scans and consents; median of ${RUNS} runs (work out + store the set + counts, on a web-process connection)`,
  );
  console.log(
    `  in the window: ${s?.byKind.scan_results.records.toLocaleString("en")} scans and ${s?.byKind.consents.records.toLocaleString("en")} consents of ${now.persons.toLocaleString("en")} people; "again" after ${SHOWN_SHARE * 100} % of them were shown the notice`,
  );
  console.log(`  the statement's plan (EXPLAIN QUERY PLAN):\n${plan}`);
  const line = (label: string, r: { first: number; again: number }) =>
    `  ${label} first ${r.first.toFixed(0)} ms, again ${r.again.toFixed(0)} ms`;
  console.log(
    `${line("now (update in place):             ", now)}   target < ${TARGET_MS} ms: ${now.first < TARGET_MS && now.again < TARGET_MS ? "met" : "NOT met"}`,
  );
  console.log(
    `${line("before (delete, insert, restore):  ", previous)}   (same set: ${previous.persons === now.persons}; shown kept: ${previous.keptShown})`,
  );
  console.log(
    `${line("now, without the covering indexes: ", without)}   (same set: ${without.persons === now.persons}; shown kept: ${now.keptShown && without.keptShown})`,
  );
  console.log(
    `  load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")} (2 cores)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
