// Repeatability of each index for before/after tracking (issue 11, item 5; P19): how much ITA°, redness,
// unevenness, shine and under-eye darkness move between re-captures of the same, unchanged face, and
// the minimal detectable change MDC95 = 1.96·√2·SD, printed beside the constants the app uses
// (app/analysis/repeatability.ts), so drift shows in the same run.
//   Re-captures (test/support/recaptures.ts): the same face re-encoded, moved a few pixels, re-lit by
//   ±⅓ stop (and all three a little at once), each through the whole local engine as an upload.
//   Faces: the real single-face crops of the face-api demo photos (test/support/real-photos.mjs, read
//   from node_modules) and synthetic faces of each ITA group (app/analysis/synthetic-face.ts, with fresh
//   sensor noise per capture); with a grey card too, for information (the app does not use that figure).
// Prints per set the pooled within-face SD of each index, the faces that contribute most to it, what
// each kind of re-capture contributes, and the constants to paste when the engine changes.
//   npx vite-node --config vitest.config.ts bench/engine-repeatability.bench.ts      (about 5 minutes)
import type { AnalysisOutcome } from "../app/analysis/engine";
import { createLocalEngine, LOCAL_ENGINE } from "../app/analysis/local-engine.server";
import {
  indexValue,
  mdc95,
  REPEATABILITY,
  REPEATABILITY_INDICES,
  type RepeatabilityIndex,
} from "../app/analysis/repeatability";
import { ITA_GROUP_NAMES } from "../app/analysis/synthetic-face";
import {
  captureAll,
  type FaceCaptures,
  largerSd,
  RECAPTURES,
  realSources,
  repeatabilityOf,
  syntheticSources,
  valuesByFace,
} from "../test/support/recaptures";

const SYNTHETIC_POSITIONS = [0.25, 0.75];
/** How far a fresh SD may be from the constant before the bench calls it drift (as the P19 test does). */
const DRIFT_FACTOR = 1.5;

const digits: Record<RepeatabilityIndex, number> = { ita: 2, redness: 3, unevenness: 3, shine: 4, underEye: 2 };
const f = (index: RepeatabilityIndex, v: number) => (Number.isFinite(v) ? v.toFixed(digits[index]) : "–");
const pad = (s: string, n: number) => s.padEnd(n);
const t0 = performance.now();

const engine = await createLocalEngine({ size: 1 });
console.log("Repeatability of each index across re-captures of the same face (issue 11, item 5; P19)");
console.log(`  re-captures: ${RECAPTURES.map((c) => c.name).join("; ")}`);
const sameEngine =
  LOCAL_ENGINE.name === REPEATABILITY.engine.name && LOCAL_ENGINE.version === REPEATABILITY.engine.version;
console.log(
  `  engine now: ${LOCAL_ENGINE.name} ${LOCAL_ENGINE.version}; constants measured on ${REPEATABILITY.engine.name} ${REPEATABILITY.engine.version} (${REPEATABILITY.measuredOn})${sameEngine ? "" : "  ← DIFFERENT: re-measure and update app/analysis/repeatability.ts"}`,
);

const sets = {
  "real demo crops": await captureAll(engine, await realSources()),
  "synthetic faces": await captureAll(engine, syntheticSources(ITA_GROUP_NAMES, SYNTHETIC_POSITIONS)),
};
const withCard = await captureAll(engine, syntheticSources(ITA_GROUP_NAMES, SYNTHETIC_POSITIONS, { card: true }));
await engine.close();

