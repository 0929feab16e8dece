// The whole storefront scan path against the analysis service it calls, in the same run (issue 4):
//   direct  POST {service}/v1/analyses                      (the analysis service alone)
//   proxy   POST {app}/proxy/scans, signed as Shopify signs  (signature, consent and token check,
//           rate limits, size/type guard, normalisation, the call to the same service, storage,
//           recommendations)
// Both with the same 1024 px JPEG. Prints the added median latency (target < 15 ms), the throughput
// ratio at the same concurrency (target >= 0.8), then 50 concurrent scans through the proxy for a
// while with the app's and the service's memory sampled every second (no growth, no errors).
// Needs `npm run build`.  node bench/proxy-path.mjs [samples=40] [throughputSeconds=15] [soakSeconds=60]
// BENCH_PROFILE=1 writes a CPU profile of the app process to /tmp/prof.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import sharp from "sharp";
import { signedAppProxyQuery } from "../scripts/preview/app-proxy-signature.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const samples = Number(process.argv[2] ?? 40);
const throughputSeconds = Number(process.argv[3] ?? 15);
const soakSeconds = Number(process.argv[4] ?? 60);
const SECRET = "bench-api-secret";
const KEY = "bench-analysis-key";
const SHOP = "bench-store.myshopify.com";

const require = createRequire(import.meta.url);
const demo = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
const group = readFileSync(join(demo, "sample2.jpg"));
const meta = await sharp(group).metadata();
const third = Math.floor(meta.width / 3);
// One face, 1024 px on its longest side, as the widget uploads it.
const photo = await sharp(group)
  .extract({ left: 2 * third, top: 0, width: third, height: meta.height })
  .resize(1024, 1024, { fit: "inside" })
  .jpeg({ quality: 88 })
  .toBuffer();

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function start(args, env, ready) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, NODE_ENV: "development", HOST: "127.0.0.1", LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr.on("data", (d) => (out += String(d)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += String(d);
      if (ready.test(out)) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}:\n${out}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), "scanshield-bench-proxy-"));
