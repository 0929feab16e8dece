// Webhook acknowledgement latency under an open-loop burst, beside a trivial route of the same server
// in the same run (the baseline), with the background worker off and then draining the same flood.
// Target (issue 10): p99 < 50 ms at 500 deliveries/s on this 2-core machine, worker draining, durable
// acceptance (docs/decisions/0008-webhook-group-commit.md). Needs `npm run build` first; starts its own
// server on 127.0.0.1 with a fresh database per run.
//   node bench/webhook-latency.mjs [rps=500] [seconds=10] [runs=3]
// Database: a SQLite file by default; BENCH_DATABASE_URL=postgresql://… (a new database is created on
// that server per run), or BENCH_POSTGRES=1 (a private PostgreSQL cluster with fsync on, started here).
import { loadavg } from "node:os";
import {
  cpuMs,
  drained,
  fmt,
  freshDatabase,
  inspector,
  load,
  median,
  migrate,
  startDurablePostgres,
  startServer,
} from "./webhook-support.mjs";

const rps = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 10);
const reps = Number(process.argv[4] ?? 3);
const TARGET_P99_MS = 50;

/** One run: a fresh database and server, the baseline route, then the webhooks (and the drain). */
async function measure(postgresUrl, worker) {
  const database = await freshDatabase(postgresUrl);
  migrate(database.url);
  const server = await startServer(database.url, { env: { JOBS_IN_PROCESS: worker ? "true" : "false" } });
  const db = await inspector(database.url);
  try {
    load(server.baseUrl, "healthz", 50, 1); // warm-up: JIT, connections, first queries
    load(server.baseUrl, "webhook", 50, 1);
    const measured = (kind) => {
      const before = cpuMs(server.pid);
      const result = load(server.baseUrl, kind, rps, seconds);
      return { ...result, cpuPerRequest: (cpuMs(server.pid) - before) / result.requests };
    };
    const healthz = measured("healthz");
    const webhook = measured("webhook");
    const drain = worker ? await drained(db) : null;
    const [jobs] = await db.query(`SELECT count(*) AS n FROM "Job"`);
    return { healthz, webhook, drain, jobs: Number(jobs.n) };
  } finally {
    await db.close();
    await server.stop();
    await database.drop();
  }
}

const row = (name, route, x) =>
  [name, route, fmt(x.p50), fmt(x.p90), fmt(x.p99), fmt(x.max), x.non200, fmt(x.achievedRps, 0)]
    .concat([fmt(x.cpuPerRequest, 2), fmt(x.clientCpuPerRequest, 2), fmt(x.sendLagP99)])
    .join("\t");

let cluster;
let postgresUrl = process.env.BENCH_DATABASE_URL;
if (!postgresUrl && process.env.BENCH_POSTGRES === "1") {
  cluster = await startDurablePostgres();
  postgresUrl = cluster.url;
}
try {
  console.log(`Webhook acknowledgement, ${rps} deliveries/s open loop for ${seconds} s, ${reps} runs per scenario`);
  const engine = postgresUrl ? `PostgreSQL${cluster ? " (private cluster, fsync on)" : ""}` : "SQLite file";
  console.log(
    `database: ${engine}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    "ms; rate = answers/s; cpu = server (client) CPU ms per request; lag = the load client's own send lag p99",
  );
  console.log("scenario / run\troute\tp50\tp90\tp99\tmax\tnon200\trate\tcpu\tclient\tlag");
  for (const [name, worker] of [
    ["worker off: acknowledgement only", false],
    ["worker on: draining the same flood", true],
  ]) {
    const runs = [];
    for (let i = 1; i <= reps; i++) {
      const r = await measure(postgresUrl, worker);
      runs.push(r);
      console.log(row(`${name} #${i}`, "GET /healthz (baseline)", r.healthz));
      console.log(row(`${name} #${i}`, "POST /webhooks/customers/redact", r.webhook));
      if (worker) {
        const drain = r.drain === null ? "not drained in 600 s" : `${fmt(r.drain)} s after the burst`;
        console.log(`${name} #${i}\tdrain: ${r.jobs} jobs done, ${drain}`);
      }
    }
    const p99 = median(runs.map((r) => r.webhook.p99));
    console.log(
      `${name}: median p99 baseline ${fmt(median(runs.map((r) => r.healthz.p99)))} ms, webhook ${fmt(p99)} ms ` +
        `(target < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? "met" : "missed"})` +
        (worker ? `; median drain ${fmt(median(runs.map((r) => r.drain ?? Infinity)))} s` : ""),
    );
  }
} finally {
  cluster?.stop();
}
