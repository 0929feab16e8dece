// Resident memory of the deployable analysis service (`npm run analysis-api`, built bundle) while it
// analyses photos: single stream, then a burst. Reads the kernel's VmRSS/VmHWM for the process,
// worker threads included. Needs `npm run build`. The vite-node figures of bench/analysis.bench.ts
// include the bench harness itself; this is the number a deployment sees.
//   node bench/analysis-service-memory.mjs [photos=30] [burst=20]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const photos = Number(process.argv[2] ?? 30);
const burst = Number(process.argv[3] ?? 20);
const require = createRequire(import.meta.url);
const demo = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");

const status = (pid) => {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
};

// One face (the right third of a demo photo), upscaled to 12 MP as a phone would send it.
const group = readFileSync(join(demo, "sample2.jpg"));
const meta = await sharp(group).metadata();
const third = Math.floor(meta.width / 3);
const photo = await sharp(group)
  .extract({ left: 2 * third, top: 0, width: third, height: meta.height })
  .resize({ height: 4121 })
  .jpeg({ quality: 90 })
  .toBuffer();

const child = spawn(process.execPath, ["build/analysis/api.mjs"], {
  cwd: root,
  env: {
    ...process.env,
    // As package.json's analysis-api script runs it; BENCH_ARENAS= (empty) measures glibc's default.
    MALLOC_ARENA_MAX: process.env.BENCH_ARENAS ?? "2",
    PORT: "0",
    HOST: "127.0.0.1",
    ANALYSIS_API_KEY: "bench-key",
    LOG_LEVEL: "silent",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const base = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`service exited with ${code}`)));
  });
  const post = () =>
    fetch(`${base}/v1/analyses`, {
      method: "POST",
      headers: { authorization: "Bearer bench-key", "content-type": "image/jpeg" },
      body: photo,
    }).then((r) => r.json());
  const idle = status(child.pid);
  let peakSingle = 0;
  for (let i = 0; i < photos; i++) {
    await post();
    peakSingle = Math.max(peakSingle, status(child.pid).rss);
  }
  const afterSingle = status(child.pid);
  await Promise.all(Array.from({ length: burst }, post));
  const afterBurst = status(child.pid);
  console.log(
    `Analysis service memory (2 worker threads, MALLOC_ARENA_MAX=${process.env.BENCH_ARENAS ?? "2"}, 12 MP JPEG of ${(photo.length / 1e6).toFixed(1)} MB); target < 400 MB`,
  );
  console.log(`  after start-up (models loaded)        RSS ${idle.rss.toFixed(0)} MB`);
  console.log(
    `  single stream, ${photos} photos          peak RSS ${peakSingle.toFixed(0)} MB (VmHWM ${afterSingle.peak.toFixed(0)} MB)`,
  );
  console.log(
    `  burst of ${burst} concurrent photos       VmHWM ${afterBurst.peak.toFixed(0)} MB, RSS after ${afterBurst.rss.toFixed(0)} MB`,
  );
} finally {
  child.kill("SIGTERM");
}
