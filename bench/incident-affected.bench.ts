// Time to work out an incident's affected set (P21) for a one-week window in a shop with 1,000,000 scans
// on SQLite: the grouping of scans and consents by subject in the window, storing the set, and the
// register's counts by kind. Target (issue 14): < 2 s. Baseline in the same run: the same work without
// the covering indexes (shop, createdAt, subjectId) that migration 20261129050942_incident_register adds.
//   npx vite-node --config vitest.config.ts bench/incident-affected.bench.ts [scans=1000000] [days=90]
import Database from "better-sqlite3";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../app/db/client.server";
import { migrate } from "../app/db/migrate.server";
import { affectedSummary, workOutAffected } from "../app/incidents/affected.server";
import { seedShop } from "../test/support/seed";

const SCANS = Number(process.argv[2] ?? 1_000_000);
const DAYS = Number(process.argv[3] ?? 90);
/** Returning shoppers: each subject scans this many times over the period. */
const SCANS_PER_SUBJECT = 4;
const SHOP = "big-store.myshopify.com";
const RUNS = 5;
const TARGET_MS = 2_000;
const DAY = 86_400_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Subjects with one consent each and their scans spread evenly over the period, written straight into the file. */
function seed(file: string, noticeId: string, end: number) {
  const sqlite = new Database(file);
  const subjects = Math.ceil(SCANS / SCANS_PER_SUBJECT);
  const span = DAYS * DAY;
  const subject = sqlite.prepare(`INSERT INTO "Subject" ("id","shop","anonymousId","createdAt") VALUES (?,?,?,?)`);
  const consent = sqlite.prepare(
    `INSERT INTO "ConsentRecord" ("id","shop","subjectId","noticeVersionId","noticeVersion","textHash","locale","action","purposes","ageConfirmed","receipt","createdAt")
     VALUES (?,?,?,?,1,?,'en','grant','["skin_analysis"]',1,?,?)`,
  );
  const scan = sqlite.prepare(
    `INSERT INTO "Scan" ("id","shop","subjectId","consentId","status","provider","quality","result","trainingOptIn","createdAt")
     VALUES (?,?,?,?,'accepted','local','{"ok":true}','{"ita":30.1,"group":"intermediate"}',0,?)`,
  );
  sqlite.transaction(() => {
    for (let s = 0; s < subjects; s++) {
      // A pseudo-random first visit; later scans follow every 3 to 20 days.
      let at = end - span + ((s * 7_919_993) % span);
      const iso = new Date(at).toISOString();
      subject.run(`s-${s}`, SHOP, `anon-${s}`, iso);
      consent.run(`c-${s}`, SHOP, `s-${s}`, noticeId, "a".repeat(64), `r-${s}`, iso);
      for (let k = 0; k < SCANS_PER_SUBJECT && s * SCANS_PER_SUBJECT + k < SCANS; k++) {
        scan.run(`x-${s}-${k}`, SHOP, `s-${s}`, `c-${s}`, new Date(at).toISOString());
        at += (3 + ((s + k) % 18)) * DAY;
        if (at > end) at -= span;
      }
    }
  })();
  sqlite.close();
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

/**
 * "first": a new incident each run (what recording one costs: work out, store, count). "again": the same
 * incident worked out again, which also deletes the previous set (secure_delete overwrites it).
 */
async function measure(file: string, end: number) {
  const database = await openDatabase(`file:${file}`);
  const db = database.client;
  const first: number[] = [];
  const again: number[] = [];
  let persons = 0;
  let summary;
  for (let i = 0; i < RUNS; i++) {
    const window = await newIncident(db, end);
    let started = performance.now();
    persons = await workOutAffected(db, window);
    summary = await affectedSummary(db, window.id, new Date());
    first.push(performance.now() - started);
    started = performance.now();
    await workOutAffected(db, window);
    await affectedSummary(db, window.id, new Date());
    again.push(performance.now() - started);
  }
  await database.close();
  return { first: median(first), again: median(again), persons, summary };
}

const dir = mkdtempSync(join(tmpdir(), "scanshield-incident-bench-"));
try {
  const file = join(dir, "bench.db");
  await migrate(`file:${file}`);
  const end = Date.now();
  const seedStarted = performance.now();
  {
    const db = await openDatabase(`file:${file}`);
    const notice = await seedShop(db.client, SHOP);
    await db.close();
    seed(file, notice.id, end);
  }
  const seedMs = performance.now() - seedStarted;
  const bare = join(dir, "without-indexes.db");
  copyFileSync(file, bare);
  {
    const sqlite = new Database(bare);
    sqlite.exec(
      `DROP INDEX "Scan_shop_createdAt_subjectId_idx"; DROP INDEX "ConsentRecord_shop_createdAt_subjectId_idx";`,
    );
    sqlite.close();
  }
  const withIndexes = await measure(file, end);
  const without = await measure(bare, end);
  const s = withIndexes.summary;
  console.log(
    `Incident affected set on SQLite: ${SCANS.toLocaleString("en")} scans of ${Math.ceil(SCANS / SCANS_PER_SUBJECT).toLocaleString("en")} shoppers over ${DAYS} days (seeded in ${(seedMs / 1000).toFixed(1)} s); ` +
      `one-week window, scans and consents; median of ${RUNS} runs (work out + store the set + counts)`,
  );
  console.log(
    `  in the window: ${s?.byKind.scan_results.records.toLocaleString("en")} scans and ${s?.byKind.consents.records.toLocaleString("en")} consents of ${withIndexes.persons.toLocaleString("en")} people`,
  );
  const line = (label: string, r: typeof withIndexes) =>
    `  ${label} first ${r.first.toFixed(0)} ms, again ${r.again.toFixed(0)} ms`;
  console.log(
    `${line("with the covering indexes:   ", withIndexes)}   target < ${TARGET_MS} ms: ${withIndexes.first < TARGET_MS ? "met" : "NOT met"}`,
  );
  console.log(
    `${line("baseline, without them:      ", without)}   (same set: ${without.persons === withIndexes.persons})`,
  );
  console.log(
    `  load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(", ")} (2 cores)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
