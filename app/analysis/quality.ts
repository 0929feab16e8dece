import { chroma, type Lab, type RgbImage } from "./colour";
import type { DetectedFace, FaceBox } from "./face";
import {
  median,
  MIN_REGION_SAMPLES,
  SPECULAR_MAX_CHROMA_RATIO,
  SPECULAR_MIN_DELTA_L,
  type RegionPoints,
  type RegionSamples,
  type SkinSample,
} from "./indices";
import { interOcularDistance } from "./regions";

/**
 * Quality gates: the engine refuses to guess on a photo it cannot measure, and says why in
 * terms a shopper can act on. Codes are stable (the widget translates them); thresholds are
 * named so docs/analysis-engine.md can quote them.
 */
export type QualityReason =
  | "no_face"
  | "multiple_faces"
  | "face_unclear"
  | "move_closer"
  | "face_camera"
  | "too_dark"
  | "too_bright"
  | "uneven_light"
  | "face_obscured";

export const QUALITY_HINTS: Readonly<Record<QualityReason, string>> = {
  no_face: "We could not find a face. Face the camera in good light.",
  multiple_faces: "Only one face, please: make sure nobody else is in the picture.",
  face_unclear: "We could not see your whole face clearly. Face the camera, hold still, and check the lens is clean.",
  move_closer: "Move closer, so your face fills more of the frame.",
  face_camera: "Face the camera straight on, with your head level.",
  too_dark: "Too dark. Face a window or a lamp.",
  too_bright: "Too bright: part of your face is washed out. Step away from direct light.",
  uneven_light:
    "One side of your face is in shadow. Turn so the light (a window or lamp) is in front of you, not to one side.",
  face_obscured: "Part of your face is covered. Move hair, glasses or hands away from it.",
};

export const GATES = {
  /**
   * A second face counts only when the face detector itself (BlazeFace) is this sure of it. The
   * mesh's own score says how face-like a crop is, and is high for a crop of the same face's
   * forehead or a corner of it, so it is not used to count people.
   */
  otherFaceScore: 0.5,
  /**
   * A second box whose area lies at least this much inside the chosen face's box is the same face
   * found twice (a box on the forehead and hair), not another person.
   */
  sameFaceOverlap: 0.5,
  /** FaceMesh's own confidence in its landmarks: 1.0 on every frontal or three-quarter demo face. */
  minFaceScore: 0.9,
  /** Eyes at least this many pixels apart in the analysed (≤ 1024 px) image. */
  minInterOcularPx: 40,
  /** Head turned or nodded: beyond these the mesh's angles themselves were not measured on real faces. */
  maxYawDeg: 30,
  maxPitchDeg: 25,
  /** A tilted head: regions follow the mesh, and ITA° did not move with the tilt up to 90° (docs). */
  maxRollDeg: 60,
  /** Median L* of the skin regions. */
  minSkinL: 25,
  /** Share of skin pixels with a channel at 255 (clipped, colour lost). */
  maxClippedShare: 0.05,
  /**
   * How much more light one side of the face gets than the other, in stops (log2 of the ratio of the
   * median luminance of their skin pixels): a measure of the light, the same for every skin tone.
   */
  maxSideLightStops: 1.1,
} as const;

export interface QualityVerdict {
  ok: boolean;
  reasons: QualityReason[];
  hints: string[];
  measured: Record<string, number>;
}

function verdict(reasons: QualityReason[], measured: Record<string, number>): QualityVerdict {
  return { ok: reasons.length === 0, reasons, hints: reasons.map((r) => QUALITY_HINTS[r]), measured };
}

/** Share of box `b`'s area that lies inside box `a`. */
function shareInside(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const area = b.width * b.height;
  return w > 0 && h > 0 && area > 0 ? (w * h) / area : 0;
}

/**
 * Which face to analyse, or why none can be. The face is the one the detector is surest of; another
 * counts as a second person only when the detector is sure of it too and it is not the same face
 * boxed twice.
 */