const reasonsOf = (results: readonly FaceCaptures[]) => {
  const counts = new Map<string, number>();
  for (const { outcomes } of results) {
    for (const o of outcomes) for (const r of o.quality.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  return [...counts].map(([r, n]) => `${r} ${n}`).join(", ") || "none";
};

const figures = Object.fromEntries(Object.entries(sets).map(([name, results]) => [name, repeatabilityOf(results)]));
for (const [name, results] of Object.entries(sets)) {
  const fig = figures[name]!;
  const refusedAlways = results.filter(({ outcomes }) => outcomes.every((o) => o.status === "refused")).length;
  console.log(
    `\n${name}: ${results.length} faces × ${RECAPTURES.length} captures; counted ${fig.faces} faces (${fig.captures} accepted captures); refused in every capture ${refusedAlways}; verdict changed between captures of the same face ${fig.verdictFlips}; refusal reasons: ${reasonsOf(results)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The figures beside the constants
// ---------------------------------------------------------------------------------------------

const used = largerSd(...Object.values(figures));
console.log(
  "\nindex       | SD real crops | SD synthetic | SD used (larger) | MDC95 = 1.96·√2·SD | constant SD / MDC95 | drift",
);
for (const index of REPEATABILITY_INDICES) {
  const constant = REPEATABILITY.indices[index];
  const ratio = used[index] / constant.sd;
  const drift = !(ratio <= DRIFT_FACTOR && ratio >= 1 / DRIFT_FACTOR);
  console.log(
    `${pad(index, 11)} | ${pad(f(index, figures["real demo crops"]!.sd[index]), 13)} | ${pad(f(index, figures["synthetic faces"]!.sd[index]), 12)} | ${pad(f(index, used[index]), 16)} | ${pad(f(index, mdc95(used[index])), 18)} | ${pad(`${f(index, constant.sd)} / ${f(index, constant.mdc95)}`, 19)} | ${drift ? `DRIFT (×${ratio.toFixed(2)})` : `ok (×${ratio.toFixed(2)})`}`,
  );
}
for (const index of REPEATABILITY_INDICES) console.log(`  ${index}: ${REPEATABILITY.indices[index].quantity}`);

// ---------------------------------------------------------------------------------------------
// Where the noise comes from
// ---------------------------------------------------------------------------------------------

console.log("\nFaces that contribute most to each SD (share of the pooled sum of squares):");
for (const [name, results] of Object.entries(sets)) {
  for (const index of REPEATABILITY_INDICES) {
    const perFace = valuesByFace(results, index).map(({ id, values }) => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return { id, squares: values.reduce((a, b) => a + (b - mean) ** 2, 0) };
    });
    const total = perFace.reduce((a, b) => a + b.squares, 0);
    const top = [...perFace].sort((a, b) => b.squares - a.squares).slice(0, 2);
    console.log(
      `  ${pad(name, 15)} ${pad(index, 10)} ${top.map((t) => `${t.id} ${((100 * t.squares) / Math.max(total, Number.MIN_VALUE)).toFixed(0)} %`).join(", ")}`,
    );
  }
}

/** RMS change from the as-taken capture, over √2: the SD that kind of re-capture alone would give. */
function perCapture(results: readonly FaceCaptures[], index: RepeatabilityIndex, k: number): number {
  const value = (o: AnalysisOutcome | undefined) =>
    o?.status === "accepted" ? indexValue(index, o.measurement.indices) : NaN;
  const diffs = results
    .map(({ outcomes }) => value(outcomes[k]) - value(outcomes[0]))
    .filter((d) => Number.isFinite(d));
  return Math.sqrt(diffs.reduce((a, d) => a + d * d, 0) / Math.max(1, diffs.length)) / Math.SQRT2;
}
console.log("\nWhat each kind of re-capture contributes (RMS change from the as-taken photo ÷ √2, in SD units):");
for (const [name, results] of Object.entries(sets)) {
  console.log(`  ${name}`);
  for (const [k, capture] of RECAPTURES.entries()) {
    if (k === 0) continue;
    console.log(
      `    ${pad(capture.name, 36)} ${REPEATABILITY_INDICES.map((index) => `${index} ${f(index, perCapture(results, index, k))}`).join("  ")}`,
    );
  }
}

const card = repeatabilityOf(withCard);
console.log(
  `\nWith an 18 % grey card given to the engine (synthetic faces only, light pinned; for information, the app does not use it): ITA° SD ${f("ita", card.sd.ita)}, MDC95 ${f("ita", mdc95(card.sd.ita))} (${card.faces} faces, ${card.captures} captures)`,
);

console.log("\nTo update app/analysis/repeatability.ts after an engine change (SD used):");
console.log(
  `  version "${LOCAL_ENGINE.version}"; ${REPEATABILITY_INDICES.map((index) => `${index}: ${f(index, used[index])}`).join(", ")}`,
);
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
