// Webhook acknowledgement latency under bounded load, against a trivial route of the same server
// in the same run (the baseline). Needs `npm run build` first; starts its own server on 127.0.0.1
// with a throwaway SQLite database. Target (issue #2): p99 < 50 ms at 100 requests/s on 2 cores.
//   node bench/webhook-latency.mjs [rps=100] [seconds=10] [runs=3]
// Set BENCH_DATABASE_URL=postgresql://… to measure on PostgreSQL instead of a SQLite file.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const rps = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 10);
const secret = "bench-secret";

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function measureWebhookLatency({ worker }) {
  const dir = mkdtempSync(join(tmpdir(), "scanshield-bench-"));
  const port = await freePort();
  const server = spawn(process.execPath, ["server.mjs"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `file:${join(dir, "bench.db")}`,
      SHOPIFY_API_SECRET: secret,
      LOG_LEVEL: "warn",
      JOBS_IN_PROCESS: worker ? "true" : "false",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise((resolve, reject) => {
      server.stdout.on("data", (d) => String(d).includes("listening") && resolve());
      server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const run = (kind, n = rps, s = seconds) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [join(root, "bench/load-client.mjs"), base, kind, String(n), String(s), secret],
          { encoding: "utf8" },
        ),
      );
    run("healthz", 50, 1); // warm-up: JIT, connections, first queries
    run("webhook", 50, 1);
    const healthz = run("healthz");
    const webhook = run("webhook");
    return { rps, seconds, healthz, webhook };
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const reps = Number(process.argv[4] ?? 3);
  const fmt = (x) => `${x.p50.toFixed(1)}\t${x.p90.toFixed(1)}\t${x.p99.toFixed(1)}\t${x.max.toFixed(1)}\t${x.non200}`;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `Webhook acknowledgement, ${rps} req/s for ${seconds} s from a second process, ${reps} runs per scenario (ms)`,
  );
  console.log(`database: ${process.env.BENCH_DATABASE_URL ? "PostgreSQL (BENCH_DATABASE_URL)" : "SQLite file"}`);
  console.log("scenario / run\troute\tp50\tp90\tp99\tmax\tnon200");
  for (const [name, worker] of [
    ["worker off: acknowledgement only", false],
    ["worker on: draining the same flood", true],
  ]) {
    const p99s = [];
    for (let i = 1; i <= reps; i++) {
      const r = await measureWebhookLatency({ worker });
      console.log(`${name} #${i}\tGET /healthz (baseline)\t${fmt(r.healthz)}`);
      console.log(`${name} #${i}\tPOST /webhooks/customers/redact\t${fmt(r.webhook)}`);
      p99s.push([r.healthz.p99, r.webhook.p99]);
    }
    console.log(
      `${name}: median p99 baseline ${median(p99s.map((p) => p[0])).toFixed(1)} ms, webhook ${median(p99s.map((p) => p[1])).toFixed(1)} ms (target < 50 ms)`,
    );
  }
}
