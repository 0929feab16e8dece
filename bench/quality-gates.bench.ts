// The measurements behind the quality gates' thresholds (docs/analysis-engine.md, "What each gate
// measures, and why its threshold"; issue 11, item 2):
//   1. side light on the 18 synthetic faces: the light ratio between the two sides of the face (the
//      evenness gate's measure) against how far ITA° and the same-photo indices move;
//   2. half the face under other light (a hard shadow, a warm or a cool cast): the same;
//   3. face size: the real crops resized from 1024 px down to 208 px, by the distance between the eyes;
//   4. head tilt: the real crops turned in their plane by ±15°, ±30°, ±45°, by the resulting roll.
// Real photos: single faces cropped from the face-api demo photos (test/support/real-photos.mjs), each
// change made in linear light and sent as a JPEG through the engine's own decoding.
//   npx vite-node --config vitest.config.ts bench/quality-gates.bench.ts
import { normaliseImage } from "../app/analysis/image.server";
import { analyseSkin, sampleRegions, type RegionSamples } from "../app/analysis/indices";
import { createLandmarkPool } from "../app/analysis/landmarks.server";
import { chooseFace, GATES, lightEvenness } from "../app/analysis/quality";
import { interOcularDistance, regionPoints } from "../app/analysis/regions";
import { ITA_GROUP_NAMES, renderSyntheticFace, type SyntheticFaceOptions } from "../app/analysis/synthetic-face";
import {
  CASTS,
  realFaceCrops,
  resizeLongSide,
  rotate,
  toJpeg,
  type LinearImage,
} from "../test/support/real-photos.mjs";

const max = (values: number[]) => Math.max(...values);
const min = (values: number[]) => Math.min(...values);
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : "–");

interface Measured {
  ita: number;
  redness: number;
  underEye: number;
  unevenness: number;
}
function measure(samples: RegionSamples): Measured {
  const indices = analyseSkin(samples);
  return {
    ita: indices.skinTone.itaDegrees,
    redness: indices.redness.deltaA,
    underEye: indices.underEyeDarkness.deltaL,
    unevenness: indices.unevenness.lSpreadIqr,
  };
}

const SKINS = ITA_GROUP_NAMES.flatMap((group) => [0.25, 0.5, 0.75].map((position) => ({ group, position })));
const BASE: Omit<SyntheticFaceOptions, "skin"> = { width: 480, height: 600, seed: 7 };

// 1. Side light ---------------------------------------------------------------------------------
console.log(`1. Side light on ${SKINS.length} synthetic faces (gate: ≤ ${GATES.maxSideLightStops} stops)`);
console.log(
  "   gradient | side light, stops | max |ΔITA°| | max |Δ redness Δa*| | max |Δ under-eye ΔL*| | max |Δ IQR|",
);
for (const gradient of [0.3, 0.6, 0.9, 1.1, 1.3, 1.5, 1.9]) {
  const rows = SKINS.map((skin) => {
    const even = renderSyntheticFace({ ...BASE, skin, shading: { gradient: 0 } });
    const lit = renderSyntheticFace({ ...BASE, skin, shading: { gradient } });
    const before = measure(sampleRegions(even, even.regions));
    const samples = sampleRegions(lit, lit.regions);
    const after = measure(samples);
    return {
      stops: lightEvenness(samples).stops,
      ita: Math.abs(after.ita - before.ita),
      redness: Math.abs(after.redness - before.redness),
      underEye: Math.abs(after.underEye - before.underEye),
      unevenness: Math.abs(after.unevenness - before.unevenness),
    };
  });
  console.log(
    `   ${f(gradient, 1).padStart(8)} | ${f(min(rows.map((r) => r.stops)))}–${f(max(rows.map((r) => r.stops)))}` +
      `         | ${f(max(rows.map((r) => r.ita))).padStart(9)} | ${f(max(rows.map((r) => r.redness))).padStart(17)}` +
      ` | ${f(max(rows.map((r) => r.underEye))).padStart(19)} | ${f(max(rows.map((r) => r.unevenness)))}`,
  );
}

// 2. Half the face under other light ------------------------------------------------------------
console.log("\n2. The right half of the face under other light (the left half of one render onto another)");
console.log("   light on one half | side light, stops | colour Δb* | max |ΔITA°| | max |Δ redness Δa*|");
const halves: [string, SyntheticFaceOptions["colourCast"]][] = [
  ["¼ stop darker", [2 ** -0.25, 2 ** -0.25, 2 ** -0.25]],
  ["½ stop darker", [2 ** -0.5, 2 ** -0.5, 2 ** -0.5]],
  ["1 stop darker", [0.5, 0.5, 0.5]],
  ["warm cast", CASTS.warm],
  ["cool cast", CASTS.cool],
];
for (const [name, colourCast] of halves) {
  const rows = SKINS.map((skin) => {
    const even = renderSyntheticFace({ ...BASE, skin, shading: { gradient: 0 } });
    const other = renderSyntheticFace({ ...BASE, skin, shading: { gradient: 0 }, colourCast });
    const data = new Uint8ClampedArray(even.data);
    for (let y = 0; y < even.height; y++) {
      const from = (y * even.width + even.width / 2) * 3;
      data.set(other.data.subarray(from, from + (even.width / 2) * 3), from);
    }
    const samples = sampleRegions({ ...even, data }, even.regions);
    const before = measure(sampleRegions(even, even.regions));
    const after = measure(samples);
    const light = lightEvenness(samples);
    return {
      stops: light.stops,
      colour: light.colourDelta,
      ita: Math.abs(after.ita - before.ita),
      redness: Math.abs(after.redness - before.redness),
    };
  });
  console.log(
    `   ${name.padEnd(17)} | ${f(min(rows.map((r) => r.stops)))}–${f(max(rows.map((r) => r.stops)))}` +
      `         | ${f(min(rows.map((r) => r.colour)), 1)}–${f(max(rows.map((r) => r.colour)), 1)}` +
      `   | ${f(max(rows.map((r) => r.ita)), 1).padStart(9)} | ${f(max(rows.map((r) => r.redness)))}`,
  );
}

