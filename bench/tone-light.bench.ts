// Skin tone under unknown light (issue 11, item 3; P18): which estimates of the light help, and what the
// tone's range does on the synthetic faces, per ITA° group. Prints:
//   A. each light estimator on the real demo crops (test/support/real-photos.mjs, read from node_modules):
//      how far its reading varies between faces of the same photo (same light) and across photos,
//      beside the errors it would have to catch (1 stop; the warm and cool casts), and how well it
//      follows a known exposure or cast applied to the photo;
//   B. the frame's grey-world statistics on the synthetic faces, per group (does the reading depend on
//      the skin it is meant to be independent of?);
//   C. per ITA° group on the synthetic faces, under neutral light, ±1 stop, +½ stop, −⅓ stop and the
//      warm and cool casts, without and with a grey card: how often the range holds the true ITA°, its
//      width, the groups it spans, the confidence, the answers two or more groups off at a confidence
//      above 0.4 (target: none), and photos the exposure gates refuse;
//   D. how much resizing and re-encoding move the median skin colour (the range's measurement term).
//   npx vite-node --config vitest.config.ts bench/tone-light.bench.ts
import sharp from "sharp";
import {
  itaGroupIndex,
  type LinearRgb,
  luminance,
  meanLinearRgbInRect,
  srgb8ToLinear,
  whiteBalanceGains,
} from "../app/analysis/colour";
import type { DetectedFace } from "../app/analysis/face";
import { CARD_LIGHT, CAST_UNIT, UNKNOWN_LIGHT } from "../app/analysis/illuminant";
import { measureSkinTone, median, quantile, sampleRegions, type SkinTone } from "../app/analysis/indices";
import { normaliseImage } from "../app/analysis/image.server";
import { createLandmarkPool } from "../app/analysis/landmarks.server";
import { GATES } from "../app/analysis/quality";
import { regionPoints } from "../app/analysis/regions";
import { ITA_GROUP_NAMES, itaInGroup, renderSyntheticFace } from "../app/analysis/synthetic-face";
import { LIGHT_TRANSFORMS, realFaceCrops, toJpeg } from "../test/support/real-photos.mjs";

type Image = { width: number; height: number; channels: number; data: Uint8Array | Uint8ClampedArray };
const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
const sd = (values: number[]) => {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length - 1));
};
/** Pooled standard deviation within groups (faces of the same photo share its light). */
function pooledSd(groups: number[][]): number {
  let squares = 0;
  let freedom = 0;
  for (const g of groups) {
    if (g.length < 2) continue;
    const m = g.reduce((a, b) => a + b, 0) / g.length;
    squares += g.reduce((a, b) => a + (b - m) ** 2, 0);
    freedom += g.length - 1;
  }
  return Math.sqrt(squares / freedom);
}

// ---------------------------------------------------------------------------------------------
// The estimators measured (only the card is used by the engine: see docs/analysis-engine.md)
// ---------------------------------------------------------------------------------------------

/** A reading of the light: exposure (log2 of a luminance) and cast (log2 of red/green and blue/green). */
interface Reading {
  exposure: number;
  red: number;
  blue: number;
}
const readingOf = (rgb: LinearRgb): Reading => ({
  exposure: Math.log2(luminance(rgb)),
  red: Math.log2(rgb[0] / rgb[1]),
  blue: Math.log2(rgb[2] / rgb[1]),
});
const pixel = (image: Image, x: number, y: number): LinearRgb => {
  const o = (y * image.width + x) * image.channels;
  return [
    srgb8ToLinear(image.data[o] ?? 0),
    srgb8ToLinear(image.data[o + 1] ?? 0),
    srgb8ToLinear(image.data[o + 2] ?? 0),
  ];
};
const medianRgb = (pixels: LinearRgb[]): LinearRgb => [
  median(pixels.map((p) => p[0])),
  median(pixels.map((p) => p[1])),
  median(pixels.map((p) => p[2])),
];

/** FaceMesh eye contours (MediaPipe's canonical indices), each eye's outline in order. */
const EYE_CONTOURS = [
  [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246],
  [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466],
] as const;

