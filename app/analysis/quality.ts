import type { RgbImage } from "./colour";
import type { DetectedFace } from "./face";
import { median, MIN_REGION_SAMPLES, type RegionPoints, type RegionSamples } from "./indices";
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
  face_unclear: "The face is not clear enough. Hold still and check the lens is clean.",
  move_closer: "Move closer, so your face fills more of the frame.",
  face_camera: "Face the camera straight on, with your head level.",
  too_dark: "Too dark. Face a window or a lamp.",
  too_bright: "Too bright: part of your face is washed out. Step away from direct light.",
  uneven_light: "The light is uneven. Face the light so both cheeks are equally lit.",
  face_obscured: "Part of your face is covered. Move hair, glasses or hands away from it.",
};

export const GATES = {
  /** A second face counts only above this detector score (ignores faces in posters, reflections). */
  otherFaceScore: 0.5,
  minFaceScore: 0.6,
  /** Eyes at least this many pixels apart in the analysed (≤ 1024 px) image. */
  minInterOcularPx: 60,
  maxYawDeg: 20,
  maxPitchDeg: 20,
  maxRollDeg: 25,
  /** Median L* of the skin regions. */
  minSkinL: 25,
  /** Share of skin pixels with a channel at 255 (clipped, colour lost). */
  maxClippedShare: 0.05,
  /** |L*(left cheek) − L*(right cheek)|. */
  maxCheekDeltaL: 10,
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

/** Which face to analyse, or why none can be. */
export function chooseFace(faces: readonly DetectedFace[]): { face?: DetectedFace; verdict: QualityVerdict } {
  const candidates = faces.filter((f) => f.score >= GATES.otherFaceScore);
  if (candidates.length === 0) return { verdict: verdict(["no_face"], { faces: faces.length }) };
  if (candidates.length > 1) return { verdict: verdict(["multiple_faces"], { faces: candidates.length }) };
  const face = candidates[0]!;
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

/** Exposure, evenness and coverage, measured on the skin regions themselves. */
export function checkLighting(image: RgbImage, points: RegionPoints, samples: RegionSamples): QualityVerdict {
  const reasons: QualityReason[] = [];
  const smallest = Math.min(...Object.values(samples).map((s) => s.length));
  if (smallest < MIN_REGION_SAMPLES) return verdict(["face_obscured"], { smallestRegionPixels: smallest });
  const skinL = median(Object.values(samples).flatMap((s) => s.map((p) => p.L)));
  const clipped = clippedShare(image, points);
  const cheekDelta = Math.abs(median(samples.leftCheek.map((p) => p.L)) - median(samples.rightCheek.map((p) => p.L)));
  if (skinL < GATES.minSkinL) reasons.push("too_dark");
  if (clipped > GATES.maxClippedShare) reasons.push("too_bright");
  if (cheekDelta > GATES.maxCheekDeltaL) reasons.push("uneven_light");
  return verdict(reasons, { skinL, clippedShare: clipped, cheekDeltaL: cheekDelta });
}
