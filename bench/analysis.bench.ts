// The built-in analysis engine (issue #3): model load and first-photo time; ms per photo single-stream
// for a 1 MP and a 12 MP JPEG (the full pipeline: normaliseImage + engine.analyse) with decode+normalise
// alone as the same-run baseline; photos per second with a 2-thread landmark pool, with a 1-thread pool
// as the same-run baseline; peak resident memory.
// Targets (issue 11, item 6; 2 cores): the widget's 1024 px photo < 80 ms median through the whole pipeline,
// a 12 MP photo < 150 ms, ≥ 10 photos/s with two worker threads, the service < 400 MB resident (that last
// one measured by bench/analysis-service-memory.mjs: this harness holds every queued photo itself).
//   npx vite-node --config vitest.config.ts bench/analysis.bench.ts
//
// Inputs are made in memory from a face-api demo photo (read from node_modules, never copied into the
// repository): a crop around one face, upscaled with sharp to ~1 MP and ~12 MP and encoded as JPEG.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import type { AnalysisInput, AnalysisOutcome, AnalysisProvider } from "../app/analysis/engine";
import { MAX_IMAGE_BYTES, normaliseImage } from "../app/analysis/image.server";
import { createLocalEngine } from "../app/analysis/local-engine.server";

/**
 * Median ms per photo, full pipeline, single stream: the widget's photo (1024 px long side; a 1 MP photo is
 * brought down to that size) and a 12 MP phone photo.
 */
const TARGET_MS_PER_PHOTO = { "1024 px": 80, "1 MP": 80, "12 MP": 150 } as const;
const TARGET_PHOTOS_PER_SECOND = 10;
const TARGET_RSS_MB = 400;

const WARM_UP = 3;
/** Bounded loops: each timed series stops at this many photos or this many milliseconds, whichever first. */
const SINGLE_STREAM = { "1024 px": 30, "1 MP": 30, "12 MP": 15 } as const;
const SERIES_CAP_MS = 12_000;
const CONCURRENT_PHOTOS = 40;

// ---------------------------------------------------------------------------------------------
// Memory: RSS sampled during the whole run, plus the kernel's own high-water mark
// ---------------------------------------------------------------------------------------------

let peakRss = process.memoryUsage().rss;
/** RSS at the start of each phase and the peak within it, to show where the memory goes. */
const phases: { name: string; startRss: number; peakRss: number }[] = [];
function phase(name: string): void {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  phases.push({ name, startRss: rss, peakRss: rss });
}
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  const current = phases.at(-1);
  if (current) current.peakRss = Math.max(current.peakRss, rss);
}, 10);
sampler.unref();
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const DEMO = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");

/**
 * One person: the right-hand face of sample2.jpg, framed 3:4 like a selfie. Chosen because the engine
 * accepts it (one face, facing the camera, evenly lit), so the timings cover the whole pipeline.
 */
const CROP = { file: "sample2.jpg", left: 1135, top: 0, width: 785, height: 1111 } as const;

async function faceCrop(): Promise<Buffer> {
  const { file, ...region } = CROP;
  return sharp(readFileSync(join(DEMO, file)))
    .extract(region)
    .png()
    .toBuffer();
}

/**
 * The crop scaled to about `megapixels` (as a phone camera JPEG would arrive) or, given `longSide`, to
 * that long side (as the widget sends it: 1024 px).
 */
async function upscaled(
  crop: Buffer,
  megapixels: number,
  longSide?: number,
): Promise<{ bytes: Buffer; width: number; height: number }> {
  const meta = await sharp(crop).metadata();
  const scale = longSide
    ? longSide / Math.max(meta.width ?? 1, meta.height ?? 1)
    : Math.sqrt((megapixels * 1e6) / ((meta.width ?? 1) * (meta.height ?? 1)));
  const width = Math.round((meta.width ?? 1) * scale);
  const height = Math.round((meta.height ?? 1) * scale);
  const bytes = await sharp(crop).resize(width, height, { kernel: "lanczos3" }).jpeg({ quality: 90 }).toBuffer();
  if (bytes.length > MAX_IMAGE_BYTES)
    throw new Error(`${megapixels} MP input is ${bytes.length} bytes, over the limit`);
  return { bytes, width, height };
}

async function input(bytes: Buffer): Promise<AnalysisInput> {
  const n = await normaliseImage(bytes);
  return { rgb: { data: n.raw, width: n.width, height: n.height }, jpeg: n.jpeg };
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

interface Series {
  n: number;
  median: number;
  p90: number;
  /**
   * CPU ms per photo, all of the process's threads (the landmark worker's included): on a shared host
   * the wall-clock figures move with other people's load, this one far less.
   */
  cpu: number;
}

/** Runs `work` sequentially up to `count` times (capped at SERIES_CAP_MS) after a warm-up. */
async function series(count: number, work: () => Promise<unknown>): Promise<Series> {
  for (let i = 0; i < WARM_UP; i++) await work();
  const times: number[] = [];
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < SERIES_CAP_MS; i++) {
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpuStart);
  times.sort((a, b) => a - b);
  return {
    n: times.length,
    median: percentile(times, 0.5),
    p90: percentile(times, 0.9),
    cpu: (cpu.user + cpu.system) / 1000 / times.length,
  };
}

