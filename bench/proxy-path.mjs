// The whole storefront scan path against the analysis service it calls, in the same run (issues 4, 10):
//   proxy   POST {app}/proxy/scans, signed as Shopify signs, with the widget's 1024 px JPEG (signature,
//           consent and token check, rate limits, size/type guard, the metadata-free re-encode, the
//           call to the service, the scan row, recommendations)
//   direct  POST {service}/v1/analyses with the JPEG the app sends it for that photo (same settings
//           as normaliseForUpload), so the service does the same work on both sides and the
//           difference is what the app adds; the bench checks the two answers are identical
//   photo   POST {service}/v1/analyses with the widget's JPEG itself: how much the re-encode changes
//           the service's own work on this photo (it varies from photo to photo, either way)
//   alone   the same app (a second process) against a vendor in this script that answers at once with
//           the service's answer: the app's own time and CPU per scan, without the engine's time or
//           its competition for the cores, the steadiest figure on a busy machine
// The engine must accept the photo (a refused one takes a shorter path and would flatter the app).
// Everything is first warmed with a few seconds of load (JIT, connections, models): the figures are a
// running server's, not its first requests after a restart.
// Then `runs` times, each with the sides interleaved so drift on a shared machine hits them alike:
//   latency     `samples` rounds one request at a time, the order rotating; median and p90 of each
//               side, the added latency at both (target: median < 15 ms), and the app's CPU per scan
//   throughput  4 at a time, alternating windows of at most 5 s until each side has had
//               `throughputSeconds`; only completions inside a window count, and each window starts
//               after the last one's requests drained (target: proxy/direct >= 0.8)
// then the median of the runs beside the targets, then 50 concurrent scans through the proxy for
// `soakSeconds` with the app's and the service's memory sampled every second (no growth, no errors).
// The machine's load average is printed with each run: on a shared 2-core host it moves the figures.
// Needs `npm run build`.
//   node bench/proxy-path.mjs [samples=40] [throughputSeconds=15] [soakSeconds=60] [runs=3]
// BENCH_PROFILE=1 writes a CPU profile of the app process to /tmp/prof.
import { spawn, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
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
const runs = Number(process.argv[5] ?? 3);
const SECRET = "bench-api-secret";
const KEY = "bench-analysis-key";
const SHOP = "bench-store.myshopify.com";
/** Seconds of load on each side before anything is measured. */
const WARM_SECONDS = 5;
const CONCURRENCY = 4;
const WINDOW_SECONDS = 5;

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
// What the app sends the analysis API for it: app/analysis/image.server.ts, normaliseForUpload.
const uploaded = await sharp(photo)
  .rotate()
  .resize(1024, 1024, { fit: "inside", withoutEnlargement: true })
  .flatten({ background: "#ffffff" })
  .toColourspace("srgb")
  .jpeg({ quality: 90, chromaSubsampling: "4:4:4", optimiseCoding: false })
  .toBuffer();

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
/** User + system CPU of a process (all its threads), in ms. */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
};
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const ms = (x) => x.toFixed(1);
/** JSON with keys sorted, so two answers compare by content (the app re-validates, which may reorder keys). */
const canonical = (value) =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
const signed = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;

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
let vendor;
try {
  const servicePort = await freePort();
  const service = await start(
    ["build/analysis/api.mjs"],
    { PORT: String(servicePort), ANALYSIS_API_KEY: KEY, ANALYSIS_QUEUE_LIMIT: "500", MALLOC_ARENA_MAX: "2" },
    /listening on/,
  );
  children.push(service);
  const serviceUrl = `http://127.0.0.1:${servicePort}`;

  /** A migrated database, a shop whose limits the load cannot reach, the app on it, and a consent. */
  async function startApp(name, analysisUrl, profile) {
    const dbFile = join(dir, `${name}.db`);
    const appEnv = {
      DATABASE_URL: `file:${dbFile}`,
      SHOPIFY_API_SECRET: SECRET,
      ANALYSIS_API_URL: analysisUrl,
      ANALYSIS_API_KEY: KEY,
      JOBS_IN_PROCESS: "false",
    };
    execFileSync(process.execPath, ["server.mjs", "--migrate-only"], {
      cwd: root,
      env: { ...process.env, NODE_ENV: "development", LOG_LEVEL: "silent", ...appEnv },
    });
    // The bench measures the path, not the limiter's refusals.
    const sqlite = new Database(dbFile);
    sqlite
      .prepare(
        `INSERT INTO "Shop" ("shop", "scansPerShopPerMinute", "scansPerSubjectPerHour", "scansPerNetworkPerHour", "updatedAt") VALUES (?, 1000000, 1000000, 1000000, ?)`,
      )
      .run(SHOP, new Date().toISOString());
    // …nor the monthly scan allowance's (P20): the shop is on the largest plan, and the check still runs.
    sqlite
      .prepare(
        `INSERT INTO "ShopPlan" ("id", "shop", "planName", "status", "updatedAt") VALUES ('bench-plan', ?, 'Scale', 'ACTIVE', ?)`,
      )
      .run(SHOP, new Date().toISOString());
    sqlite.close();
    const port = await freePort();
    const child = await start(
      [...(profile ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), "server.mjs"],
      { ...appEnv, PORT: String(port) },
      /listening on/,
    );
    children.push(child);
    const proxied = (path) =>
      `http://127.0.0.1:${port}/proxy${path}?${signedAppProxyQuery({}, { shop: SHOP, secret: SECRET })}`;
    // One consent is enough: the token lasts 15 minutes, longer than the whole bench.
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
    const scan = () =>
      fetch(proxied("/scans"), {
        method: "POST",
        headers: { "content-type": "image/jpeg", "x-scan-token": consent.scanToken, "x-forwarded-for": "203.0.113.9" },
        body: photo,
      });
    return { child, scan };
  }
  const app = await startApp("bench", serviceUrl, Boolean(process.env.BENCH_PROFILE));

  const analyse = (body) => () =>
    fetch(`${serviceUrl}/v1/analyses`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "image/jpeg" },
      body,
    });
  const sides = {
    direct: analyse(uploaded),
    photo: analyse(photo),
    proxy: app.scan,
  };
  async function timed(call) {
    const t = performance.now();
    const response = await call();
    const body = await response.json().catch(() => ({}));
    return {
      ms: performance.now() - t,
      ok: response.status < 300,
      status: response.status,
      verdict: body.status,
      body,
    };
  }

  // An accepted scan on every side: a refused photo takes a shorter path and would flatter the app.
  const check = {};
  for (const [name, call] of Object.entries(sides)) {
    check[name] = await timed(call);
    if (check[name].verdict !== "accepted") {
      throw new Error(
        `${name}: the bench photo got ${check[name].status} ${check[name].verdict ?? ""}; figures need an accepted scan`,
      );
    }
  }
  // The engine is deterministic: the same measurement means the service saw the same bytes from the
  // app as from the bench. If not, the bench's copy of the upload settings is out of date.
  const sameBytes = canonical(check.proxy.body.result?.indices) === canonical(check.direct.body.measurement?.indices);
  if (!sameBytes) {
    console.log(
      "  warning: the app's upload and the bench's copy got different measurements (see normaliseForUpload); direct is not like for like",
    );
  }

  // The same app against a vendor that answers at once, with the service's own answer for these bytes:
  // what the app costs per scan without the engine's time, or the engine's competition for the cores.
  const answer = check.direct.body;
  vendor = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...answer, id: randomUUID() }));
    });
  });
  await new Promise((resolve) => vendor.listen(0, "127.0.0.1", resolve));
  const instant = await startApp("instant", `http://127.0.0.1:${vendor.address().port}`, false);
  sides.alone = instant.scan;
  if ((await timed(sides.alone)).verdict !== "accepted") throw new Error("the app did not accept the service's answer");

  /** `concurrency` callers until `seconds` pass; completions after the deadline are not counted. */
  async function load(call, concurrency, seconds) {
    const until = performance.now() + seconds * 1000;
    let done = 0;
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const r = await timed(call);
          if (performance.now() > until) break;
          if (r.ok) done++;
          else errors++;
        }
      }),
    );
    return { done, errors };
  }

  // Warm-up: JIT, keep-alive connections, the engine's models and threads, on every side.
  for (let s = 0; s < WARM_SECONDS; s++) {
    for (const call of Object.values(sides)) await load(call, CONCURRENCY, 1);
  }

  const results = [];
  for (let run = 1; run <= runs; run++) {
    const load1 = loadAverage();
    const latency = { direct: [], proxy: [], photo: [], alone: [] };
    const appCpu = { proxy: 0, alone: 0 };
    const pids = { proxy: app.child.pid, alone: instant.child.pid };
    const names = Object.keys(latency);
    for (let i = 0; i < samples; i++) {
      for (const name of names.map((_, k) => names[(i + k) % names.length])) {
        const before = pids[name] ? cpuMs(pids[name]) : 0;
        const r = await timed(sides[name]);
        if (!r.ok || r.verdict !== "accepted") throw new Error(`${name} answered ${r.status} ${r.verdict ?? ""}`);
        latency[name].push(r.ms);
        if (pids[name]) appCpu[name] += cpuMs(pids[name]) - before;
      }
    }
    const rate = { direct: { done: 0, errors: 0, seconds: 0 }, proxy: { done: 0, errors: 0, seconds: 0 } };
    for (let w = 0; rate.direct.seconds < throughputSeconds || rate.proxy.seconds < throughputSeconds; w++) {
      for (const name of w % 2 ? ["proxy", "direct"] : ["direct", "proxy"]) {
        const seconds = Math.min(WINDOW_SECONDS, throughputSeconds - rate[name].seconds);
        if (seconds <= 0) continue;
        const r = await load(sides[name], CONCURRENCY, seconds);
        rate[name].done += r.done;
        rate[name].errors += r.errors;
        rate[name].seconds += seconds;
      }
    }
    const perSecond = (name) => rate[name].done / rate[name].seconds;
    const result = {
      direct: { p50: median(latency.direct), p90: quantile(latency.direct, 0.9) },
      proxy: { p50: median(latency.proxy), p90: quantile(latency.proxy, 0.9) },
      photo: median(latency.photo) - median(latency.direct),
      vsPhoto: median(latency.proxy) - median(latency.photo),
      cpu: appCpu.proxy / samples,
      alone: { p50: median(latency.alone), p90: quantile(latency.alone, 0.9), cpu: appCpu.alone / samples },
      directRate: perSecond("direct"),
      proxyRate: perSecond("proxy"),
      errors: rate.direct.errors + rate.proxy.errors,
    };
    result.added = { p50: result.proxy.p50 - result.direct.p50, p90: result.proxy.p90 - result.direct.p90 };
    result.ratio = result.proxyRate / result.directRate;
    results.push(result);
    if (run === 1) {
      console.log(
        `Storefront scan path vs the analysis service alone (1024 px JPEG, ${(photo.length / 1024).toFixed(0)} KB, accepted by the engine; SQLite;`,
      );
      console.log(
        `warmed with ${WARM_SECONDS} s of load a side; per run ${samples} interleaved rounds, then ${throughputSeconds} s a side at ${CONCURRENCY} at a time in alternating windows;`,
      );
      console.log(
        `direct = the service given the bytes the app sends it${sameBytes ? " (same measurement as through the app)" : ""})`,
      );
    }
    console.log(
      `  run ${run} (load ${load1}): direct p50 ${ms(result.direct.p50)} p90 ${ms(result.direct.p90)} ms | proxy p50 ${ms(result.proxy.p50)} p90 ${ms(result.proxy.p90)} ms | added p50 ${ms(result.added.p50)} p90 ${ms(result.added.p90)} ms | app CPU ${ms(result.cpu)} ms/scan | ${result.directRate.toFixed(2)} vs ${result.proxyRate.toFixed(2)} scans/s, ratio ${result.ratio.toFixed(2)}, errors ${result.errors} | the service on the widget's own JPEG ${signed(result.photo)} ms | app alone p50 ${ms(result.alone.p50)} p90 ${ms(result.alone.p90)} ms, CPU ${ms(result.alone.cpu)} ms/scan`,
    );
  }
  const of = (pick) => median(results.map(pick));
  console.log(
    `  median of ${runs} runs: added latency p50 ${ms(of((r) => r.added.p50))} ms (target < 15), p90 ${ms(of((r) => r.added.p90))} ms; throughput ratio ${of((r) => r.ratio).toFixed(2)} (target >= 0.8); app CPU ${ms(of((r) => r.cpu))} ms/scan; errors ${results.reduce((n, r) => n + r.errors, 0)}`,
  );
  console.log(
    `  the app alone, against a vendor that answers at once: p50 ${ms(of((r) => r.alone.p50))} ms, p90 ${ms(of((r) => r.alone.p90))} ms, app CPU ${ms(of((r) => r.alone.cpu))} ms/scan (the client's round trip included; no engine competing for the cores)`,
  );
  console.log(
    `  against the service given the widget's JPEG itself (this bench's baseline before issue 10): added p50 ${ms(of((r) => r.vsPhoto))} ms; the service's own time on that JPEG against the app's re-encode of it: ${signed(of((r) => r.photo))} ms (the vendor's work on other bytes, not the app's; it varies by photo)`,
  );

  // Soak: 50 scans in flight through the proxy, memory sampled each second.
  const samplesMb = [];
  const sampler = setInterval(() => samplesMb.push({ app: rss(app.child.pid), service: rss(service.pid) }), 1000);
  const soak = await load(sides.proxy, 50, soakSeconds);
  clearInterval(sampler);
  const tenth = Math.max(1, Math.floor(samplesMb.length / 6));
  const peak = (xs, key) => Math.max(...xs.map((x) => x[key]));
  const first = samplesMb.slice(0, tenth);
  const last = samplesMb.slice(-tenth);
  console.log(
    `  50 concurrent for ${soakSeconds} s           ${(soak.done / soakSeconds).toFixed(2)} scans/s, errors ${soak.errors}`,
  );
  console.log(
    `    app RSS      peak ${peak(samplesMb, "app").toFixed(0)} MB; first ${tenth} s peak ${peak(first, "app").toFixed(0)} MB, last ${tenth} s peak ${peak(last, "app").toFixed(0)} MB`,
  );
  console.log(
    `    service RSS  peak ${peak(samplesMb, "service").toFixed(0)} MB; first ${tenth} s peak ${peak(first, "service").toFixed(0)} MB, last ${tenth} s peak ${peak(last, "service").toFixed(0)} MB`,
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  vendor?.close();
  rmSync(dir, { recursive: true, force: true });
}