export function chooseFace(faces: readonly DetectedFace[]): { face?: DetectedFace; verdict: QualityVerdict } {
  const candidates = faces
    .filter((f) => f.score >= GATES.otherFaceScore)
    .sort((a, b) => b.boxScore - a.boxScore || b.box.width * b.box.height - a.box.width * a.box.height);
  const face = candidates[0];
  if (!face) return { verdict: verdict(["no_face"], { faces: faces.length }) };
  const others = candidates
    .slice(1)
    .filter((f) => f.boxScore >= GATES.otherFaceScore && shareInside(face.box, f.box) < GATES.sameFaceOverlap);
  if (others.length > 0) return { verdict: verdict(["multiple_faces"], { faces: others.length + 1 }) };
  const reasons: QualityReason[] = [];
  const iod = interOcularDistance(face);
  if (face.score < GATES.minFaceScore) reasons.push("face_unclear");
  if (iod < GATES.minInterOcularPx) reasons.push("move_closer");
  // The mesh gives the pose; without one the pose gate cannot judge, and the light gates still apply.
  const { yaw, pitch, roll } = face.rotation ?? { yaw: 0, pitch: 0, roll: 0 };
  if (Math.abs(yaw) > GATES.maxYawDeg || Math.abs(pitch) > GATES.maxPitchDeg || Math.abs(roll) > GATES.maxRollDeg) {
    reasons.push("face_camera");
  }
  return { face, verdict: verdict(reasons, { faceScore: face.score, interOcularPx: iod, yaw, pitch, roll }) };
}

function clippedShare(image: RgbImage, points: RegionPoints): number {
  let clipped = 0;
  let total = 0;
  for (const region of Object.values(points)) {
    for (const { x, y } of region) {
      const i = (y * image.width + x) * image.channels;
      if (image.data[i] === 255 || image.data[i + 1] === 255 || image.data[i + 2] === 255) clipped++;
      total++;
    }
  }
  return total === 0 ? 0 : clipped / total;
}

// ---------------------------------------------------------------------------------------------
// Evenness: the light on the skin
// ---------------------------------------------------------------------------------------------

/** Skin pixels: hue within this many degrees of the face's own skin… */
export const SKIN_HUE_TOLERANCE_DEG = 25;
/** …and colourfulness for their lightness within this factor of the face's (either way). */
export const SKIN_CHROMA_FACTOR = 2;

const RAD_TO_DEG = 180 / Math.PI;
const hueOf = (s: Lab): number => Math.atan2(s.b, s.a) * RAD_TO_DEG;
/**
 * Chroma per unit of (L* + 16): both scale with the cube root of the light, so the ratio is a
 * property of the surface, the same in light and in shadow (and so is the hue).
 */
const chromaRatioOf = (s: Lab): number => chroma(s) / (s.L + 16);
/** Relative luminance Y (0–1) of an L* value: the inverse of CIELAB's lightness function. */
function luminanceOfL(L: number): number {
  const f = (L + 16) / 116;
  return f > 6 / 29 ? f ** 3 : 3 * (6 / 29) ** 2 * (f - 4 / 29);
}

/** A region's pixels without specular highlights (the same rule the indices use). */
function notSpecular(region: readonly SkinSample[]): SkinSample[] {
  const medianL = median(region.map((s) => s.L));
  const medianChroma = median(region.map(chroma));
  return region.filter(
    (s) => !(s.L > medianL + SPECULAR_MIN_DELTA_L && chroma(s) < medianChroma * SPECULAR_MAX_CHROMA_RATIO),
  );
}

/**
 * The pixels of one side of the face that are its skin, lit diffusely: within a hue and colourfulness
 * band around the side's own median (so a side lit by light of another colour still counts, while
 * hair, eyebrow, beard, lipstick, a mole or background do not), and not a specular highlight.
 */
function skinOnly(pixels: readonly SkinSample[]): SkinSample[] {
  const matte = notSpecular(pixels);
  const hue = median(matte.map(hueOf));
  const chromaRatio = median(matte.map(chromaRatioOf));
  return matte.filter((s) => {
    const dh = Math.abs(((hueOf(s) - hue + 540) % 360) - 180);
    const ratio = chromaRatioOf(s) / chromaRatio;
    return dh <= SKIN_HUE_TOLERANCE_DEG && ratio <= SKIN_CHROMA_FACTOR && ratio >= 1 / SKIN_CHROMA_FACTOR;
  });
}

