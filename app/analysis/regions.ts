import type { DetectedFace } from "./face";
import type { PixelPoint, RegionName, RegionPoints } from "./indices";

/**
 * Skin regions placed from FaceMesh landmarks. Each region is a disc around the mean of a few
 * landmarks, sized from the distance between the eyes so it scales with the face and stays on
 * skin: clear of eyes, brows, nostrils, lips and hairline. "Left" and "right" are the subject's
 * own: in an unmirrored photo the subject's left cheek is on the image's right.
 */

/** FaceMesh (MediaPipe, 468 points) landmark indices. */
const MESH = {
  rightEye: [33, 133], // subject's right eye: outer and inner corner
  leftEye: [362, 263],
} as const;

interface RegionSpec {
  landmarks: readonly number[];
  /** Radius as a share of the inter-ocular distance. */
  radius: number;
}

export const REGION_SPECS: Readonly<Record<RegionName, RegionSpec>> = {
  // Mid-forehead, above the brows (151 sits on the forehead's midline).
  forehead: { landmarks: [151, 108, 337], radius: 0.28 },
  // The nasal dorsum between bridge and tip, clear of the nostrils.
  nose: { landmarks: [195, 5], radius: 0.1 },
  // Cheek centres, below the zygoma and away from the nasolabial fold.
  leftCheek: { landmarks: [425, 411, 280], radius: 0.2 },
  rightCheek: { landmarks: [205, 187, 50], radius: 0.2 },
  // Just under the lower eyelids.
  leftUnderEye: { landmarks: [450, 451, 452], radius: 0.09 },
  rightUnderEye: { landmarks: [230, 231, 232], radius: 0.09 },
};

function meanPoint(face: DetectedFace, indices: readonly number[]): PixelPoint {
  let x = 0;
  let y = 0;
  for (const i of indices) {
    const p = face.mesh[i];
    if (!p) throw new RangeError(`Face mesh has no landmark ${i}: expected 468 points.`);
    x += p[0];
    y += p[1];
  }
  return { x: x / indices.length, y: y / indices.length };
}

/** Distance between the eye centres, in pixels: the face's own ruler. */
export function interOcularDistance(face: DetectedFace): number {
  const right = meanPoint(face, MESH.rightEye);
  const left = meanPoint(face, MESH.leftEye);
  return Math.hypot(left.x - right.x, left.y - right.y);
}

/** Each region's disc on this face: its centre and radius, in the photo's pixels. */
function regionDiscs(face: DetectedFace): { name: RegionName; c: PixelPoint; r: number }[] {
  const iod = interOcularDistance(face);
  return (Object.entries(REGION_SPECS) as [RegionName, RegionSpec][]).map(([name, spec]) => ({
    name,
    c: meanPoint(face, spec.landmarks),
    r: Math.max(1, spec.radius * iod),
  }));
}

/** Every whole pixel inside each region's disc, clipped to the image. */
export function regionPoints(face: DetectedFace, width: number, height: number): RegionPoints {
  const out = {} as Record<RegionName, PixelPoint[]>;
  for (const { name, c, r } of regionDiscs(face)) {
    const points: PixelPoint[] = [];
    for (let y = Math.max(0, Math.ceil(c.y - r)); y <= Math.min(height - 1, Math.floor(c.y + r)); y++) {
      for (let x = Math.max(0, Math.ceil(c.x - r)); x <= Math.min(width - 1, Math.floor(c.x + r)); x++) {
        if ((x - c.x) ** 2 + (y - c.y) ** 2 <= r * r) points.push({ x, y });
      }
    }
    out[name] = points;
  }
  return out;
}

/** Where one region was measured: a box normalised to the analysed photo (0–1 from its top-left corner). */
export interface Zone {
  name: RegionName;
  x: number;
  y: number;
  w: number;
  h: number;
}

const share = (v: number, size: number) => Math.round(Math.min(1, Math.max(0, v / size)) * 1000) / 1000;

/**
 * The measured regions as boxes the widget outlines on the shopper's own photo. Coarse on purpose (six
 * boxes, three decimals): enough to show where the colour was read, far from a face template (P3). They
 * go back with the scan's answer only and are never stored.
 */
export function zoneBoxes(face: DetectedFace, width: number, height: number): Zone[] {
  return regionDiscs(face).map(({ name, c, r }) => {
    const x = share(c.x - r, width);
    const y = share(c.y - r, height);
    return { name, x, y, w: share(c.x + r, width) - x, h: share(c.y + r, height) - y };
  });
}
