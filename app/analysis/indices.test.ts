import { describe, expect, it } from "vitest";
import { type ItaGroup, type LinearRgb, meanLinearRgbInRect, whiteBalanceGains } from "./colour";
import {
  analyseSkin,
  bandOf,
  InsufficientSamplesError,
  interquartileRange,
  measureSkinTone,
  median,
  medianAbsoluteDeviation,
  quantile,
  type RegionSamples,
  sampleRegions,
  shadingResiduals,
  type SkinIndices,
  type SkinSample,
} from "./indices";
import {
  ITA_GROUP_NAMES,
  itaInGroup,
  renderSyntheticFace,
  type SyntheticFace,
  type SyntheticFaceOptions,
} from "./synthetic-face";

/** Small faces keep the suite fast; regions still hold hundreds of pixels. */
const SIZE = { width: 160, height: 200 } as const;
/** Three skin colours per group: a quarter, half and three quarters of the way through its ITA° range. */
const POSITIONS = [0.25, 0.5, 0.75] as const;
const PATCH_INSET = 2;

function analyse(options: Omit<SyntheticFaceOptions, "width" | "height">): SkinIndices {
  const face = renderSyntheticFace({ ...SIZE, ...options });
  return analyseSkin(sampleRegions(face, face.regions));
}

/** The group read from a face, optionally after correcting with its grey card. */
function groupOf(face: SyntheticFace, useReference: boolean): ItaGroup {
  const patch = face.referencePatch;
  if (useReference && !patch) throw new Error("the face has no reference patch");
  const gains =
    useReference && patch
      ? whiteBalanceGains(meanLinearRgbInRect(face, patch, PATCH_INSET), patch.reflectance)
      : undefined;
  return measureSkinTone(sampleRegions(face, face.regions, gains)).group;
}

const allFaces = ITA_GROUP_NAMES.flatMap((group) => POSITIONS.map((position) => ({ group, position })));

describe("robust statistics", () => {
  it("median, quantiles, IQR and MAD", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(interquartileRange([1, 2, 3, 4, 5, 6, 7, 8, 9])).toBe(4);
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(median([1, 2, 3, 1000])).toBe(2.5);
  });

  it("bands split the 0–1 score in thirds", () => {
    expect([0, 0.33, 1 / 3, 0.66, 2 / 3, 1].map(bandOf)).toEqual([
      "low",
      "low",
      "moderate",
      "moderate",
      "high",
      "high",
    ]);
  });
});

describe("shading removal", () => {
  const grid = (light: (x: number, y: number) => number): SkinSample[] =>
    Array.from({ length: 400 }, (_, i) => {
      const x = i % 20;
      const y = Math.floor(i / 20);
      return { L: light(x, y), a: 10, b: 15, x, y };
    });

  it("a linear light gradient leaves no residual spread", () => {
    const residuals = shadingResiduals(grid((x, y) => 60 + 0.4 * x - 0.3 * y));
    expect(Math.max(...residuals.map(Math.abs))).toBeLessThan(1e-9);
  });

  it("a dark spot survives shading removal and does not tilt the plane", () => {
    const spot = (x: number, y: number) => (Math.hypot(x - 5, y - 5) < 2 ? -10 : 0);
    const samples = grid((x, y) => 60 + 0.4 * x + spot(x, y));
    const residuals = shadingResiduals(samples);
    samples.forEach((s, i) => expect(residuals[i] ?? NaN).toBeCloseTo(spot(s.x, s.y), 6));
  });
});

describe("skin tone", () => {
  it("ITA: a synthetic face of every group is recovered in the right group under neutral light (18 faces)", () => {
    for (const { group, position } of allFaces) {
      const face = renderSyntheticFace({ ...SIZE, skin: { group, position } });
      const tone = measureSkinTone(sampleRegions(face, face.regions));
      expect(tone.group, `${group} at ${position}`).toBe(group);
      expect(Math.abs(tone.itaDegrees - itaInGroup(group, position))).toBeLessThan(1.5);
    }
  });

  const conditions: readonly { name: string; exposureStops?: number; colourCast?: LinearRgb }[] = [
    { name: "+1/3 stop", exposureStops: 1 / 3 },
    { name: "−1/3 stop", exposureStops: -1 / 3 },
    { name: "warm cast", colourCast: [1.15, 1, 0.8] },
    { name: "cool cast", colourCast: [0.87, 1, 1.2] },
  ];

  it.each(conditions)(
    "ITA: under $name some faces land in the wrong group, and the grey reference puts all 18 right",
    ({ exposureStops, colourCast }) => {
      let wrongWithout = 0;
      let wrongWith = 0;
      for (const { group, position } of allFaces) {
        const face = renderSyntheticFace({
          ...SIZE,
          skin: { group, position },
          exposureStops,
          colourCast,
          referencePatch: true,
        });
        if (groupOf(face, false) !== group) wrongWithout++;
        if (groupOf(face, true) !== group) wrongWith++;
      }
      // Honest both ways: the light does fool the formula, and the reference does fix it.
      expect(wrongWithout).toBeGreaterThan(0);
      expect(wrongWith).toBe(0);
    },
  );

  it("Fitzpatrick: the face's estimate follows its group, says estimate, and stays at or below 0.7", () => {
    const tone = analyse({ skin: { group: "tan" } }).skinTone;
    expect(tone.fitzpatrick.type).toBe("IV");
    expect(tone.fitzpatrick.isEstimate).toBe(true);
    expect(tone.fitzpatrick.confidence).toBeLessThanOrEqual(0.7);
  });

  it("skin tone ignores specular highlights", () => {
    const plain = analyse({ skin: { group: "intermediate" } }).skinTone;
    const shiny = analyse({ skin: { group: "intermediate" }, effects: { shine: 1 } }).skinTone;
    expect(Math.abs(shiny.itaDegrees - plain.itaDegrees)).toBeLessThan(1);
  });
});

