// Fairness, measured (issue 11, item 4; P18): is any skin-tone group refused or misjudged more than the
// others? Everything goes through the whole local engine (landmarks, quality gates, regions, tone), as a
// shopper's upload does.
//   A. Synthetic faces of known colour (app/analysis/synthetic-face.ts), 5 per ITA group from 10 % to
//      90 % through its range, each under neutral light, ±⅓ stop, 1 stop darker, ½ and 1 stop brighter,
//      and warm and cool casts: per group, the refusal rate (and why), and the tone's error against the
//      truth (point estimate, groups off, answers two or more groups off at a confidence above 0.4,
//      whether the range holds the true ITA°, the confidence), as the engine answers.
//   B. The real single-face crops of the face-api demo photos (test/support/real-photos.mjs, read from
//      node_modules), as published and mirrored, padded, resized, ±light and cast: the refusal rate per
//      group, the group being the one measured on the as-published crop with the gates set aside (no
//      truth is known for these people).
//   npx vite-node --config vitest.config.ts bench/engine-fairness.bench.ts      (about 5 minutes)
import sharp from "sharp";
import { itaGroupIndex, type ItaGroup, type LinearRgb } from "../app/analysis/colour";
import type { AnalysisOutcome, AnalysisProvider, ReportedSkinTone } from "../app/analysis/engine";
import { normaliseImage } from "../app/analysis/image.server";
import { measureSkinTone, median, sampleRegions, type SkinTone } from "../app/analysis/indices";
import { createLandmarkPool } from "../app/analysis/landmarks.server";
import { createLocalEngine } from "../app/analysis/local-engine.server";
import { chooseFace } from "../app/analysis/quality";
import { regionPoints } from "../app/analysis/regions";
import { ITA_GROUP_NAMES, itaInGroup, renderSyntheticFace } from "../app/analysis/synthetic-face";
import { realFaceCrops, toJpeg, TRANSFORMS } from "../test/support/real-photos.mjs";

const POSITIONS = [0.1, 0.3, 0.5, 0.7, 0.9];
const LIGHTS: readonly { name: string; kind: string; exposureStops?: number; colourCast?: LinearRgb }[] = [
  { name: "neutral", kind: "neutral" },
  { name: "⅓ stop darker", kind: "±⅓ stop", exposureStops: -1 / 3 },
  { name: "⅓ stop brighter", kind: "±⅓ stop", exposureStops: 1 / 3 },
  { name: "1 stop darker", kind: "1 stop darker", exposureStops: -1 },
  { name: "½ stop brighter", kind: "½–1 stop brighter", exposureStops: 0.5 },
  { name: "1 stop brighter", kind: "½–1 stop brighter", exposureStops: 1 },
  { name: "warm cast", kind: "cast", colourCast: [1.15, 1, 0.8] },
  { name: "cool cast", kind: "cast", colourCast: [0.87, 1, 1.2] },
];
const KINDS = [...new Set(LIGHTS.map((l) => l.kind))];
/** An answer this many groups off, at a confidence above this, is the failure P18 forbids. */
const FAR_GROUPS = 2;
const CONFIDENT = 0.4;