const children = [];
try {
  const servicePort = await freePort();
  const service = await start(
    ["build/analysis/api.mjs"],
    { PORT: String(servicePort), ANALYSIS_API_KEY: KEY, ANALYSIS_QUEUE_LIMIT: "500", MALLOC_ARENA_MAX: "2" },
    /listening on/,
  );
  children.push(service);
  const serviceUrl = `http://127.0.0.1:${servicePort}`;

  const dbFile = join(dir, "bench.db");
  const appEnv = {
    DATABASE_URL: `file:${dbFile}`,
    SHOPIFY_API_SECRET: SECRET,
    ANALYSIS_API_URL: serviceUrl,
    ANALYSIS_API_KEY: KEY,
    JOBS_IN_PROCESS: "false",
  };
  execFileSync(process.execPath, ["server.mjs", "--migrate-only"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "development", LOG_LEVEL: "silent", ...appEnv },
  });
  // A shop whose limits the load cannot reach: the bench measures the path, not the limiter's refusals.
  const sqlite = new Database(dbFile);
  sqlite
    .prepare(
      `INSERT INTO "Shop" ("shop", "scansPerShopPerMinute", "scansPerSubjectPerHour", "scansPerNetworkPerHour", "updatedAt") VALUES (?, 1000000, 1000000, 1000000, ?)`,
    )
    .run(SHOP, new Date().toISOString());
  sqlite.close();
  const appPort = await freePort();
  const app = await start(
    [...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), "server.mjs"],
    { ...appEnv, PORT: String(appPort) },
    /listening on/,
  );
  children.push(app);
  const appUrl = `http://127.0.0.1:${appPort}`;
  const proxied = (path) => `${appUrl}/proxy${path}?${signedAppProxyQuery({}, { shop: SHOP, secret: SECRET })}`;

  // One consent per 10 minutes of load is plenty: the token lasts 15.
  const consent = await fetch(proxied("/consents"), {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
    body: JSON.stringify({
      noticeVersion: 1,
      locale: "en",
      ageConfirmed: true,
      purposes: ["skin_analysis"],
      subjectId: "bench_subject_0123456789",
    }),
  }).then((r) => r.json());
  if (!consent.scanToken) throw new Error(`no consent: ${JSON.stringify(consent)}`);

  const direct = () =>
    fetch(`${serviceUrl}/v1/analyses`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "image/jpeg" },
      body: photo,
    });
  const viaProxy = () =>
    fetch(proxied("/scans"), {
      method: "POST",
      headers: { "content-type": "image/jpeg", "x-scan-token": consent.scanToken, "x-forwarded-for": "203.0.113.9" },
      body: photo,
    });
  async function timed(call) {
    const t = performance.now();
    const response = await call();
    await response.arrayBuffer();
    return { ms: performance.now() - t, ok: response.status < 300, status: response.status };
  }

  // Warm both (models, JIT, connections), then alternate so drift hits both sides alike.
  for (let i = 0; i < 5; i++) {
    await timed(direct);
    await timed(viaProxy);
  }
  const latency = { direct: [], proxy: [] };
  for (let i = 0; i < samples; i++) {
    for (const [name, call] of i % 2
      ? [
          ["direct", direct],
          ["proxy", viaProxy],
        ]
      : [
          ["proxy", viaProxy],
          ["direct", direct],
        ]) {
      const r = await timed(call);
      if (!r.ok) throw new Error(`${name} answered ${r.status}`);
      latency[name].push(r.ms);
    }
  }

  async function throughput(call, concurrency, seconds) {
    const until = performance.now() + seconds * 1000;
    let done = 0;
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const r = await timed(call);
          if (r.ok) done++;
          else errors++;
        }
      }),
    );
    return { perSecond: done / seconds, errors };
  }
  const concurrency = 4;
  const tDirect = await throughput(direct, concurrency, throughputSeconds);
  const tProxy = await throughput(viaProxy, concurrency, throughputSeconds);

  const d = median(latency.direct);
  const p = median(latency.proxy);
  console.log(
    `Storefront scan path vs the analysis service alone (1024 px JPEG, ${(photo.length / 1024).toFixed(0)} KB, SQLite)`,
  );
  console.log(
    `  median latency, ${samples} each      direct ${d.toFixed(1)} ms   proxy ${p.toFixed(1)} ms   added ${(p - d).toFixed(1)} ms (target < 15)`,
  );
  console.log(
    `  throughput, ${concurrency} at a time, ${throughputSeconds} s   direct ${tDirect.perSecond.toFixed(2)}/s   proxy ${tProxy.perSecond.toFixed(2)}/s   ratio ${(tProxy.perSecond / tDirect.perSecond).toFixed(2)} (target >= 0.8)   errors ${tDirect.errors + tProxy.errors}`,
  );

  // Soak: 50 scans in flight through the proxy, memory sampled each second.
  const samplesMb = [];
  const sampler = setInterval(() => samplesMb.push({ app: rss(app.pid), service: rss(service.pid) }), 1000);
  const soak = await throughput(viaProxy, 50, soakSeconds);
  clearInterval(sampler);
  const tenth = Math.max(1, Math.floor(samplesMb.length / 6));
  const peak = (xs, key) => Math.max(...xs.map((x) => x[key]));
  const first = samplesMb.slice(0, tenth);
  const last = samplesMb.slice(-tenth);
  console.log(
    `  50 concurrent for ${soakSeconds} s           ${soak.perSecond.toFixed(2)} scans/s, errors ${soak.errors}`,
  );
  console.log(
    `    app RSS      peak ${peak(samplesMb, "app").toFixed(0)} MB; first ${tenth} s peak ${peak(first, "app").toFixed(0)} MB, last ${tenth} s peak ${peak(last, "app").toFixed(0)} MB`,
  );
  console.log(
    `    service RSS  peak ${peak(samplesMb, "service").toFixed(0)} MB; first ${tenth} s peak ${peak(first, "service").toFixed(0)} MB, last ${tenth} s peak ${peak(last, "service").toFixed(0)} MB`,
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
