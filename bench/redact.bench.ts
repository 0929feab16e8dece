// Time to complete shop/redact for a shop with 100,000 scans, and customers/redact for one
// customer among 100,000, on SQLite. Baseline in the same run: the same erasure with SQLite's
// secure_delete off, to show what overwriting deleted content costs.
// Targets (issue #2): shop/redact < 10 s, customers/redact < 100 ms.
//   npx vite-node bench/redact.bench.ts [scans=100000]
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appKeyring } from "../app/crypto/keyring.server";
import { openDatabase } from "../app/db/client.server";
import { migrate } from "../app/db/migrate.server";
import { eraseCustomer, eraseShop } from "../app/privacy/erasure.server";
import { seedManyScansSqlite, seedShop, seedSubject } from "../test/support/seed";

const SCANS = Number(process.argv[2] ?? 100_000);
const SHOP = "big-store.myshopify.com";
const keyring = appKeyring();

async function template(dir: string): Promise<string> {
  const file = join(dir, "template.db");
  await migrate(`file:${file}`);
  const db = await openDatabase(`file:${file}`);
  const notice = await seedShop(db.client, SHOP);
  await db.flushErasures();
  seedManyScansSqlite(file, SHOP, notice.id, SCANS);
  await seedSubject(db.client, keyring, { shop: SHOP, noticeId: notice.id, customerId: "7401", scans: 3 });
  // Erased first in each run so the timed erasure meets a warm connection and compiled queries.
  await seedSubject(db.client, keyring, { shop: SHOP, noticeId: notice.id, customerId: "1000", scans: 3 });
  await db.flushErasures();
  await db.close();
  return file;
}

async function timed(
  file: string,
  secureDelete: boolean,
  work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<unknown>,
) {
  const db = await openDatabase(`file:${file}`);
  if (!secureDelete) await db.client.$queryRawUnsafe("PRAGMA secure_delete = OFF");
  await eraseCustomer(db.client, keyring, { shop: SHOP, customerId: "1000", subjectDigest: "warm-up" });
  await db.flushErasures();
  const started = performance.now();
  await work(db);
  await db.flushErasures();
  const ms = performance.now() - started;
  await db.close();
  return ms;
}

export async function measureRedaction() {
  const dir = mkdtempSync(join(tmpdir(), "scanshield-redact-bench-"));
  try {
    const seedStart = performance.now();
    const source = await template(dir);
    const seedMs = performance.now() - seedStart;
    const results: Record<string, number> = {};
    for (const secure of [true, false]) {
      for (const [name, work] of [
        [
          "customers/redact",
          (db: Awaited<ReturnType<typeof openDatabase>>) =>
            eraseCustomer(db.client, keyring, { shop: SHOP, customerId: "7401", subjectDigest: "d" }),
        ],
        ["shop/redact", (db: Awaited<ReturnType<typeof openDatabase>>) => eraseShop(db, keyring, SHOP)],
      ] as const) {
        const copy = join(dir, `run-${secure}-${name.replace("/", "-")}.db`);
        copyFileSync(source, copy);
        results[`${name}${secure ? "" : " (secure_delete off, baseline)"}`] = await timed(copy, secure, work);
      }
    }
    return { scans: SCANS, seedMs, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const r = await measureRedaction();
console.log(`Redaction on SQLite with ${r.scans} scans (seeded in ${(r.seedMs / 1000).toFixed(1)} s)`);
for (const [name, ms] of Object.entries(r.results)) console.log(`${name.padEnd(52)} ${ms.toFixed(1)} ms`);
console.log("targets: shop/redact < 10000 ms, customers/redact < 100 ms");