const t0 = performance.now();
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
const pct = (n: number, d: number) => `${n}/${d} (${d ? ((100 * n) / d).toFixed(0) : "–"} %)`;
const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
const countReasons = (outcomes: readonly AnalysisOutcome[]) => {
  const counts = new Map<string, number>();
  for (const o of outcomes) for (const r of o.quality.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${r} ${n}`).join(", ") || "–";
};

async function analyse(engine: AnalysisProvider, jpeg: Buffer): Promise<AnalysisOutcome> {
  const photo = await normaliseImage(jpeg);
  return engine.analyse({ rgb: { data: photo.raw, width: photo.width, height: photo.height }, jpeg: photo.jpeg });
}

const engine = await createLocalEngine({ size: 1 });

// ---------------------------------------------------------------------------------------------
// A. Synthetic faces of known colour
// ---------------------------------------------------------------------------------------------

interface Tried {
  group: ItaGroup;
  truth: number;
  kind: string;
  outcome: AnalysisOutcome;
}

const pool = createLandmarkPool({ size: 1 });
await pool.ready();
/** The tone of the face the gates would choose, measured whatever the gates say (for grouping real faces). */
async function toneWithGatesAside(jpeg: Buffer): Promise<SkinTone | undefined> {
  const photo = await normaliseImage(jpeg);
  const { face } = chooseFace(await pool.detectFaces({ data: photo.raw, width: photo.width, height: photo.height }));
  if (!face) return undefined;
  const image = { data: photo.raw, width: photo.width, height: photo.height, channels: 3 };
  try {
    return measureSkinTone(sampleRegions(image, regionPoints(face, photo.width, photo.height)));
  } catch {
    return undefined; // too few skin pixels in a region
  }
}
const tried: Tried[] = [];
for (const group of ITA_GROUP_NAMES) {
  for (const [p, position] of POSITIONS.entries()) {
    for (const { kind, exposureStops, colourCast } of LIGHTS) {
      const face = renderSyntheticFace({
        width: 600,
        height: 750,
        seed: 11 + p,
        skin: { group, position },
        exposureStops,
        colourCast,
      });
      const jpeg = await sharp(Buffer.from(face.data), { raw: { width: face.width, height: face.height, channels: 3 } })
        .jpeg({ quality: 92 })
        .toBuffer();
      const outcome = await analyse(engine, jpeg);
      tried.push({ group, truth: itaInGroup(group, position), kind, outcome });
    }
  }
}

console.log(
  `A. Synthetic faces through the whole engine: ${POSITIONS.length} skin colours per ITA group × ${LIGHTS.length} lights (${LIGHTS.map((l) => l.name).join(", ")})`,
);
console.log(`\n  Refused, per group and light (${POSITIONS.length} faces per light; reasons over all lights):`);
console.log(`  group        | all lights   | ${KINDS.map((k) => k.padEnd(17)).join(" | ")} | reasons`);
for (const group of ITA_GROUP_NAMES) {
  const rows = tried.filter((t) => t.group === group);
  const refused = rows.filter((t) => t.outcome.status === "refused");
  const byKind = KINDS.map((kind) => {
    const ofKind = rows.filter((t) => t.kind === kind);
    return `${ofKind.filter((t) => t.outcome.status === "refused").length}/${ofKind.length}`.padEnd(17);
  });
  console.log(
    `  ${group.padEnd(12)} | ${pct(refused.length, rows.length).padEnd(12)} | ${byKind.join(" | ")} | ${countReasons(refused.map((t) => t.outcome))}`,
  );
}

function toneTable(title: string, toneOf: (t: Tried) => ReportedSkinTone | undefined) {
  console.log(`\n  Tone error against the truth, ${title}:`);
  console.log(
    "  group        | neutral: |ΔITA°| median / largest, group right | all lights: |ΔITA°| median, groups off (mean), ≥2 off, …at confidence > 0.4, range holds truth, mean confidence",
  );
  for (const group of ITA_GROUP_NAMES) {
    const accepted = tried.flatMap((t) => {
      const tone = t.group === group ? toneOf(t) : undefined;
      return tone ? [{ ...t, tone }] : [];
    });
    const neutral = accepted.filter((t) => t.kind === "neutral");
    const error = (t: (typeof accepted)[number]) => Math.abs(t.tone.itaDegrees - t.truth);
    const off = (t: (typeof accepted)[number]) => Math.abs(itaGroupIndex(t.tone.itaDegrees) - itaGroupIndex(t.truth));
    const far = accepted.filter((t) => off(t) >= FAR_GROUPS);
    const confidentlyFar = far.filter(
      (t) => (t.tone.confidence ?? 1) > CONFIDENT || t.tone.fitzpatrick.confidence > CONFIDENT,
    );
    const holds = accepted.filter((t) => {
      const [low, high] = t.tone.itaRange ?? [NaN, NaN];
      return t.truth >= low && t.truth <= high;
    });
    console.log(
      `  ${group.padEnd(12)} | ${f(median(neutral.map(error)))}° / ${f(Math.max(...neutral.map(error)))}°, ${neutral.filter((t) => off(t) === 0).length}/${neutral.length} | ${f(median(accepted.map(error)))}°, ${f(mean(accepted.map(off)), 2)}, ${far.length}, ${confidentlyFar.length}, ${holds.length}/${accepted.length}, ${f(mean(accepted.map((t) => t.tone.confidence ?? NaN)), 2)}`,
    );
  }
}
toneTable("as the engine answers (accepted photos)", (t) =>
  t.outcome.status === "accepted" ? t.outcome.measurement.indices.skinTone : undefined,
);

// ---------------------------------------------------------------------------------------------
// B. Real demo crops
// ---------------------------------------------------------------------------------------------

const crops = await realFaceCrops();
const real: {
  id: string;
  group: ItaGroup | "none";
  ita: number;
  published: AnalysisOutcome;
  variants: AnalysisOutcome[];
}[] = [];
for (const crop of crops) {
  const jpeg = await toJpeg(crop.image);
  // The group with the gates set aside: the tone measured on the chosen face's regions, whatever the gates say.
  const ita = (await toneWithGatesAside(jpeg))?.itaDegrees ?? NaN;
  const variants: AnalysisOutcome[] = [];
  for (const transform of Object.values(TRANSFORMS))
    variants.push(await analyse(engine, await toJpeg(transform(crop.image))));
  real.push({
    id: crop.id,
    group: Number.isFinite(ita) ? (ITA_GROUP_NAMES[itaGroupIndex(ita)] ?? "dark") : "none",
    ita,
    published: await analyse(engine, jpeg),
    variants,
  });
}
await pool.close();
await engine.close();

console.log(
  `\nB. Real demo crops (${real.length} faces): refused as published, and over the published crop and its ${Object.keys(TRANSFORMS).length} variants (${Object.keys(TRANSFORMS).join(", ")})`,
);
console.log("  group (measured, gates set aside) | faces | refused as published | refused, all variants | reasons");
for (const group of [...ITA_GROUP_NAMES, "none" as const]) {
  const rows = real.filter((r) => r.group === group);
  if (rows.length === 0) continue;
  const all = rows.flatMap((r) => [r.published, ...r.variants]);
  const refused = all.filter((o) => o.status === "refused");
  console.log(
    `  ${group.padEnd(33)} | ${String(rows.length).padEnd(5)} | ${pct(rows.filter((r) => r.published.status === "refused").length, rows.length).padEnd(20)} | ${pct(refused.length, all.length).padEnd(21)} | ${countReasons(refused)}`,
  );
}
const allReal = real.flatMap((r) => [r.published, ...r.variants]);
console.log(
  `  all                               | ${String(real.length).padEnd(5)} | ${pct(real.filter((r) => r.published.status === "refused").length, real.length).padEnd(20)} | ${pct(allReal.filter((o) => o.status === "refused").length, allReal.length).padEnd(21)} |`,
);
console.log(
  `  per face: ${real.map((r) => `${r.id} ${f(r.ita, 0)}° ${r.published.status === "accepted" ? "A" : "R"}${r.variants.map((o) => (o.status === "accepted" ? "a" : "r")).join("")}`).join("; ")}`,
);
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
