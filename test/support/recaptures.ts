/**
 * Re-captures of the same face, for the repeatability of each index (issue 11, item 5; P19): what a
 * shopper's second photo of an unchanged face differs by when taken the same way. Each re-capture is
 * made in linear light, as a camera records it (test/support/real-photos.mjs): the exposure moved by up
 * to ⅓ stop, the face moved by a few pixels in the frame, the JPEG encoded at another quality or twice;
 * a synthetic face also gets new sensor noise. Every capture then goes through the whole local engine
 * as a shopper's upload does (normaliseImage → landmarks → gates → regions → indices).
 *
 * Shared by bench/engine-repeatability.bench.ts (every face) and test/engine-repeatability.test.ts
 * (a few), so the constants in app/analysis/repeatability.ts and their check measure the same thing.
 */
import sharp from "sharp";
import type { ItaGroup, PixelRect } from "../../app/analysis/colour";
import type { AnalysisOutcome, AnalysisProvider } from "../../app/analysis/engine";
import { normaliseImage } from "../../app/analysis/image.server";
import {
  indexValue,
  pooledWithinSd,
  REPEATABILITY,
  REPEATABILITY_INDICES,
  type RepeatabilityIndex,
} from "../../app/analysis/repeatability";
import { renderSyntheticFace, seededRandom, type SyntheticEffects } from "../../app/analysis/synthetic-face";
import { exposure, realFaceCrops, shift, toJpeg, toSrgbBytes, type LinearImage } from "./real-photos.mjs";

export interface Recapture {
  name: string;
  /** Exposure change in stops (linear light × 2^stops). */
  stops: number;
  /** Where the face moves in the frame, in whole pixels (right, down). */
  shift: readonly [number, number];
  /** JPEG quality of the upload. */
  quality: number;
  /** When set, the JPEG is decoded and encoded again at this quality (a photo saved twice). */
  reencode?: number;
}

/** The largest exposure change a re-capture has, in stops either way (what the constants say they cover). */
export const RECAPTURE_MAX_STOPS = REPEATABILITY.conditions.maxExposureStops;

/** The first is the reference; each other differs from it in one way, the last in several at once. */
export const RECAPTURES: readonly Recapture[] = [
  { name: "as taken", stops: 0, shift: [0, 0], quality: 92 },
  { name: "re-encoded (JPEG 92, then 80)", stops: 0, shift: [0, 0], quality: 92, reencode: 80 },
  { name: "moved 3 px right, 2 down", stops: 0, shift: [3, 2], quality: 92 },
  { name: "moved 2 px left, 3 up", stops: 0, shift: [-2, -3], quality: 92 },
  { name: "⅓ stop brighter", stops: RECAPTURE_MAX_STOPS, shift: [0, 0], quality: 92 },
  { name: "⅓ stop darker", stops: -RECAPTURE_MAX_STOPS, shift: [0, 0], quality: 92 },
  { name: "⅙ stop darker, moved 1 px, JPEG 85", stops: -1 / 6, shift: [1, -1], quality: 85 },
];

/** What the camera records for one re-capture (linear light), and where a grey card is, if one is in it. */
export interface Shot {
  image: LinearImage;
  reference?: PixelRect & { reflectance: number };
}

/** A face to re-capture: `render` gives the photo one re-capture makes of it. */
export interface FaceSource {
  id: string;
  kind: "real" | "synthetic";
  /** Synthetic faces: the group their skin colour was rendered in. */
  group?: ItaGroup;
  render(capture: Recapture, index: number): Promise<Shot> | Shot;
}

/** Real single-face crops of the face-api demo photos (read from node_modules, never committed). */
export async function realSources(ids?: readonly string[]): Promise<FaceSource[]> {
  const crops = await realFaceCrops(ids ? { ids } : {});
  return crops.map((crop) => ({
    id: crop.id,
    kind: "real",
    render: (capture) => ({
      image: shift(exposure(crop.image, capture.stops), capture.shift[0], capture.shift[1]),
    }),
  }));
}

/** Effects of middling strength, so no index sits at its floor where a score would hide the noise. */
export const SYNTHETIC_EFFECTS: SyntheticEffects = {
  cheekRedness: 4,
  darkSpots: { count: 6 },
  shine: 0.5,
  underEyeDarkness: 5,
};
const SYNTHETIC_SIZE = { width: 600, height: 750 };
/** Sensor noise of each capture, in 8-bit sRGB code values (the renderer's default). */
const SENSOR_NOISE_SIGMA = 2;
const TO_LINEAR = Float32Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** Adds fresh Gaussian noise to 8-bit sRGB values (Box–Muller, seeded): a new exposure of the same sensor. */
function withSensorNoise(codes: Uint8Array, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const code = Math.min(255, Math.max(0, Math.round((codes[i] ?? 0) + SENSOR_NOISE_SIGMA * gauss)));
    out[i] = TO_LINEAR[code] ?? 0;
  }
  return out;
}

