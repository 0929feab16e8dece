// Server time of the admin's dashboard and rights-inbox loaders on SQLite with 1,000,000 scans and
// 100,000 consent records (issue 6; target < 100 ms each on 2 cores). The loaders are the real
// routes, called with a real session token and a stored offline session, so the figures include
// authenticate.admin. The dashboard loader carries issue 13's funnel, tone/concern mixes, refusal
// advice and setup checklist (target < 100 ms); they are also timed alone, beside the dashboard's
// figures without them (the loader as it was before issue 13) in the same run. Other baseline: the
// same dashboard computed from the raw tables without the daily summaries (the first visit after
// install pays it once).
//   npx vite-node --config vitest.config.ts bench/admin-loaders.bench.ts [scans=1000000] [consents=100000]
import "./admin-env";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dashboard as dashboardFigures } from "../app/admin/dashboard.server";
import { setupChecklist } from "../app/admin/onboarding.server";
import { openDatabase } from "../app/db/client.server";
import { migrate } from "../app/db/migrate.server";
import { setDatabaseForTests } from "../app/db.server";
import { loader as dashboardLoader } from "../app/routes/app._index";
import { loader as inboxLoader } from "../app/routes/app.requests._index";
import { adminRequest } from "../test/support/admin";
import { seedAdminScaleSqlite } from "../test/support/admin-seed";
import { seedShop } from "../test/support/seed";
import { storeOfflineSession } from "../test/support/shopify";

const SCANS = Number(process.argv[2] ?? 1_000_000);
const CONSENTS = Number(process.argv[3] ?? 100_000);
const SHOP = "big-store.myshopify.com";
const RUNS = 30;
const TARGET_MS = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), "scanshield-admin-bench-"));
try {
  const file = join(dir, "bench.db");
  await migrate(`file:${file}`);
  const seedStarted = performance.now();
  {
    const db = await openDatabase(`file:${file}`);
    const notice = await seedShop(db.client, SHOP);
    await storeOfflineSession(db.client, SHOP);
    await db.client.shopOnboarding.create({ data: { shop: SHOP, storefrontSeenAt: new Date() } });
    await db.flushErasures();
    await db.close();
    seedAdminScaleSqlite(file, SHOP, notice.id, { scans: SCANS, consents: CONSENTS, days: 90 });
  }
  const seedMs = performance.now() - seedStarted;
  const database = await openDatabase(`file:${file}`);
  setDatabaseForTests(database);
  const call = async (loader: typeof dashboardLoader | typeof inboxLoader, path: string) =>
    loader({ request: await adminRequest(path, { shop: SHOP }), params: {}, context: {} });

  // First visit: every ended day of the period is summarised from the raw tables (once).
  const cold = await time(() => call(dashboardLoader, "/app?days=90"));
  const dashboard: number[] = [];
  const inbox: number[] = [];
  const inboxLate: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    dashboard.push(await time(() => call(dashboardLoader, "/app?days=90")));
    inbox.push(await time(() => call(inboxLoader, "/app/requests")));
    inboxLate.push(await time(() => call(inboxLoader, "/app/requests?status=all&page=100")));
  }
  const withInsights: number[] = [];
  const withoutInsights: number[] = [];
  const checklist: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    withoutInsights.push(await time(() => dashboardFigures(database, SHOP, 90, new Date(), { insights: false })));
    withInsights.push(await time(() => dashboardFigures(database, SHOP, 90)));
    checklist.push(await time(() => setupChecklist(database.client, SHOP)));
  }
  const auth: number[] = [];
  for (let i = 0; i < RUNS; i++) auth.push(await time(async () => adminRequest("/app", { shop: SHOP })));
  await database.close();

  const figures = await (async () => {
    const db = await openDatabase(`file:${file}`);
    const counts = {
      scans: await db.client.scan.count(),
      consents: await db.client.consentRecord.count(),
      requests: await db.client.privacyRequest.count(),
    };
    await db.close();
    return counts;
  })();
  console.log(
    `Admin loaders on SQLite: ${figures.scans.toLocaleString("en")} scans, ${figures.consents.toLocaleString("en")} consent records, ` +
      `${figures.requests.toLocaleString("en")} rights requests (seeded in ${(seedMs / 1000).toFixed(1)} s); median and p95 of ${RUNS} runs`,
  );
  const row = (name: string, xs: number[], target = false) =>
    console.log(
      `${name.padEnd(62)} ${median(xs).toFixed(1).padStart(7)} ms  p95 ${p95(xs).toFixed(1).padStart(7)} ms` +
        (target ? `  target < ${TARGET_MS} ms: ${median(xs) < TARGET_MS ? "met" : "NOT met"}` : ""),
    );
  row("dashboard loader, 90 days, with insights + checklist", dashboard, true);
  row("  dashboard figures with funnel and mixes (no auth)", withInsights, true);
  row("  baseline: dashboard figures without them (pre-issue 13)", withoutInsights);
  row("  setup checklist state alone", checklist, true);
  row("rights inbox loader, open requests, page 1", inbox);
  row("rights inbox loader, all requests, page 100 (of 200)", inboxLate);
  console.log(
    `${"baseline: dashboard first visit, 89 days summarised from raw rows".padEnd(62)} ${cold.toFixed(1).padStart(7)} ms (once)`,
  );
  row("(signing the test's session token, not server time)", auth);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