// 3 and 4. Real crops: size and tilt --------------------------------------------------------------
const pool = createLandmarkPool();
await pool.ready();
const crops = await realFaceCrops();
interface RealMeasure extends Measured {
  iod: number;
  roll: number;
}
/** As a shopper's photo reaches the engine: a JPEG, decoded and normalised. */
async function measureReal(image: LinearImage): Promise<RealMeasure | null> {
  const photo = await normaliseImage(await toJpeg(image));
  const rgb = { data: photo.raw, width: photo.width, height: photo.height };
  const { face } = chooseFace(await pool.detectFaces(rgb));
  if (!face) return null;
  const samples = sampleRegions({ ...rgb, channels: 3 }, regionPoints(face, rgb.width, rgb.height));
  try {
    return { ...measure(samples), iod: interOcularDistance(face), roll: face.rotation?.roll ?? 0 };
  } catch {
    return null; // a region with too few pixels
  }
}
const originals = new Map<string, RealMeasure>();
for (const crop of crops) {
  const m = await measureReal(crop.image);
  if (m) originals.set(crop.id, m);
}
// Face paint under the eyes makes that index meaningless whatever the size.
const PAINTED = new Set(["s1-left", "s1-middle"]);

interface Change {
  id: string;
  key: number;
  ita: number;
  redness: number;
  underEye: number;
}
function table(title: string, keyName: string, bins: [number, number][], changes: Change[], found: string) {
  console.log(`\n${title} (${found})`);
  console.log(
    `   ${keyName} | n | |ΔITA°| median / p90 / max | max |Δ redness Δa*| | max |Δ under-eye ΔL*| (no face paint)`,
  );
  for (const [lo, hi] of bins) {
    const rows = changes.filter((c) => c.key >= lo && c.key < hi);
    if (rows.length === 0) continue;
    const ita = rows.map((r) => r.ita);
    const worst = rows.reduce((a, b) => (b.ita > a.ita ? b : a));
    const underEye = rows.filter((r) => !PAINTED.has(r.id)).map((r) => r.underEye);
    console.log(
      `   ${`${lo}–${hi}`.padEnd(keyName.length)} | ${rows.length} | ${f(quantile(ita, 0.5), 1)} / ${f(quantile(ita, 0.9), 1)} / ` +
        `${f(max(ita), 1)} (${worst.id}) | ${f(max(rows.map((r) => r.redness)))} | ${underEye.length ? f(max(underEye), 1) : "–"}`,
    );
  }
}

const sizes: Change[] = [];
let tried = 0;
let lost = 0;
for (const crop of crops) {
  const original = originals.get(crop.id);
  if (!original) continue;
  for (const longSide of [768, 640, 512, 448, 384, 320, 256, 208]) {
    tried++;
    const m = await measureReal(resizeLongSide(crop.image, longSide));
    if (!m) {
      lost++;
      continue;
    }
    sizes.push({
      id: crop.id,
      key: m.iod,
      ita: Math.abs(m.ita - original.ita),
      redness: Math.abs(m.redness - original.redness),
      underEye: Math.abs(m.underEye - original.underEye),
    });
  }
}
table(
  `3. Face size: ${originals.size} real crops resized from 1024 px to 768…208 px (gate: eyes ≥ ${GATES.minInterOcularPx} px apart)`,
  "eyes apart, px",
  [
    [80, 200],
    [60, 80],
    [50, 60],
    [40, 50],
    [35, 40],
    [0, 35],
  ],
  sizes,
  `${lost} of ${tried} resized crops without a measurable face`,
);

const tilts: Change[] = [];
for (const crop of crops) {
  const original = originals.get(crop.id);
  if (!original) continue;
  for (const degrees of [-45, -30, -15, 15, 30, 45]) {
    const m = await measureReal(rotate(crop.image, degrees));
    if (!m) continue;
    tilts.push({
      id: crop.id,
      key: Math.abs(m.roll),
      ita: Math.abs(m.ita - original.ita),
      redness: Math.abs(m.redness - original.redness),
      underEye: Math.abs(m.underEye - original.underEye),
    });
  }
}
table(
  `4. Head tilt: the real crops turned in their plane by ±15°, ±30°, ±45° (gate: roll ≤ ${GATES.maxRollDeg}°)`,
  "resulting roll, °",
  [
    [0, 10],
    [10, 20],
    [20, 30],
    [30, 40],
    [40, 50],
    [50, 70],
    [70, 91],
  ],
  tilts,
  `${tilts.length} turned crops measured`,
);
await pool.close();
