import { describe, expect, it } from "vitest";
import { meanLinearRgbInRect, UNITY_GAINS, whiteBalanceGains } from "./colour";
import type { EngineInfo } from "./engine";
import { CARD_COLOUR_ONLY_LIGHT, CARD_LIGHT, type LightUncertainty, UNKNOWN_LIGHT } from "./illuminant";
import { analyseSkin, sampleRegions } from "./indices";
import { checkLighting } from "./quality";
import {
  type Capture,
  comparableCaptures,
  indexValue,
  isMeaningfulChange,
  MAX_EXPOSURE_DIFFERENCE_STOPS,
  mdc95,
  pooledWithinSd,
  REPEATABILITY,
  REPEATABILITY_INDICES,
  unevennessUncapped,
} from "./repeatability";
import { renderSyntheticFace, type SyntheticFaceOptions } from "./synthetic-face";

const MEASURED_ENGINE: EngineInfo = { ...REPEATABILITY.engine };

/**
 * A scan of a synthetic face as the local engine would store it: its indices and the quality gates'
 * measurements. `card`: none, a card given without its reflectance (colour corrected, light not pinned), or one
 * given with its reflectance (light pinned).
 */
function scan(
  options: Partial<SyntheticFaceOptions> = {},
  { card = "none", engine = MEASURED_ENGINE }: { card?: "none" | "colour-only" | "given"; engine?: EngineInfo } = {},
): Capture {
  const face = renderSyntheticFace({
    width: 160,
    height: 200,
    skin: { group: "intermediate" },
    referencePatch: card !== "none",
    ...options,
  });
  const patch = face.referencePatch;
  const gains = patch
    ? whiteBalanceGains(meanLinearRgbInRect(face, patch, 2), card === "given" ? patch.reflectance : undefined)
    : UNITY_GAINS;
  const light: LightUncertainty =
    card === "given" ? CARD_LIGHT : card === "colour-only" ? CARD_COLOUR_ONLY_LIGHT : UNKNOWN_LIGHT;
  const samples = sampleRegions(face, face.regions, gains);
  const quality = checkLighting(face, face.regions, samples);
  return {
    status: "accepted",
    engine,
    quality,
    measurement: { indices: analyseSkin(samples, light), whiteBalance: card === "none" ? "none" : "reference" },
  };
}

