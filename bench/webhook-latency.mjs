// Webhook acknowledgement latency under bounded load, against a trivial route of the same server
// in the same run (the baseline). Needs `npm run build` first; starts its own server on 127.0.0.1
// with a throwaway SQLite database. Target (issue #2): p99 < 50 ms at 100 requests/s on 2 cores.
//   node bench/webhook-latency.mjs [rps=100] [seconds=10]
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

export async function measureWebhookLatency() {
  const dir = mkdtempSync(join(tmpdir(), "scanshield-bench-"));
  const port = await freePort();
  const server = spawn(process.execPath, ["server.mjs"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: `file:${join(dir, "bench.db")}`,
      SHOPIFY_API_SECRET: secret,
      LOG_LEVEL: "warn",
      ...(process.env.BENCH_NO_WORKER ? { JOBS_IN_PROCESS: "false" } : {}),
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
  const r = await measureWebhookLatency();
  const row = (name, x) =>
    `${name.padEnd(28)} ${x.requests}\t${x.non200}\t${x.p50.toFixed(2)}\t${x.p90.toFixed(2)}\t${x.p99.toFixed(2)}\t${x.max.toFixed(2)}`;
  console.log(`Webhook acknowledgement at ${r.rps} req/s for ${r.seconds} s (ms)`);
  console.log(`${"route".padEnd(28)} n\tnon200\tp50\tp90\tp99\tmax`);
  console.log(row("GET /healthz (baseline)", r.healthz));
  console.log(row("POST /webhooks/customers/redact", r.webhook));
  console.log(
    `webhook p99 minus baseline p99: ${(r.webhook.p99 - r.healthz.p99).toFixed(2)} ms (target: webhook p99 < 50 ms)`,
  );
}
