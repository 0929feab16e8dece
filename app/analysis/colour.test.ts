import { describe, expect, it } from "vitest";
import {
  applyGains,
  FITZPATRICK_MAPPING,
  FITZPATRICK_MAX_CONFIDENCE,
  fitzpatrickEstimate,
  GREY_CARD_REFLECTANCE,
  ITA_BOUNDARIES,
  itaDegrees,
  itaGroup,
  type ItaGroup,
  type Lab,
  labToLinearRgb,
  labToSrgb,
  linearChannelToSrgb,
  type LinearRgb,
  linearRgbToLab,
  linearRgbToXyz,
  luminance,
  meanLinearRgbInRect,
  ReferencePatchError,
  type Rgb,
  srgb8ToLab,
  srgbChannelToLinear,
  srgbToLab,
  whiteBalanceGains,
  xyzToLinearRgb,
} from "./colour";
import { seededRandom } from "./synthetic-face";

function expectLab(actual: Lab, expected: Lab, tolerance: number): void {
  expect(Math.abs(actual.L - expected.L)).toBeLessThanOrEqual(tolerance);
  expect(Math.abs(actual.a - expected.a)).toBeLessThanOrEqual(tolerance);
  expect(Math.abs(actual.b - expected.b)).toBeLessThanOrEqual(tolerance);
}

describe("sRGB → CIELAB", () => {
  it("white is L* 100, a* 0, b* 0", () => {
    expectLab(srgbToLab([255, 255, 255]), { L: 100, a: 0, b: 0 }, 0.01);
  });

  it("black is L* 0, a* 0, b* 0", () => {
    expectLab(srgbToLab([0, 0, 0]), { L: 0, a: 0, b: 0 }, 1e-9);
  });

  it("pure red is L* 53.24, a* 80.09, b* 67.20", () => {
    expectLab(srgbToLab([255, 0, 0]), { L: 53.24, a: 80.09, b: 67.2 }, 0.01);
  });

  it("pure green and pure blue match published D65 values", () => {
    expectLab(srgbToLab([0, 255, 0]), { L: 87.73, a: -86.18, b: 83.18 }, 0.02);
    expectLab(srgbToLab([0, 0, 255]), { L: 32.3, a: 79.19, b: -107.86 }, 0.02);
  });

  it("mid grey (128, 128, 128) is neutral at L* 53.59", () => {
    expectLab(srgbToLab([128, 128, 128]), { L: 53.59, a: 0, b: 0 }, 0.01);
  });

  it("the sRGB curve is continuous at its break point and linear below it", () => {
    const breakCode = 0.04045 * 255;
    expect(srgbChannelToLinear(breakCode - 1e-9)).toBeCloseTo(srgbChannelToLinear(breakCode + 1e-9), 8);
    expect(srgbChannelToLinear(5)).toBeCloseTo(5 / 255 / 12.92, 12);
    expect(linearChannelToSrgb(srgbChannelToLinear(200))).toBeCloseTo(200, 10);
  });

  it("linear RGB → XYZ → linear RGB is exact", () => {
    const rgb: LinearRgb = [0.2, 0.5, 0.8];
    const back = xyzToLinearRgb(linearRgbToXyz(rgb));
    back.forEach((value, i) => expect(value).toBeCloseTo(rgb[i] ?? NaN, 12));
  });

  it("round trip: random colours survive sRGB → Lab → sRGB within 0.5/255 (in fact to floating point)", () => {
    const random = seededRandom(42);
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const rgb: Rgb = [random() * 255, random() * 255, random() * 255];
      const back = labToSrgb(srgbToLab(rgb));
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs((back[c] ?? NaN) - (rgb[c] ?? NaN)));
    }
    expect(worst).toBeLessThan(0.5);
    expect(worst).toBeLessThan(1e-6);
  });

  it("srgb8ToLab (lookup table) agrees with the exact conversion", () => {
    for (const code of [0, 1, 10, 11, 100, 254, 255]) {
      expectLab(srgb8ToLab(code, 255 - code, code), srgbToLab([code, 255 - code, code]), 1e-9);
    }
  });
});