describe("P19: the measured repeatability of each index", () => {
  it("P19: every index has a measured SD, and its MDC95 is 1.96·√2 times it", () => {
    expect(REPEATABILITY_INDICES).toEqual(["ita", "redness", "unevenness", "shine", "underEye"]);
    for (const index of REPEATABILITY_INDICES) {
      const { sd, mdc95: mdc, quantity } = REPEATABILITY.indices[index];
      expect(sd).toBeGreaterThan(0);
      expect(Number.isFinite(sd)).toBe(true);
      expect(mdc).toBeCloseTo(1.96 * Math.SQRT2 * sd, 12);
      expect(mdc95(sd)).toBe(mdc);
      expect(quantity.length).toBeGreaterThan(10);
    }
    expect(REPEATABILITY.command).toMatch(/bench\/engine-repeatability/);
    expect(REPEATABILITY.measuredOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("P19: a change is real only beyond the index's MDC95, whichever way it goes", () => {
    for (const index of REPEATABILITY_INDICES) {
      const { mdc95: mdc } = REPEATABILITY.indices[index];
      expect(isMeaningfulChange(index, mdc * 1.01)).toBe(true);
      expect(isMeaningfulChange(index, -mdc * 1.01)).toBe(true);
      expect(isMeaningfulChange(index, mdc * 0.99)).toBe(false);
      expect(isMeaningfulChange(index, -mdc * 0.99)).toBe(false);
      expect(isMeaningfulChange(index, 0)).toBe(false);
      expect(isMeaningfulChange(index, NaN)).toBe(false);
    }
  });

  it("pools the spread within each face, not the differences between faces", () => {
    // Deviations from each group's own mean: 1, 1 and 2, 2 → Σ² = 10 over 2 degrees of freedom.
    expect(
      pooledWithinSd([
        [1, 3],
        [10, 14],
      ]),
    ).toBeCloseTo(Math.sqrt(5), 12);
    expect(
      pooledWithinSd([
        [1, 3],
        [1000, 1004],
      ]),
    ).toBeCloseTo(Math.sqrt(5), 12);
    // A face with one accepted capture says nothing about repeatability.
    expect(pooledWithinSd([[1, 3], [10, 14], [99]])).toBeCloseTo(Math.sqrt(5), 12);
    expect(pooledWithinSd([[5], []])).toBeNaN();
  });

  it("reads each index from a result as the figures measured it; unevenness past the top of its scale still moves", () => {
    const { measurement } = scan({ effects: { darkSpots: { count: 40, depthL: 20 } } });
    const indices = measurement!.indices;
    expect(indexValue("ita", indices)).toBe(indices.skinTone.itaDegrees);
    expect(indexValue("redness", indices)).toBe(indices.redness.deltaA);
    expect(indexValue("shine", indices)).toBe(indices.shine.specularFraction);
    expect(indexValue("underEye", indices)).toBe(indices.underEyeDarkness.deltaL);
    // The shopper's score is capped at 1; the value compared between scans is not.
    expect(indices.unevenness.score).toBe(1);
    expect(indexValue("unevenness", indices)).toBeGreaterThan(1);
    expect(unevennessUncapped({ lSpreadIqr: 1.5, darkSpotFraction: 0 })).toBe(0);
    expect(unevennessUncapped({ lSpreadIqr: 6, darkSpotFraction: 0.03 })).toBeCloseTo(1, 12);
  });
});

describe("P19: which scans may be compared", () => {
  it("P19: two photos of the same face taken the same way: every index", () => {
    const result = comparableCaptures(scan({ seed: 1 }), scan({ seed: 2, exposureStops: 1 / 3 }));
    expect(result).toMatchObject({ comparable: true, indices: [...REPEATABILITY_INDICES], reasons: [] });
    expect(result.exposureStops).toBeLessThan(MAX_EXPOSURE_DIFFERENCE_STOPS);
  });

  it("P19: a refused scan has nothing to compare", () => {
    const refused: Capture = { status: "refused", engine: MEASURED_ENGINE, quality: { measured: { skinL: 60 } } };
    expect(comparableCaptures(scan(), refused)).toMatchObject({ comparable: false, indices: [], reasons: ["refused"] });
    expect(comparableCaptures(refused, scan())).toMatchObject({ comparable: false, reasons: ["refused"] });
  });

  it("P19: scans by different engines or versions are not compared, nor any from an engine whose repeatability was never measured", () => {
    const newer = { ...MEASURED_ENGINE, version: `${MEASURED_ENGINE.version}.next` };
    expect(comparableCaptures(scan(), scan({}, { engine: newer }))).toMatchObject({
      comparable: false,
      reasons: ["different_engine"],
    });
    // A later version of the built-in engine is covered while test/engine-repeatability.test.ts passes on it.
    expect(comparableCaptures(scan({}, { engine: newer }), scan({}, { engine: newer }))).toMatchObject({
      comparable: true,
    });
    const remote = { name: "acme-skin-api", version: "4.2" };
    expect(comparableCaptures(scan({}, { engine: remote }), scan({}, { engine: remote }))).toMatchObject({
      comparable: false,
      reasons: ["repeatability_unknown"],
    });
  });

  it("P19: skin a stop darker without a card is a change of light as much as of skin: not compared", () => {
    const result = comparableCaptures(scan(), scan({ exposureStops: -1 }));
    expect(result).toMatchObject({ comparable: false, reasons: ["different_exposure"] });
    expect(result.exposureStops).toBeGreaterThan(MAX_EXPOSURE_DIFFERENCE_STOPS);
  });

  it("P19: a photo colour-corrected with a card and one without are on different footings", () => {
    expect(comparableCaptures(scan({}, { card: "given" }), scan())).toMatchObject({
      comparable: false,
      reasons: ["different_white_balance"],
    });
  });

  it("P19: with a card of known reflectance in both, the light is pinned: a stop of exposure does not stop the comparison", () => {
    const result = comparableCaptures(scan({}, { card: "given" }), scan({ exposureStops: -1 }, { card: "given" }));
    expect(result).toMatchObject({ comparable: true, indices: [...REPEATABILITY_INDICES], reasons: [] });
  });

  it("P19: the tone is left out when a card pinned the light in only one of them", () => {
    const result = comparableCaptures(scan({}, { card: "given" }), scan({}, { card: "colour-only" }));
    expect(result).toMatchObject({
      comparable: true,
      indices: ["redness", "unevenness", "shine", "underEye"],
      reasons: ["different_light_knowledge"],
    });
  });

  it("does not depend on the order of the two scans", () => {
    const pairs: [Capture, Capture][] = [
      [scan(), scan({ exposureStops: -1 })],
      [scan({}, { card: "given" }), scan({}, { card: "colour-only" })],
      [scan({ seed: 3 }), scan({ seed: 4 })],
    ];
    for (const [a, b] of pairs) expect(comparableCaptures(a, b)).toEqual(comparableCaptures(b, a));
  });
});