function insidePolygon(x: number, y: number, polygon: readonly (readonly number[])[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi = 0, yi = 0] = polygon[i] ?? [];
    const [xj = 0, yj = 0] = polygon[j] ?? [];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The whites of the eyes: the brightest fifth of the pixels inside both eye contours (iris, lashes and lids are darker). */
function sclera(image: Image, face: DetectedFace): Reading | null {
  const pixels: LinearRgb[] = [];
  for (const contour of EYE_CONTOURS) {
    const polygon = contour.map((i) => face.mesh[i] ?? [0, 0, 0]);
    const xs = polygon.map((p) => p[0] ?? 0);
    const ys = polygon.map((p) => p[1] ?? 0);
    for (let y = Math.max(0, Math.floor(Math.min(...ys))); y <= Math.min(image.height - 1, Math.max(...ys)); y++) {
      for (let x = Math.max(0, Math.floor(Math.min(...xs))); x <= Math.min(image.width - 1, Math.max(...xs)); x++) {
        if (insidePolygon(x + 0.5, y + 0.5, polygon)) pixels.push(pixel(image, x, y));
      }
    }
  }
  if (pixels.length < 20) return null;
  const threshold = quantile(
    pixels.map((p) => luminance(p)),
    0.8,
  );
  return readingOf(medianRgb(pixels.filter((p) => luminance(p) >= threshold)));
}

/** Specular highlights: the brightest 2 % of forehead and nose pixels (the light's colour, if unclipped). */
function specular(image: Image, face: DetectedFace): Reading {
  const points = regionPoints(face, image.width, image.height);
  const pixels = [...points.forehead, ...points.nose].map(({ x, y }) => pixel(image, x, y));
  const threshold = quantile(
    pixels.map((p) => luminance(p)),
    0.98,
  );
  return readingOf(medianRgb(pixels.filter((p) => luminance(p) >= threshold)));
}

/** Grey world: the whole frame's mean colour (cast) and median luminance (exposure). */
function greyWorld(image: Image): Reading {
  const sum = [0, 0, 0];
  const lum: number[] = [];
  for (let y = 0; y < image.height; y += 4) {
    for (let x = 0; x < image.width; x += 4) {
      const p = pixel(image, x, y);
      sum[0] = (sum[0] ?? 0) + p[0];
      sum[1] = (sum[1] ?? 0) + p[1];
      sum[2] = (sum[2] ?? 0) + p[2];
      lum.push(luminance(p));
    }
  }
  return {
    exposure: Math.log2(median(lum)),
    red: Math.log2((sum[0] ?? 0) / (sum[1] ?? 1)),
    blue: Math.log2((sum[2] ?? 0) / (sum[1] ?? 1)),
  };
}

// ---------------------------------------------------------------------------------------------
// A. Estimators on the real crops
// ---------------------------------------------------------------------------------------------

const ESTIMATORS = ["sclera", "specular", "grey world"] as const;
type Estimator = (typeof ESTIMATORS)[number];
/** The applied change each light transform should show as, in the readings' units. */
const APPLIED: Record<string, Reading> = {
  "1 stop darker": { exposure: -1, red: 0, blue: 0 },
  "½ stop brighter": { exposure: 0.5, red: 0, blue: 0 },
  "warm cast": { exposure: NaN, red: CAST_UNIT.log2Red, blue: CAST_UNIT.log2Blue },
  "cool cast": { exposure: NaN, red: Math.log2(0.87), blue: Math.log2(1.2) },
};

console.log("A. Light estimators on the real demo crops (as published, and with each light change applied)");
const pool = createLandmarkPool({ size: 1 });
await pool.ready();
const crops = await realFaceCrops();
const asPublished: Record<Estimator, { photo: string; reading: Reading }[]> = {
  sclera: [],
  specular: [],
  "grey world": [],
};
const recovery: Record<Estimator, Record<string, { exposure: number[]; red: number[]; blue: number[] }>> = {
  sclera: {},
  specular: {},
  "grey world": {},
};
const baseFaces = new Map<string, { image: Image; face: DetectedFace }>();
for (const crop of crops) {
  const readings = new Map<string, Record<Estimator, Reading | null>>();
  const variants: [string, typeof crop.image][] = [
    ["as published", crop.image],
    ...Object.entries(LIGHT_TRANSFORMS).map(([k, t]): [string, typeof crop.image] => [k, t(crop.image)]),
  ];
  for (const [light, image] of variants) {
    const photo = await normaliseImage(await toJpeg(image));
    const rgb: Image = { width: photo.width, height: photo.height, channels: 3, data: photo.raw };
    const faces = await pool.detectFaces({ data: photo.raw, width: photo.width, height: photo.height });
    const face = [...faces].sort((a, b) => b.box.width - a.box.width)[0];
    if (!face) continue;
    if (light === "as published") baseFaces.set(crop.id, { image: rgb, face });
    readings.set(light, { sclera: sclera(rgb, face), specular: specular(rgb, face), "grey world": greyWorld(rgb) });
  }
  const base = readings.get("as published");
  if (!base) continue;
  for (const estimator of ESTIMATORS) {
    const b = base[estimator];
    if (!b) continue;
    asPublished[estimator].push({ photo: crop.file, reading: b });
    for (const light of Object.keys(LIGHT_TRANSFORMS)) {
      const r = readings.get(light)?.[estimator];
      const applied = APPLIED[light];
      if (!r || !applied) continue;
      const slot = (recovery[estimator][light] ??= { exposure: [], red: [], blue: [] });
      slot.exposure.push(r.exposure - b.exposure - applied.exposure);
      slot.red.push(r.red - b.red - applied.red);
      slot.blue.push(r.blue - b.blue - applied.blue);
    }
  }
}
console.log(
  `  ${crops.length} crops. Errors to catch: exposure 1 stop; casts: log2 red/green ${f(CAST_UNIT.log2Red)} / ${f(Math.log2(0.87))}, log2 blue/green ${f(CAST_UNIT.log2Blue)} / ${f(Math.log2(1.2))}.`,
);
console.log(
  "  estimator    | spread between faces of one photo (same light): exposure, log2 r/g, log2 b/g | across all photos",
);
for (const estimator of ESTIMATORS) {
  const rows = asPublished[estimator];
  const photos = [...new Set(rows.map((r) => r.photo))];
  const byPhoto = (key: keyof Reading) =>
    photos.map((photo) => rows.filter((r) => r.photo === photo).map((r) => r.reading[key]));
  console.log(
    `  ${estimator.padEnd(12)} | SD ${f(pooledSd(byPhoto("exposure")))} stop, ${f(pooledSd(byPhoto("red")))}, ${f(pooledSd(byPhoto("blue")))} (n ${rows.length}) | SD ${f(sd(rows.map((r) => r.reading.exposure)))} stop, ${f(sd(rows.map((r) => r.reading.red)))}, ${f(sd(rows.map((r) => r.reading.blue)))}`,
  );
}
console.log(
  "  following a known change (median |reading change − applied change|): exposure (stops) / log2 r/g / log2 b/g",
);
for (const estimator of ESTIMATORS) {
  const cells = Object.entries(recovery[estimator]).map(([light, r]) => {
    const m = (values: number[]) => median(values.filter(Number.isFinite).map(Math.abs));
    return `${light}: ${f(m(r.exposure))} / ${f(m(r.red))} / ${f(m(r.blue))}`;
  });
  console.log(`  ${estimator.padEnd(12)} | ${cells.join("; ")}`);
}

// ---------------------------------------------------------------------------------------------
// B. Grey world on the synthetic faces: does the frame's reading depend on the skin?
// ---------------------------------------------------------------------------------------------

console.log("\nB. Grey world on the synthetic faces under neutral light (true exposure 0, no cast), per group");
const neutralFrames = ITA_GROUP_NAMES.map((group) => ({
  group,
  reading: greyWorld(renderSyntheticFace({ width: 160, height: 200, skin: { group, position: 0.5 } })),
}));
const reference = neutralFrames[2]?.reading ?? { exposure: 0, red: 0, blue: 0 };
for (const { group, reading } of neutralFrames) {
  console.log(
    `  ${group.padEnd(12)} exposure read ${f(reading.exposure - reference.exposure)} stop, log2 r/g ${f(reading.red - reference.red)}, log2 b/g ${f(reading.blue - reference.blue)} (relative to intermediate)`,
  );
}

// ---------------------------------------------------------------------------------------------
// C. The tone's range per group on the synthetic faces
// ---------------------------------------------------------------------------------------------

const LIGHTS: readonly { name: string; exposureStops?: number; colourCast?: LinearRgb }[] = [
  { name: "neutral" },
  { name: "1 stop darker", exposureStops: -1 },
  { name: "1 stop brighter", exposureStops: 1 },
  { name: "½ stop brighter", exposureStops: 0.5 },
  { name: "⅓ stop darker", exposureStops: -1 / 3 },
  { name: "warm cast", colourCast: [1.15, 1, 0.8] },
  { name: "cool cast", colourCast: [0.87, 1, 1.2] },
];
const POSITIONS = [0.1, 0.25, 0.5, 0.75, 0.9];

function clippedOrDark(face: Image & { regions: ReturnType<typeof renderSyntheticFace>["regions"] }, tone: SkinTone) {
  let clipped = 0;
  let total = 0;
  for (const points of Object.values(face.regions)) {
    for (const { x, y } of points) {
      const i = (y * face.width + x) * face.channels;
      if (face.data[i] === 255 || face.data[i + 1] === 255 || face.data[i + 2] === 255) clipped++;
      total++;
    }
  }
  return clipped / total > GATES.maxClippedShare || tone.lab.L < GATES.minSkinL;
}

console.log(
  `\nC. The tone's range per group, synthetic faces (${POSITIONS.length} positions per group × ${LIGHTS.length} lights: ${LIGHTS.map((l) => l.name).join(", ")})`,
);
console.log(
  "  group        | refused | no card: range holds truth, median width, mean groups, mean confidence, point ≥2 groups off, of those above 0.4 | grey card: holds truth, group right, median width, mean confidence",
);
const summary = { covered: 0, n: 0, confidentlyFar: 0 };
for (const group of ITA_GROUP_NAMES) {
  const none: { tone: SkinTone; truth: number }[] = [];
  const card: { tone: SkinTone; truth: number }[] = [];
  let refused = 0;
  for (const position of POSITIONS) {
    for (const { exposureStops, colourCast } of LIGHTS) {
      const face = renderSyntheticFace({
        width: 160,
        height: 200,
        skin: { group, position },
        exposureStops,
        colourCast,
        referencePatch: true,
      });
      const patch = face.referencePatch!;
      const truth = itaInGroup(group, position);
      const plain = measureSkinTone(sampleRegions(face, face.regions), UNKNOWN_LIGHT);
      if (clippedOrDark(face, plain)) {
        refused++;
        continue;
      }
      const gains = whiteBalanceGains(meanLinearRgbInRect(face, patch, 2), patch.reflectance);
      none.push({ tone: plain, truth });
      card.push({ tone: measureSkinTone(sampleRegions(face, face.regions, gains), CARD_LIGHT), truth });
    }
  }
  const holds = (rows: typeof none) =>
    rows.filter(({ tone, truth }) => truth >= tone.itaRange[0] && truth <= tone.itaRange[1]).length;
  const width = (rows: typeof none) => median(rows.map(({ tone }) => tone.itaRange[1] - tone.itaRange[0]));
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const far = none.filter(({ tone, truth }) => Math.abs(itaGroupIndex(tone.itaDegrees) - itaGroupIndex(truth)) >= 2);
  const confidentlyFar = far.filter(({ tone }) => tone.confidence > 0.4 || tone.fitzpatrick.confidence > 0.4).length;
  summary.covered += holds(none);
  summary.n += none.length;
  summary.confidentlyFar += confidentlyFar;
  console.log(
    `  ${group.padEnd(12)} | ${String(refused).padStart(2)}/${POSITIONS.length * LIGHTS.length} | ${holds(none)}/${none.length}, ${f(width(none), 0)}°, ${f(mean(none.map((r) => r.tone.groups.length)), 1)}, ${f(mean(none.map((r) => r.tone.confidence)))}, ${far.length}, ${confidentlyFar} | ${holds(card)}/${card.length}, ${card.filter(({ tone }) => tone.group === group).length}/${card.length}, ${f(width(card), 0)}°, ${f(mean(card.map((r) => r.tone.confidence)))}`,
  );
}
console.log(
  `  all groups: range holds the truth ${summary.covered}/${summary.n}; answers ≥ 2 groups off at a confidence above 0.4: ${summary.confidentlyFar} (target 0)`,
);

// ---------------------------------------------------------------------------------------------
// D. The measurement term: resizing and re-encoding the real crops
// ---------------------------------------------------------------------------------------------

console.log("\nD. The median skin colour under resizing and re-encoding (real crops, the same landmarks scaled)");
const deltas = { L: [] as number[], b: [] as number[], ita: [] as number[] };
for (const { image, face } of baseFaces.values()) {
  const toneOf = (img: Image, f2: DetectedFace) =>
    measureSkinTone(sampleRegions(img, regionPoints(f2, img.width, img.height)));
  const base = toneOf(image, face);
  const raw = sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } });
  for (const [longSide, quality] of [
    [image.height, 75],
    [800, 92],
    [640, 92],
  ] as const) {
    const width = Math.round((image.width * longSide) / image.height);
    const scale = width / image.width;
    const { data, info } = await sharp(await raw.clone().resize(width).jpeg({ quality }).toBuffer())
      .raw()
      .toBuffer({ resolveWithObject: true });
    const scaled = {
      ...face,
      mesh: face.mesh.map(([x, y, z]) => [x * scale, y * scale, z] as [number, number, number]),
    };
    const tone = toneOf({ width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) }, scaled);
    deltas.L.push(Math.abs(tone.lab.L - base.lab.L));
    deltas.b.push(Math.abs(tone.lab.b - base.lab.b));
    deltas.ita.push(Math.abs(tone.itaDegrees - base.itaDegrees));
  }
}
const spread = (values: number[]) => `median ${f(median(values))}, largest ${f(Math.max(...values))}`;
console.log(
  `  |ΔL*| ${spread(deltas.L)}; |Δb*| ${spread(deltas.b)}; |ΔITA°| ${spread(deltas.ita)} (${deltas.L.length} pairs: JPEG quality 75, 800 px, 640 px)`,
);

await pool.close();