describe("ITA°", () => {
  it("ITA: equals atan((L* − 50) / b*) × 180/π when b* > 0 (Chardon 1991)", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 500; i++) {
      const lab = { L: random() * 100, a: 10, b: 0.1 + random() * 40 };
      expect(itaDegrees(lab)).toBeCloseTo((Math.atan((lab.L - 50) / lab.b) * 180) / Math.PI, 10);
    }
  });

  it("ITA: b* ≤ 0 saturates at ±90° with the sign of L* − 50 instead of dividing by zero or wrapping", () => {
    expect(itaDegrees({ L: 70, a: 0, b: 0 })).toBe(90);
    expect(itaDegrees({ L: 30, a: 0, b: 0 })).toBe(-90);
    expect(itaDegrees({ L: 70, a: 0, b: -5 })).toBe(90);
    expect(itaDegrees({ L: 30, a: 0, b: -5 })).toBe(-90);
    expect(itaDegrees({ L: 50, a: 0, b: 10 })).toBe(0);
    expect(itaGroup(itaDegrees({ L: 70, a: 0, b: -5 }))).toBe("very light");
    expect(itaGroup(itaDegrees({ L: 30, a: 0, b: -5 }))).toBe("dark");
  });

  it.each([
    [55, "light", "very light"],
    [41, "intermediate", "light"],
    [28, "tan", "intermediate"],
    [10, "brown", "tan"],
    [-30, "dark", "brown"],
  ] as const)("ITA: the boundary %s° belongs to the darker group (%s); just above it is %s", (boundary, at, above) => {
    expect(itaGroup(boundary)).toBe(at);
    expect(itaGroup(boundary - 1e-9)).toBe(at);
    expect(itaGroup(boundary + 1e-9)).toBe(above);
  });

  it("ITA: the boundaries are exactly the five of Del Bino's six groups", () => {
    expect(ITA_BOUNDARIES).toEqual([55, 41, 28, 10, -30]);
    expect(itaGroup(90)).toBe("very light");
    expect(itaGroup(-90)).toBe("dark");
  });
});

describe("Fitzpatrick estimate", () => {
  const pinned = (group: ItaGroup) => ({ group, groups: [group], alternative: null, confidence: 0.9 });

  it("Fitzpatrick: maps the groups in order to I–VI and names the mapping", () => {
    const groups: ItaGroup[] = ["very light", "light", "intermediate", "tan", "brown", "dark"];
    expect(groups.map((g) => fitzpatrickEstimate(pinned(g)).type)).toEqual(["I", "II", "III", "IV", "V", "VI"]);
    const estimate = fitzpatrickEstimate(pinned("intermediate"));
    expect(estimate.mapping).toBe(FITZPATRICK_MAPPING);
    expect(estimate.typeNumber).toBe(3);
    expect(estimate.types).toEqual(["III"]);
    expect(estimate.alternative).toBeNull();
    expect(estimate.isEstimate).toBe(true);
    expect(estimate.confirmWith).toBe("burn-tan-questionnaire");
    expect(estimate.basis).toBe("skin colour (ITA°) only");
  });

  it("Fitzpatrick: its confidence is the tone's, never above 0.7, because colour alone cannot determine phototype", () => {
    expect(fitzpatrickEstimate(pinned("tan")).confidence).toBe(FITZPATRICK_MAX_CONFIDENCE);
    expect(FITZPATRICK_MAX_CONFIDENCE).toBeLessThanOrEqual(0.7);
    const uncertain = {
      group: "tan" as const,
      groups: ["intermediate", "tan", "brown"] as ItaGroup[],
      confidence: 0.22,
    };
    expect(fitzpatrickEstimate({ ...uncertain, alternative: "brown" }).confidence).toBe(0.22);
  });

  it("Fitzpatrick: a tone range over several groups names every type it spans and the most likely other one", () => {
    const estimate = fitzpatrickEstimate({
      group: "light",
      groups: ["very light", "light", "intermediate"],
      alternative: "intermediate",
      confidence: 0.3,
    });
    expect(estimate).toMatchObject({ type: "II", types: ["I", "II", "III"], alternative: "III", confidence: 0.3 });
  });
});