describe("same-photo indices", () => {
  const skin = { group: "intermediate" } as const;

  /** Strictly rising raw values, never-falling scores. */
  function expectRising(raw: number[], scores: number[]): void {
    raw.slice(1).forEach((value, i) => expect(value).toBeGreaterThan(raw[i] ?? Infinity));
    scores.slice(1).forEach((value, i) => expect(value).toBeGreaterThanOrEqual(scores[i] ?? Infinity));
  }

  it("a plain, evenly lit face scores low on every index", () => {
    for (const group of ITA_GROUP_NAMES) {
      const result = analyse({ skin: { group } });
      expect([result.redness, result.unevenness, result.shine, result.underEyeDarkness].map((i) => i.band)).toEqual([
        "low",
        "low",
        "low",
        "low",
      ]);
    }
  });

  it("redness: Δa* rises monotonically with injected cheek redness and measures it", () => {
    const injected = [0, 2, 4, 8];
    const results = injected.map((cheekRedness) => analyse({ skin, effects: { cheekRedness } }).redness);
    expectRising(
      results.map((r) => r.deltaA),
      results.map((r) => r.score),
    );
    results.forEach((r, i) => expect(Math.abs(r.deltaA - (injected[i] ?? NaN))).toBeLessThan(0.5));
    expect(results[0]?.band).toBe("low");
    expect(results[3]?.band).toBe("high");
  });

  it("tone unevenness: the dark-spot fraction rises monotonically with injected spots", () => {
    const results = [0, 2, 4, 8].map((count) => analyse({ skin, effects: { darkSpots: { count } } }).unevenness);
    expectRising(
      results.map((r) => r.darkSpotFraction),
      results.map((r) => r.score),
    );
    expect(results[0]?.darkSpotFraction).toBe(0);
    expect(results[3]?.band).toBe("high");
  });

  it("tone unevenness: the L* spread rises with the contrast of the spots", () => {
    const results = [0, 6, 12, 24].map(
      (depthL) => analyse({ skin, effects: { darkSpots: { count: 30, depthL } } }).unevenness,
    );
    expectRising(
      results.map((r) => r.lSpreadIqr),
      results.map((r) => r.score),
    );
  });

  it("shine: the specular fraction of the T-zone rises monotonically with injected highlights", () => {
    const results = [0, 0.25, 0.5, 1].map((shine) => analyse({ skin, effects: { shine } }).shine);
    expectRising(
      results.map((r) => r.specularFraction),
      results.map((r) => r.score),
    );
    expect(results[0]?.specularFraction).toBe(0);
    expect(results[3]?.band).toBe("high");
  });

  it("under-eye darkness: ΔL* rises monotonically with injected darkening and measures it", () => {
    const injected = [0, 3, 6, 12];
    const results = injected.map(
      (underEyeDarkness) => analyse({ skin, effects: { underEyeDarkness } }).underEyeDarkness,
    );
    expectRising(
      results.map((r) => r.deltaL),
      results.map((r) => r.score),
    );
    results.forEach((r, i) => expect(Math.abs(r.deltaL - (injected[i] ?? NaN))).toBeLessThan(0.7));
  });

  it("each effect moves its own index and leaves the others low", () => {
    const bands = (result: SkinIndices) => ({
      redness: result.redness.band,
      unevenness: result.unevenness.band,
      shine: result.shine.band,
      underEyeDarkness: result.underEyeDarkness.band,
    });
    const low = { redness: "low", unevenness: "low", shine: "low", underEyeDarkness: "low" } as const;
    expect(bands(analyse({ skin, effects: { cheekRedness: 8 } }))).toEqual({ ...low, redness: "high" });
    expect(bands(analyse({ skin, effects: { darkSpots: { count: 8 } } }))).toEqual({ ...low, unevenness: "high" });
    expect(bands(analyse({ skin, effects: { shine: 1 } }))).toEqual({ ...low, shine: "high" });
    expect(bands(analyse({ skin, effects: { underEyeDarkness: 12 } }))).toEqual({ ...low, underEyeDarkness: "high" });
  });
});

describe("determinism and input checks", () => {
  it("determinism: the same photo gives the same numbers", () => {
    const options = {
      skin: { group: "brown" },
      effects: { cheekRedness: 3, darkSpots: { count: 3 }, shine: 0.5 },
    } as const;
    const first = analyse(options);
    expect(analyse(options)).toEqual(first);
    const face = renderSyntheticFace({ ...SIZE, ...options });
    const samples = sampleRegions(face, face.regions);
    expect(analyseSkin(samples)).toEqual(analyseSkin(samples));
  });

  it("refuses a region with too few pixels, naming it", () => {
    const face = renderSyntheticFace({ ...SIZE, skin: { group: "light" } });
    const samples: RegionSamples = { ...sampleRegions(face, face.regions), nose: [] };
    expect(() => analyseSkin(samples)).toThrow(InsufficientSamplesError);
    expect(() => analyseSkin(samples)).toThrow(/nose/);
  });

  it("sampleRegions skips points outside the image", () => {
    const face = renderSyntheticFace({ ...SIZE, skin: { group: "light" } });
    const outside = [
      { x: -1, y: 0 },
      { x: 0, y: SIZE.height },
    ];
    const samples = sampleRegions(face, { ...face.regions, nose: [...face.regions.nose, ...outside] });
    expect(samples.nose).toHaveLength(face.regions.nose.length);
  });
});
