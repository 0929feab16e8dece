// The scale-out docs/configuration.md describes ("One instance or several"), under a webhook burst: two app processes (JOBS_IN_PROCESS=false)
// and one separate worker (`node server.mjs --worker-only`) on one PostgreSQL database, an open-loop
// load split round-robin across both app processes, with a share of deliveries repeated to the other
// process (as Shopify retries). Then it checks that every delivery id was recorded and processed
// exactly once, and prints the acknowledgement latency, the rate achieved and the drain time.
// Target (issue 10): p99 < 50 ms at 500 deliveries/s. Needs `npm run build` first.
//   node bench/webhook-scaleout.mjs [rps=500] [seconds=10] [repeat=0.05]
// Database: BENCH_DATABASE_URL=postgresql://… (a new database is created there), or a private
// PostgreSQL cluster with fsync on, started here.
import { readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  cpuMs,
  drained,
  fmt,
  freshDatabase,
  inspector,
  load,
  migrate,
  startDurablePostgres,
  startServer,
} from "./webhook-support.mjs";

const rps = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 10);
const repeat = Number(process.argv[4] ?? 0.05);
const TARGET_P99_MS = 50;

const cluster = process.env.BENCH_DATABASE_URL ? undefined : await startDurablePostgres();
const database = await freshDatabase(process.env.BENCH_DATABASE_URL ?? cluster.url);
const idsFile = join(tmpdir(), `scanshield-scaleout-${process.pid}.ids`);
const processes = [];
let failed = false;
try {
  migrate(database.url);
  const apps = [];
  for (let i = 0; i < 2; i++) {
    apps.push(await startServer(database.url, { env: { JOBS_IN_PROCESS: "false" } }));
    processes.push(apps.at(-1));
  }
  const worker = await startServer(database.url, { args: ["--worker-only"] });
  processes.push(worker);
  const bases = apps.map((a) => a.baseUrl);
  const db = await inspector(database.url);

  load(bases, "healthz", 50, 1); // warm-up: JIT, connections, first queries
  load(bases, "webhook", 50, 1);
  await drained(db);
  const [before] = await db.query(`SELECT count(*) AS n FROM "WebhookDelivery"`);
  const cpu = () => apps.reduce((sum, a) => sum + cpuMs(a.pid), 0);

  const cpuBefore = cpu();
  const baseline = load(bases, "healthz", rps, seconds);
  const baselineCpu = (cpu() - cpuBefore) / baseline.requests;
  const cpuBeforeWebhooks = cpu();
  const workerCpuBefore = cpuMs(worker.pid);
  const webhook = load(bases, "webhook", rps, seconds, { repeat, idsFile });
  const webhookCpu = (cpu() - cpuBeforeWebhooks) / webhook.requests;
  const drain = await drained(db);
  const workerCpu = cpuMs(worker.pid) - workerCpuBefore;

  // Exactly once: every acknowledged id has its delivery row, each recorded delivery has one job (done)
  // and one ledger row, and each ledger row was redacted once.
  const acknowledged = readFileSync(idsFile, "utf8").split("\n").filter(Boolean);
  const one = async (sql, values) => Number((await db.query(sql, values))[0].n);
  const deliveries = (await one(`SELECT count(*) AS n FROM "WebhookDelivery"`)) - Number(before.n);
  const missing = await one(
    `SELECT count(*) AS n FROM unnest($1::text[]) AS a(id)
     WHERE NOT EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."webhookId" = a.id)`,
    [acknowledged],
  );
  const recorded = deliveries + Number(before.n);
  const jobs = await one(`SELECT count(*) AS n FROM "Job" WHERE "dedupeKey" LIKE 'webhook:%'`);
  const notDone = await one(`SELECT count(*) AS n FROM "Job" WHERE "status" <> 'done'`);
  const requests = await one(`SELECT count(*) AS n FROM "PrivacyRequest" WHERE "status" = 'completed'`);
  const redacted = await one(`SELECT count(*) AS n FROM "AuditEvent" WHERE "action" = 'customer.redacted'`);
  const redactedTwice = await one(
    `SELECT count(*) AS n FROM (SELECT "targetId" FROM "AuditEvent" WHERE "action" = 'customer.redacted'
       GROUP BY "targetId" HAVING count(*) > 1) r`,
  );
  await db.close();

  const checks = [
    ["every acknowledged delivery recorded", missing === 0, `${missing} missing of ${acknowledged.length}`],
    [
      "one delivery row per id, repeats included",
      deliveries >= acknowledged.length && deliveries <= webhook.requests,
      `${deliveries} rows for ${webhook.requests} ids and ${webhook.repeats} repeats`,
    ],
    ["one job per delivery", jobs === recorded, `${jobs} jobs, ${recorded} deliveries`],
    ["every job done", notDone === 0 && drain !== null, `${notDone} not done`],
    [
      "each delivery processed once",
      redactedTwice === 0 && redacted === recorded && requests === recorded,
      `${redacted} redactions, ${requests} requests completed`,
    ],
  ];
  failed = checks.some(([, ok]) => !ok);

  console.log(
    `Webhook scale-out on PostgreSQL${cluster ? " (private cluster, fsync on)" : ""}: 2 app processes ` +
      `(JOBS_IN_PROCESS=false) + 1 worker process, ${rps} deliveries/s open loop for ${seconds} s split across ` +
      `both, ${fmt(repeat * 100, 0)}% repeated to the other process`,
  );
  console.log(
    `load average at start of the burst ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    "route\tp50\tp90\tp99\tmax (ms)\tnon200\trate (answers/s)\tapp CPU ms/request\tclient CPU\tclient lag p99",
  );
  for (const [route, x, c] of [
    ["GET /healthz (baseline)", baseline, baselineCpu],
    ["POST /webhooks/customers/redact", webhook, webhookCpu],
  ]) {
    console.log(
      [route, fmt(x.p50), fmt(x.p90), fmt(x.p99), fmt(x.max), x.non200, fmt(x.achievedRps, 0), fmt(c, 2)]
        .concat(fmt(x.clientCpuPerRequest, 2), fmt(x.sendLagP99))
        .join("\t"),
    );
  }
  console.log(
    `repeats: ${webhook.repeats} sent, ${webhook.repeatsNon200} not 200; acknowledged ids: ${acknowledged.length}`,
  );
  console.log(
    `drain: ${drain === null ? "not done in 600 s" : `${fmt(drain)} s after the burst`}; ` +
      `worker CPU ${fmt(workerCpu / 1000)} s for ${deliveries} jobs (${fmt(deliveries / (seconds + (drain ?? Infinity)), 0)} jobs/s over burst and drain)`,
  );
  for (const [name, ok, detail] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${name} (${detail})`);
  console.log(
    `p99 ${fmt(webhook.p99)} ms (target < ${TARGET_P99_MS} ms: ${webhook.p99 < TARGET_P99_MS ? "met" : "missed"}); ` +
      `exactly once: ${failed ? "FAILED" : "held"}`,
  );
} finally {
  for (const p of processes) await p.stop();
  await database.drop();
  cluster?.stop();
  rmSync(idsFile, { force: true });
}
if (failed) process.exitCode = 1;