describe("white balance and exposure", () => {
  const warmLight: LinearRgb = [1.2, 1, 0.75];
  const skin: Lab = { L: 62, a: 12, b: 18 };

  it("white balance: the gains make a tinted patch neutral and keep its luminance", () => {
    const patch = applyGains([0.4, 0.4, 0.4], warmLight);
    const corrected = applyGains(patch, whiteBalanceGains(patch));
    expect(corrected[0]).toBeCloseTo(corrected[1], 12);
    expect(corrected[1]).toBeCloseTo(corrected[2], 12);
    expect(luminance(corrected)).toBeCloseTo(luminance(patch), 12);
  });

  it("white balance: a skin colour under a tinted light comes back when corrected with the grey card", () => {
    const litSkin = applyGains(labToLinearRgb(skin), warmLight);
    const card = applyGains([GREY_CARD_REFLECTANCE, GREY_CARD_REFLECTANCE, GREY_CARD_REFLECTANCE], warmLight);
    expect(Math.abs(linearRgbToLab(litSkin).b - skin.b)).toBeGreaterThan(5);
    expectLab(linearRgbToLab(applyGains(litSkin, whiteBalanceGains(card, GREY_CARD_REFLECTANCE))), skin, 1e-9);
  });

  it("exposure: a known reflectance normalises exposure too (an 18 % card two-thirds of a stop under)", () => {
    const under = 2 ** (-2 / 3);
    const card: LinearRgb = [0.18 * under, 0.18 * under, 0.18 * under];
    const gains = whiteBalanceGains(card, GREY_CARD_REFLECTANCE);
    gains.forEach((g) => expect(g).toBeCloseTo(1 / under, 12));
    const litSkin = applyGains(labToLinearRgb(skin), [under, under, under]);
    expectLab(linearRgbToLab(applyGains(litSkin, gains)), skin, 1e-9);
  });

  it("white balance: refuses a patch that is too dark or clipped, and a nonsense reflectance", () => {
    expect(() => whiteBalanceGains([0.0001, 0.2, 0.2])).toThrow(ReferencePatchError);
    expect(() => whiteBalanceGains([1, 0.9, 0.9])).toThrow(ReferencePatchError);
    expect(() => whiteBalanceGains([0.2, 0.2, 0.2], 0)).toThrow(RangeError);
    expect(() => whiteBalanceGains([0.2, 0.2, 0.2], 1.5)).toThrow(RangeError);
  });

  it("meanLinearRgbInRect: averages in linear light, inside the inset", () => {
    const width = 4;
    const height = 4;
    const data = new Uint8Array(width * height * 3).fill(0);
    for (let y = 1; y < 3; y++)
      for (let x = 1; x < 3; x++) data.fill(200, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const inner = meanLinearRgbInRect({ width, height, channels: 3, data }, { x: 0, y: 0, width: 4, height: 4 }, 1);
    inner.forEach((v) => expect(v).toBeCloseTo(srgbChannelToLinear(200), 12));
    const whole = meanLinearRgbInRect({ width, height, channels: 3, data }, { x: 0, y: 0, width: 4, height: 4 });
    expect(whole[0]).toBeCloseTo(srgbChannelToLinear(200) / 4, 12);
    expect(() =>
      meanLinearRgbInRect({ width, height, channels: 3, data }, { x: 10, y: 10, width: 2, height: 2 }),
    ).toThrow(ReferencePatchError);
  });
});