/**
 * Synthetic faces of known colour (app/analysis/synthetic-face.ts), each with the same skin (spots,
 * highlights) in every re-capture: rendered without noise under the capture's exposure, moved in the
 * frame, then given sensor noise of its own. With `card`, an 18 % grey card is in every photo and the
 * engine is told where (and its reflectance), so the light is pinned.
 */
export function syntheticSources(
  groups: readonly ItaGroup[],
  positions: readonly number[],
  options: { card?: boolean } = {},
): FaceSource[] {
  return groups.flatMap((group) =>
    positions.map((position, p): FaceSource => ({
      id: `${group} ${Math.round(position * 100)} %${options.card ? ", card" : ""}`,
      kind: "synthetic",
      group,
      render: (capture, index) => {
        const face = renderSyntheticFace({
          ...SYNTHETIC_SIZE,
          skin: { group, position },
          seed: 1000 + p,
          noiseSigma: 0,
          exposureStops: capture.stops,
          effects: SYNTHETIC_EFFECTS,
          referencePatch: options.card === true,
        });
        const [dx, dy] = capture.shift;
        const moved = shift(
          { width: face.width, height: face.height, data: Float32Array.from(face.data, (v) => TO_LINEAR[v] ?? 0) },
          dx,
          dy,
        );
        const image = { ...moved, data: withSensorNoise(toSrgbBytes(moved), 7919 * (p + 1) + index) };
        const patch = face.referencePatch;
        return { image, ...(patch ? { reference: { ...patch, x: patch.x + dx, y: patch.y + dy } } : {}) };
      },
    })),
  );
}

/** The upload a re-capture makes: JPEG at its quality, saved again when it says so. */
export async function recaptureJpeg(image: LinearImage, capture: Recapture): Promise<Buffer> {
  const jpeg = await toJpeg(image, capture.quality);
  return capture.reencode === undefined ? jpeg : sharp(jpeg).jpeg({ quality: capture.reencode }).toBuffer();
}

export interface FaceCaptures {
  source: FaceSource;
  outcomes: AnalysisOutcome[];
}

/** Every re-capture of every face, through the whole engine. */
export async function captureAll(
  engine: AnalysisProvider,
  sources: readonly FaceSource[],
  captures: readonly Recapture[] = RECAPTURES,
): Promise<FaceCaptures[]> {
  const out: FaceCaptures[] = [];
  for (const source of sources) {
    const outcomes: AnalysisOutcome[] = [];
    for (const [index, capture] of captures.entries()) {
      const shot = await source.render(capture, index);
      const photo = await normaliseImage(await recaptureJpeg(shot.image, capture));
      outcomes.push(
        await engine.analyse({
          rgb: { data: photo.raw, width: photo.width, height: photo.height },
          jpeg: photo.jpeg,
          ...(shot.reference ? { reference: shot.reference } : {}),
        }),
      );
    }
    out.push({ source, outcomes });
  }
  return out;
}

export interface RepeatabilityFigures {
  /** Pooled within-face standard deviation of each index, over the accepted captures. */
  sd: Record<RepeatabilityIndex, number>;
  /** Faces with at least two accepted captures (the ones that count). */
  faces: number;
  /** Accepted captures of those faces. */
  captures: number;
  /** Faces accepted in some captures and refused in others. */
  verdictFlips: number;
}

/** Each index's value in each accepted capture of each face (faces with fewer than two left out). */
export function valuesByFace(
  results: readonly FaceCaptures[],
  index: RepeatabilityIndex,
): { id: string; values: number[] }[] {
  return results
    .map(({ source, outcomes }) => ({
      id: source.id,
      values: outcomes.flatMap((o) => (o.status === "accepted" ? [indexValue(index, o.measurement.indices)] : [])),
    }))
    .filter(({ values }) => values.length >= 2);
}

/**
 * What the constants hold: per index, the larger of the sets' SDs (the real crops and the synthetic
 * faces), so that a change called real is beyond the noise of both.
 */
export function largerSd(...sets: readonly RepeatabilityFigures[]): Record<RepeatabilityIndex, number> {
  return Object.fromEntries(
    REPEATABILITY_INDICES.map((index) => [index, Math.max(...sets.map((set) => set.sd[index]))]),
  ) as Record<RepeatabilityIndex, number>;
}

/** The within-face SD of each index over the accepted captures of each face. */
export function repeatabilityOf(results: readonly FaceCaptures[]): RepeatabilityFigures {
  const counted = results.filter(({ outcomes }) => outcomes.filter((o) => o.status === "accepted").length >= 2);
  const sd = Object.fromEntries(
    REPEATABILITY_INDICES.map((index) => [
      index,
      pooledWithinSd(valuesByFace(results, index).map(({ values }) => values)),
    ]),
  ) as Record<RepeatabilityIndex, number>;
  return {
    sd,
    faces: counted.length,
    captures: counted.reduce((n, { outcomes }) => n + outcomes.filter((o) => o.status === "accepted").length, 0),
    verdictFlips: results.filter(({ outcomes }) => new Set(outcomes.map((o) => o.status)).size > 1).length,
  };
}