/** Sends `count` photos at once (each normalised then analysed) and returns photos per second. */
async function throughput(engine: AnalysisProvider, bytes: Buffer, count: number): Promise<number> {
  await Promise.all(Array.from({ length: 4 }, async () => engine.analyse(await input(bytes)))); // warm-up
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, async () => engine.analyse(await input(bytes))));
  return count / ((performance.now() - started) / 1000);
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`.padStart(9);
const verdict = (ok: boolean) => (ok ? "meets target" : "MISSES target");
const describeOutcome = (o: AnalysisOutcome) =>
  o.status === "accepted"
    ? `accepted (ITA° ${o.measurement.indices.skinTone.itaDegrees.toFixed(1)}, ${o.measurement.indices.skinTone.group})`
    : `refused (${o.quality.reasons.join(", ")})`;

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

const runStarted = performance.now();
const crop = await faceCrop();
const photos = {
  "1024 px": await upscaled(crop, 0, 1024),
  "1 MP": await upscaled(crop, 1),
  "12 MP": await upscaled(crop, 12),
};
const baseRss = process.memoryUsage().rss;
console.log("Analysis engine bench (local engine: sharp + @vladmandic/human on tfjs-wasm, worker threads)");
for (const [name, p] of Object.entries(photos)) {
  console.log(`  input ${name}: ${p.width}×${p.height} JPEG, ${(p.bytes.length / 1024).toFixed(0)} KB`);
}

// Model load and first photo: a fresh engine with one worker thread.
phase("model load + first photo, 1 worker thread");
let t = performance.now();
const single = await createLocalEngine({ size: 1 });
const loadMs = performance.now() - t;
t = performance.now();
const first = await single.analyse(await input(photos["1024 px"].bytes));
const firstMs = performance.now() - t;
console.log("\nStart-up (1 worker thread)");
console.log(`  model load (createLocalEngine)     ${fmt(loadMs)}`);
console.log(`  first photo (1024 px, full pipeline) ${fmt(firstMs)}   → ${describeOutcome(first)}`);

phase("single stream, 1 worker thread");
console.log(
  `\nSingle stream, ms per photo (median / p90), after ${WARM_UP} warm-up photos; target (median) beside each`,
);
for (const [name, count] of Object.entries(SINGLE_STREAM) as [keyof typeof photos, number][]) {
  const { bytes } = photos[name];
  const prepared = await input(bytes);
  const baseline = await series(count, () => normaliseImage(bytes));
  const engineOnly = await series(count, () => single.analyse(prepared));
  const full = await series(count, async () => single.analyse(await input(bytes)));
  console.log(`  ${name} (target < ${TARGET_MS_PER_PHOTO[name]} ms)`);
  console.log(
    `    decode+normalise only (baseline)  ${fmt(baseline.median)} / ${fmt(baseline.p90)}   n=${baseline.n}   CPU ${fmt(baseline.cpu)}`,
  );
  console.log(
    `    engine.analyse only               ${fmt(engineOnly.median)} / ${fmt(engineOnly.p90)}   n=${engineOnly.n}   CPU ${fmt(engineOnly.cpu)}`,
  );
  console.log(
    `    full pipeline                     ${fmt(full.median)} / ${fmt(full.p90)}   n=${full.n}   CPU ${fmt(full.cpu)}   ${verdict(full.median < TARGET_MS_PER_PHOTO[name])}`,
  );
}
await single.close();

// Throughput: N photos sent at once, with 1 thread (baseline) and 2 threads.
console.log(
  `\nThroughput, ${CONCURRENT_PHOTOS} photos sent concurrently (full pipeline); target ≥ ${TARGET_PHOTOS_PER_SECOND}/s with 2`,
);
for (const size of [1, 2]) {
  phase(`throughput, ${size} worker thread${size > 1 ? "s" : ""}`);
  const engine = await createLocalEngine({ size });
  for (const name of ["1024 px", "12 MP"] as const) {
    const rate = await throughput(engine, photos[name].bytes, CONCURRENT_PHOTOS);
    const note = size === 2 ? `   ${verdict(rate >= TARGET_PHOTOS_PER_SECOND)}` : "   (baseline)";
    console.log(
      `  ${size} worker thread${size > 1 ? "s" : " "}, ${name.padEnd(7)}  ${rate.toFixed(1).padStart(5)} photos/s${note}`,
    );
  }
  await engine.close();
}

clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const maxRss = process.resourceUsage().maxRSS * 1024; // reported in kilobytes
console.log(
  `\nMemory of this harness (the service's own: bench/analysis-service-memory.mjs); target < ${TARGET_RSS_MB} MB`,
);
console.log(
  `  peak RSS sampled every 10 ms       ${mb(peakRss).padStart(5)} MB   ${verdict(peakRss < TARGET_RSS_MB * 1024 * 1024)}`,
);
console.log(
  `  maxRSS (process.resourceUsage)     ${mb(maxRss).padStart(5)} MB   ${verdict(maxRss < TARGET_RSS_MB * 1024 * 1024)}`,
);
console.log(`    before any engine (vite-node + sharp + inputs)  ${mb(baseRss).padStart(4)} MB`);
for (const p of phases) {
  console.log(`    ${p.name.padEnd(44)} start ${mb(p.startRss).padStart(4)} MB, peak ${mb(p.peakRss).padStart(4)} MB`);
}
console.log(`\ntotal bench time ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
