import { describe, expect, it } from "vitest";
import type { DetectedFace } from "./face";
import { sampleRegions } from "./indices";
import { checkLighting, chooseFace, GATES } from "./quality";
import { interOcularDistance, REGION_SPECS, regionPoints } from "./regions";
import { renderSyntheticFace } from "./synthetic-face";

/** A mesh with every landmark at the face centre except the eye corners, spaced `iod` apart. */
function face(options: Partial<DetectedFace> & { iod?: number; cx?: number; cy?: number } = {}): DetectedFace {
  const { iod = 120, cx = 500, cy = 500 } = options;
  const mesh = Array.from({ length: 468 }, () => [cx, cy, 0] as [number, number, number]);
  for (const i of [33, 133]) mesh[i] = [cx - iod / 2, cy - iod / 3, 0];
  for (const i of [362, 263]) mesh[i] = [cx + iod / 2, cy - iod / 3, 0];
  return {
    score: 0.95,
    boxScore: 0.95,
    meshScore: 0.95,
    box: { x: cx - iod, y: cy - iod, width: 2 * iod, height: 2.4 * iod },
    mesh,
    rotation: { yaw: 0, pitch: 0, roll: 0 },
    ...options,
  };
}

describe("quality gates: which face, and whether it can be measured", () => {
  it("accepts one clear, close, frontal face", () => {
    const result = chooseFace([face()]);
    expect(result.verdict).toMatchObject({ ok: true, reasons: [] });
    expect(result.face).toBeDefined();
  });

  it.each([
    ["no face", [], "no_face"],
    ["two faces", [face(), face({ cx: 200 })], "multiple_faces"],
    ["a low-confidence face", [face({ score: 0.55 })], "face_unclear"],
    ["a tiny face", [face({ iod: 30 })], "move_closer"],
    ["a turned head", [face({ rotation: { yaw: 35, pitch: 0, roll: 0 } })], "face_camera"],
    ["a tilted head", [face({ rotation: { yaw: 0, pitch: 0, roll: 40 } })], "face_camera"],
  ] as const)("refuses %s with reason %s and a hint", (_name, faces, reason) => {
    const { verdict } = chooseFace(faces);
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons).toContain(reason);
    expect(verdict.hints.length).toBe(verdict.reasons.length);
  });

  it("ignores a faint second detection (a face on a poster behind the shopper)", () => {
    expect(chooseFace([face(), face({ cx: 100, score: GATES.otherFaceScore - 0.1 })]).verdict.ok).toBe(true);
  });
});

describe("quality gates: light", () => {
  const measure = (options: Parameters<typeof renderSyntheticFace>[0]) => {
    const img = renderSyntheticFace({ width: 480, height: 600, seed: 7, ...options });
    return checkLighting(img, img.regions, sampleRegions(img, img.regions));
  };

  it("accepts an evenly lit face", () => {
    expect(measure({ skin: { group: "intermediate" } })).toMatchObject({ ok: true });
  });

  it("says too dark when the photo is underexposed by three stops", () => {
    expect(measure({ skin: { group: "tan" }, exposureStops: -3 }).reasons).toContain("too_dark");
  });

  it("says too bright when the face is washed out", () => {
    expect(measure({ skin: { group: "very light" }, exposureStops: 2 }).reasons).toContain("too_bright");
  });

  it("says uneven light when one cheek is in shadow", () => {
    expect(measure({ skin: { group: "light" }, shading: { gradient: 0.9 } }).reasons).toContain("uneven_light");
  });
});

describe("skin regions from landmarks", () => {
  it("scale with the face and stay inside the image", () => {
    const small = regionPoints(face({ iod: 100 }), 1000, 1000);
    const large = regionPoints(face({ iod: 200 }), 1000, 1000);
    // Area grows with the square of the face size.
    expect(large.leftCheek.length / small.leftCheek.length).toBeCloseTo(4, 0);
    const clipped = regionPoints(face({ cx: 5, cy: 5 }), 50, 50);
    for (const points of Object.values(clipped)) {
      for (const p of points) expect(p.x >= 0 && p.y >= 0 && p.x < 50 && p.y < 50).toBe(true);
    }
  });

  it("measures the inter-ocular distance between the eye centres", () => {
    expect(interOcularDistance(face({ iod: 150 }))).toBeCloseTo(150, 6);
    expect(Object.keys(REGION_SPECS).sort()).toEqual(
      ["forehead", "leftCheek", "leftUnderEye", "nose", "rightCheek", "rightUnderEye"].sort(),
    );
  });
});
