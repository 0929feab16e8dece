import { describe, expect, it } from "vitest";
import {
  GREY_CARD_REFLECTANCE,
  itaDegrees,
  labToLinearRgb,
  linearChannelToSrgb,
  meanLinearRgbInRect,
  srgb8ToLinear,
} from "./colour";
import { medianLab, REGION_NAMES, sampleRegions } from "./indices";
import {
  fastSrgbEncode,
  ITA_GROUP_NAMES,
  itaInGroup,
  renderSyntheticFace,
  seededRandom,
  skinLabForIta,
  SYNTHETIC_ITA_RANGES,
} from "./synthetic-face";

const SIZE = { width: 160, height: 200 } as const;

describe("skin colours of known ITA°", () => {
  it("skinLabForIta gives exactly the requested ITA° and an in-gamut colour across every group's range", () => {
    for (const group of ITA_GROUP_NAMES) {
      const [lower, upper] = SYNTHETIC_ITA_RANGES[group];
      for (let ita = lower; ita <= upper; ita += 1) {
        const lab = skinLabForIta(ita);
        expect(itaDegrees(lab)).toBeCloseTo(ita, 9);
        for (const channel of labToLinearRgb(lab)) {
          expect(channel).toBeGreaterThan(0);
          expect(channel).toBeLessThan(1);
        }
      }
    }
  });

  it("itaInGroup interpolates through a group's range", () => {
    expect(itaInGroup("light", 0)).toBe(41);
    expect(itaInGroup("light", 1)).toBe(55);
    expect(itaInGroup("light")).toBe(48);
  });
});

describe("renderSyntheticFace", () => {
  it("returns an RGB buffer of the requested size", () => {
    const face = renderSyntheticFace({ ...SIZE, skin: { group: "tan" } });
    expect(face.channels).toBe(3);
    expect(face.data).toHaveLength(SIZE.width * SIZE.height * 3);
    expect(face.referencePatch).toBeNull();
  });

  it("regions are non-empty, inside the image, and do not overlap", () => {
    const face = renderSyntheticFace({ ...SIZE, skin: { group: "tan" } });
    const seen = new Set<number>();
    for (const name of REGION_NAMES) {
      const points = face.regions[name];
      expect(points.length, name).toBeGreaterThan(40);
      for (const { x, y } of points) {
        expect(x >= 0 && x < SIZE.width && y >= 0 && y < SIZE.height).toBe(true);
        const key = y * SIZE.width + x;
        expect(seen.has(key), `${name} overlaps at ${x},${y}`).toBe(false);
        seen.add(key);
      }
    }
  });

  it("determinism: the same options give the same bytes; another seed gives other noise", () => {
    const options = { ...SIZE, skin: { group: "dark" }, effects: { darkSpots: { count: 5 }, shine: 0.5 } } as const;
    const first = renderSyntheticFace(options);
    expect(Buffer.from(renderSyntheticFace(options).data).equals(Buffer.from(first.data))).toBe(true);
    expect(Buffer.from(renderSyntheticFace({ ...options, seed: 2 }).data).equals(Buffer.from(first.data))).toBe(false);
  });

  it("renders the requested skin colour on the cheeks (noise-free, evenly lit)", () => {
    for (const group of ITA_GROUP_NAMES) {
      const face = renderSyntheticFace({
        ...SIZE,
        skin: { group },
        noiseSigma: 0,
        shading: { gradient: 0, falloff: 0 },
      });
      const samples = sampleRegions(face, face.regions);
      const measured = medianLab([...samples.leftCheek, ...samples.rightCheek]);
      // 8-bit quantisation alone moves Lab by up to about half a unit.
      expect(Math.abs(measured.L - face.skinLab.L)).toBeLessThan(0.5);
      expect(Math.abs(measured.a - face.skinLab.a)).toBeLessThan(0.5);
      expect(Math.abs(measured.b - face.skinLab.b)).toBeLessThan(0.5);
    }
  });

  it("the grey card reads 18 % in linear light, times the exposure and the colour of the light", () => {
    const neutral = renderSyntheticFace({ ...SIZE, skin: { group: "light" }, referencePatch: true });
    const patch = neutral.referencePatch;
    expect(patch?.reflectance).toBe(GREY_CARD_REFLECTANCE);
    if (!patch) return;
    meanLinearRgbInRect(neutral, patch, 2).forEach((v) => expect(v).toBeCloseTo(0.18, 2));

    const cast = [1.1, 1, 0.8] as const;
    const stops = -1 / 3;
    const shifted = renderSyntheticFace({
      ...SIZE,
      skin: { group: "light" },
      referencePatch: true,
      exposureStops: stops,
      colourCast: cast,
    });
    meanLinearRgbInRect(shifted, patch, 2).forEach((v, c) =>
      expect(v).toBeCloseTo(0.18 * 2 ** stops * (cast[c] ?? NaN), 2),
    );
  });

  it("noise has the requested standard deviation (measured on the grey card)", () => {
    const face = renderSyntheticFace({ ...SIZE, skin: { group: "light" }, referencePatch: true, noiseSigma: 3 });
    const patch = face.referencePatch;
    if (!patch) throw new Error("no patch");
    const values: number[] = [];
    for (let y = patch.y; y < patch.y + patch.height; y++) {
      for (let x = patch.x; x < patch.x + patch.width; x++) values.push(face.data[(y * face.width + x) * 3 + 1] ?? 0);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    expect(sd).toBeGreaterThan(2.6);
    expect(sd).toBeLessThan(3.4);
    expect(mean).toBeCloseTo(linearChannelToSrgb(GREY_CARD_REFLECTANCE), 0);
  });

  it("effects change the skin only where they belong", () => {
    const plain = renderSyntheticFace({ ...SIZE, skin: { group: "tan" } });
    const red = renderSyntheticFace({ ...SIZE, skin: { group: "tan" }, effects: { cheekRedness: 8 } });
    const changed = (region: "forehead" | "leftCheek") =>
      red.regions[region].filter(({ x, y }) => {
        const i = (y * SIZE.width + x) * 3;
        return red.data[i] !== plain.data[i];
      }).length / red.regions[region].length;
    expect(changed("leftCheek")).toBeGreaterThan(0.9);
    expect(changed("forehead")).toBe(0);
  });

  it("fastSrgbEncode is within 0.01 of a code value of the exact sRGB curve", () => {
    const random = seededRandom(3);
    for (let i = 0; i < 5000; i++) {
      const linear = random() ** 3; // dense near black, where the curve is steepest
      expect(Math.abs(fastSrgbEncode(linear) - linearChannelToSrgb(linear))).toBeLessThan(0.01);
    }
    expect(fastSrgbEncode(srgb8ToLinear(128))).toBeCloseTo(128, 6);
  });
});