export interface LightEvenness {
  /**
   * log2 of the ratio of the light falling on the two sides of the face, from the median luminance
   * of their skin pixels: 0 is even, 1 is one side getting twice the light of the other. NaN when a
   * side has too few skin pixels to tell.
   */
  stops: number;
  /**
   * How differently coloured the light on the two sides is, on the yellow–blue axis that ITA° reads:
   * the difference of their median b*, each scaled to the face's median lightness so that light and
   * shadow of one colour match (a window on one side and a lamp on the other). Reported, not a gate:
   * it barely moves the same-photo indices, and makes the tone uncertain rather than unmeasurable.
   */
  colourDelta: number;
}

const centroid = (pixels: readonly SkinSample[]) => ({
  x: pixels.reduce((sum, p) => sum + p.x, 0) / Math.max(1, pixels.length),
  y: pixels.reduce((sum, p) => sum + p.y, 0) / Math.max(1, pixels.length),
});

/**
 * How unevenly the face is lit, from its two sides: each side is its cheek, the skin under its eye and
 * its half of the forehead. These are mirror images on the face mesh, so the skin's own colour
 * (albedo) cancels and what differs is the light. Only skin pixels count, and only medians, so a lock
 * of hair or a make-up line does not decide it. In stops, the measure is the same for every skin tone
 * (a difference in L* is not: the same shadow takes more L* from light skin than from dark skin).
 */
export function lightEvenness(samples: RegionSamples): LightEvenness {
  // The forehead is split along the face's midline: across the line joining the cheeks.
  const left = centroid(samples.leftCheek);
  const right = centroid(samples.rightCheek);
  const middle = centroid(samples.forehead);
  const across = { x: left.x - right.x, y: left.y - right.y };
  const onLeft = (p: SkinSample) => (p.x - middle.x) * across.x + (p.y - middle.y) * across.y > 0;
  const sides = {
    left: skinOnly([...samples.leftCheek, ...samples.leftUnderEye, ...samples.forehead.filter(onLeft)]),
    right: skinOnly([...samples.rightCheek, ...samples.rightUnderEye, ...samples.forehead.filter((p) => !onLeft(p))]),
  };
  const faceL = median([...sides.left, ...sides.right].map((s) => s.L));
  const bOf = (side: readonly SkinSample[]) =>
    (median(side.map((s) => s.b)) * (faceL + 16)) / (median(side.map((s) => s.L)) + 16);
  const enough = sides.left.length >= MIN_REGION_SAMPLES && sides.right.length >= MIN_REGION_SAMPLES;
  if (!enough) return { stops: NaN, colourDelta: NaN };
  const yLeft = luminanceOfL(median(sides.left.map((s) => s.L)));
  const yRight = luminanceOfL(median(sides.right.map((s) => s.L)));
  return { stops: Math.abs(Math.log2(yLeft / yRight)), colourDelta: Math.abs(bOf(sides.left) - bOf(sides.right)) };
}

/** Exposure, evenness and coverage, measured on the skin regions themselves. */
export function checkLighting(image: RgbImage, points: RegionPoints, samples: RegionSamples): QualityVerdict {
  const reasons: QualityReason[] = [];
  const smallest = Math.min(...Object.values(samples).map((s) => s.length));
  if (smallest < MIN_REGION_SAMPLES) return verdict(["face_obscured"], { smallestRegionPixels: smallest });
  const skinL = median(Object.values(samples).flatMap((s) => s.map((p) => p.L)));
  const clipped = clippedShare(image, points);
  const light = lightEvenness(samples);
  if (skinL < GATES.minSkinL) reasons.push("too_dark");
  if (clipped > GATES.maxClippedShare) reasons.push("too_bright");
  if (light.stops > GATES.maxSideLightStops) reasons.push("uneven_light");
  return verdict(reasons, {
    skinL,
    clippedShare: clipped,
    sideLightStops: light.stops,
    sideColourDelta: light.colourDelta,
  });
}
