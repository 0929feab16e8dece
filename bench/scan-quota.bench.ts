// What the monthly scan allowance (P20) adds to a scan on SQLite: the read of the stored plan and this
// month's counter before the photo is read, and the counter's increment after an accepted scan.
// Baselines in the same run: a one-row read by key through the same path (selectRows), and a one-row
// write by key through the same client (every write's p99 on a loaded machine is the WAL's fsync).
// Target: under 0.5 ms added per scan (the app's whole share of a scan is ~11.5 ms of CPU,
// docs/architecture.md "What a scan costs the app").
//   npx vite-node --config vitest.config.ts bench/scan-quota.bench.ts [calls=5000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countAcceptedScan, quotaState } from "../app/billing/quota.server";
import { usageMonth } from "../app/billing/plans";
import { openDatabase } from "../app/db/client.server";
import { migrate } from "../app/db/migrate.server";
import { executeRaw, selectRows } from "../app/db/raw.server";

const CALLS = Number(process.argv[2] ?? 5_000);
const SHOP = "busy-store.myshopify.com";

async function timed(label: string, work: () => Promise<unknown>) {
  for (let i = 0; i < 200; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const start = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3);
  console.log(`  ${label.padEnd(52)} median ${at(0.5)} ms   p99 ${at(0.99)} ms`);
  return Number(at(0.5));
}

const dir = mkdtempSync(join(tmpdir(), "scan-quota-bench-"));
try {
  const url = `file:${join(dir, "bench.db")}`;
  await migrate(url);
  const database = await openDatabase(url);
  const db = database.client;
  await db.shop.create({ data: { shop: SHOP } });
  await db.shopPlan.create({ data: { shop: SHOP, planName: "Scale", status: "ACTIVE" } });
  const month = usageMonth(new Date());
  console.log(`scan quota on SQLite, ${CALLS} calls each (${new Date().toISOString()})`);
  const baseline = await timed("baseline: one-row read by key, same path", () =>
    selectRows(db, `SELECT "minimumAge" FROM "Shop" WHERE "shop" = ?`, SHOP),
  );
  const baselineWrite = await timed("baseline: one-row UPDATE by key through Prisma", () =>
    executeRaw(db, `UPDATE "Shop" SET "minimumAge" = 18 WHERE "shop" = ?`, SHOP),
  );
  const check = await timed("quota check: stored plan + this month's counter", () => quotaState(db, SHOP, month));
  const count = await timed("count an accepted scan (INSERT … ON CONFLICT)", () => countAcceptedScan(db, SHOP, month));
  console.log(
    `  added per accepted scan: ${(check + count).toFixed(3)} ms (baseline read ${baseline.toFixed(3)} ms, write ${baselineWrite.toFixed(3)} ms; target < 0.5 ms)`,
  );
  await database.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
