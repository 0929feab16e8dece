// Robustness of the built-in engine on real portraits (issue 11, P18), measured the way a shopper meets
// it: single faces cropped from the face-api demo photos (test/support/real-photos.mjs, read from
// node_modules), each also mirrored, padded into 16:9 and 9:16 frames, resized, made one stop darker or
// half a stop brighter, or given a warm or cool cast (all in linear light), sent as JPEGs to the
// deployable analysis service (`npm run analysis-api`, the built bundle).
// Prints, each beside its target:
//   - the refusal rate on the untouched crops (target ≤ 25 %), and why each refused one was refused;
//   - framing invariance: pairs with the same verdict and |ΔITA°| ≤ 3 (target: all), per transform the
//     largest and median |ΔITA°|;
//   - light: per transform, verdict changes, tone groups moved, and the largest confidence given with a
//     move of two or more groups (target: never above 0.4).
// Needs `npm run build`.   node bench/engine-robustness.mjs [--per-photo]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FRAMING_TRANSFORMS, LIGHT_TRANSFORMS, realFaceCrops, toJpeg } from "../test/support/real-photos.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const perPhoto = process.argv.includes("--per-photo");
const TARGET_REFUSAL_RATE = 0.25;
const TARGET_MAX_DELTA_ITA = 3;
const TARGET_MAX_CONFIDENCE_TWO_GROUPS = 0.4;
const GROUPS = ["very light", "light", "intermediate", "tan", "brown", "dark"];

if (!existsSync(join(root, "build/analysis/api.mjs"))) {
  console.error("Run `npm run build` first: this bench measures the built analysis service.");
  process.exit(1);
}

const child = spawn(process.execPath, ["build/analysis/api.mjs"], {
  cwd: root,
  env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ANALYSIS_API_KEY: "bench-key", LOG_LEVEL: "silent" },
  stdio: ["ignore", "pipe", "inherit"],
});

/** @param {number[]} values */
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[s.length >> 1] ?? NaN)
      : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const pct = (/** @type {number} */ n, /** @type {number} */ d) => `${((100 * n) / Math.max(1, d)).toFixed(0)} %`;
const fmt = (/** @type {number | undefined} */ v, digits = 1) =>
  v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits);

/**
 * @typedef {{ status: string, reasons: string[], ita?: number, group?: string, confidence?: number }} Result
 * @param {any} body @returns {Result}
 */
function summarise(body) {
  const tone = body?.measurement?.indices?.skinTone;
  return {
    status: body?.status ?? `error ${body?.error?.code ?? "?"}`,
    reasons: body?.quality?.reasons ?? [],
    ita: typeof tone?.itaDegrees === "number" ? tone.itaDegrees : undefined,
    group: tone?.group,
    confidence: tone?.fitzpatrick?.confidence ?? tone?.confidence,
  };
}

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
  /** @param {Buffer} jpeg @returns {Promise<Result>} */
  const analyse = async (jpeg) => {
    const res = await fetch(`${base}/v1/analyses`, {
      method: "POST",
      headers: { authorization: "Bearer bench-key", "content-type": "image/jpeg" },
      body: jpeg,
    });
    return summarise(await res.json());
  };

  const started = performance.now();
  const crops = await realFaceCrops();
  /** @type {{ id: string, base: Result, framing: Record<string, Result>, light: Record<string, Result> }[]} */
  const rows = [];
  for (const crop of crops) {
    const row = { id: crop.id, base: await analyse(await toJpeg(crop.image)), framing: {}, light: {} };
    for (const [name, transform] of Object.entries(FRAMING_TRANSFORMS)) {
      row.framing[name] = await analyse(await toJpeg(transform(crop.image)));
    }
    for (const [name, transform] of Object.entries(LIGHT_TRANSFORMS)) {
      row.light[name] = await analyse(await toJpeg(transform(crop.image)));
    }
    rows.push(row);
  }
  const seconds = (performance.now() - started) / 1000;
  const verdict = (/** @type {Result} */ r) =>
    r.status === "accepted" ? `${r.group} ${fmt(r.ita)}°` : `refused: ${r.reasons.join(", ")}`;

  if (perPhoto) {
    console.log("Per photo: the crop's verdict, then each transform's (ΔITA° when both were measured)");
    for (const row of rows) {
      console.log(`  ${row.id.padEnd(10)} ${verdict(row.base)}`);
      for (const [name, r] of Object.entries({ ...row.framing, ...row.light })) {
        const delta = r.ita !== undefined && row.base.ita !== undefined ? ` (Δ ${fmt(r.ita - row.base.ita)}°)` : "";
        console.log(`      ${name.padEnd(16)} ${verdict(r)}${delta}`);
      }
    }
    console.log("");
  }

  const refused = rows.filter((r) => r.base.status !== "accepted");
  console.log(
    `Engine robustness on real portraits: ${rows.length} single-face crops from the face-api demo photos, ` +
      `${rows.length * (1 + Object.keys(FRAMING_TRANSFORMS).length + Object.keys(LIGHT_TRANSFORMS).length)} photos in ${seconds.toFixed(0)} s`,
  );
  const why = new Map();
  for (const r of refused) for (const reason of r.base.reasons) why.set(reason, (why.get(reason) ?? 0) + 1);
  console.log(
    `  refused, untouched crops       ${refused.length}/${rows.length} (${pct(refused.length, rows.length)})` +
      `   target ≤ ${TARGET_REFUSAL_RATE * 100} %   ${[...why].map(([k, v]) => `${k} ${v}`).join(", ")}`,
  );

  let agree = 0;
  let pairs = 0;
  console.log(`  framing (target: same verdict and |ΔITA°| ≤ ${TARGET_MAX_DELTA_ITA} in every pair)`);
  for (const name of Object.keys(FRAMING_TRANSFORMS)) {
    let same = 0;
    /** @type {number[]} */
    const deltas = [];
    for (const row of rows) {
      const r = row.framing[name];
      if (!r) continue;
      const d = r.ita !== undefined && row.base.ita !== undefined ? Math.abs(r.ita - row.base.ita) : undefined;
      if (d !== undefined) deltas.push(d);
      if (r.status === row.base.status && (d === undefined || d <= TARGET_MAX_DELTA_ITA)) same++;
    }
    agree += same;
    pairs += rows.length;
    console.log(
      `    ${name.padEnd(16)} agree ${same}/${rows.length}   |ΔITA°| max ${fmt(Math.max(...deltas))}, median ${fmt(median(deltas))}`,
    );
  }
  console.log(`    all framing pairs agree      ${agree}/${pairs} (${pct(agree, pairs)})   target 100 %`);

  console.log(
    `  light (target: never two or more groups moved at a confidence above ${TARGET_MAX_CONFIDENCE_TWO_GROUPS})`,
  );
  for (const name of Object.keys(LIGHT_TRANSFORMS)) {
    let flips = 0;
    let moved = 0;
    let movedTwo = 0;
    let worst = 0;
    /** @type {number[]} */
    const deltas = [];
    for (const row of rows) {
      const r = row.light[name];
      if (!r) continue;
      if (r.status !== row.base.status) flips++;
      if (r.ita === undefined || row.base.ita === undefined) continue;
      deltas.push(r.ita - row.base.ita);
      const groups = Math.abs(GROUPS.indexOf(r.group ?? "") - GROUPS.indexOf(row.base.group ?? ""));
      if (groups >= 1) moved++;
      if (groups >= 2) {
        movedTwo++;
        worst = Math.max(worst, r.confidence ?? 0);
      }
    }
    console.log(
      `    ${name.padEnd(16)} verdict changed ${flips}/${rows.length}   ΔITA° median ${fmt(median(deltas))}   ` +
        `group moved ${moved}, two or more ${movedTwo} (highest confidence then ${movedTwo ? fmt(worst, 2) : "–"})`,
    );
  }
} finally {
  child.kill();
}
