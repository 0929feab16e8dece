/**
 * The accuracy figures quoted in docs/analysis-engine.md ("Measured accuracy"), measured on the
 * synthetic faces of synthetic-face.ts and asserted here so the document stays true. Synthetic, not
 * clinical: these say the colour science recovers a known colour, not that it is right about people.
 *
 * Method, as in indices.test.ts: for each of the six ITA° groups, three skin colours (a quarter, half
 * and three quarters through the group's range) rendered at 160 × 200 px with shading and noise and an
 * 18 % grey card in the corner; skin tone read from the rendered regions, once without correction and
 * once white-balanced with the card.
 */
import { describe, expect, it } from "vitest";
import { type LinearRgb, meanLinearRgbInRect, whiteBalanceGains } from "./colour";
import { measureSkinTone, sampleRegions } from "./indices";
import { ITA_GROUP_NAMES, itaInGroup, renderSyntheticFace } from "./synthetic-face";

const SIZE = { width: 160, height: 200 } as const;
const POSITIONS = [0.25, 0.5, 0.75] as const;
const PATCH_INSET = 2;

interface Condition {
  name: string;
  exposureStops?: number;
  colourCast?: LinearRgb;
}

const NEUTRAL: Condition = { name: "neutral light" };
const SHIFTED: readonly Condition[] = [
  { name: "+1/3 stop", exposureStops: 1 / 3 },
  { name: "−1/3 stop", exposureStops: -1 / 3 },
  { name: "warm cast", colourCast: [1.15, 1, 0.8] },
  { name: "cool cast", colourCast: [0.87, 1, 1.2] },
];

interface Tally {
  faces: number;
  rightWithout: number;
  rightWithCard: number;
  /** Largest |measured − rendered ITA°|, without and with the card. */
  maxErrorWithout: number;
  maxErrorWithCard: number;
}

function measure({ exposureStops, colourCast }: Condition): Tally {
  const tally: Tally = { faces: 0, rightWithout: 0, rightWithCard: 0, maxErrorWithout: 0, maxErrorWithCard: 0 };
  for (const group of ITA_GROUP_NAMES) {
    for (const position of POSITIONS) {
      const face = renderSyntheticFace({
        ...SIZE,
        skin: { group, position },
        exposureStops,
        colourCast,
        referencePatch: true,
      });
      const patch = face.referencePatch!;
      const gains = whiteBalanceGains(meanLinearRgbInRect(face, patch, PATCH_INSET), patch.reflectance);
      const without = measureSkinTone(sampleRegions(face, face.regions));
      const withCard = measureSkinTone(sampleRegions(face, face.regions, gains));
      const truth = itaInGroup(group, position);
      tally.faces++;
      if (without.group === group) tally.rightWithout++;
      if (withCard.group === group) tally.rightWithCard++;
      tally.maxErrorWithout = Math.max(tally.maxErrorWithout, Math.abs(without.itaDegrees - truth));
      tally.maxErrorWithCard = Math.max(tally.maxErrorWithCard, Math.abs(withCard.itaDegrees - truth));
    }
  }
  return tally;
}

describe("measured accuracy on the synthetic set (the figures in docs/analysis-engine.md)", () => {
  it("neutral light: right group 18/18, ITA° within 1° of the rendered value", () => {
    const t = measure(NEUTRAL);
    expect(t).toMatchObject({ faces: 18, rightWithout: 18, rightWithCard: 18 });
    expect(t.maxErrorWithout).toBeLessThan(1);
    expect(t.maxErrorWithCard).toBeLessThan(1);
  });

  it("±1/3 stop or a colour cast: 36/72 right without correction, 72/72 with the grey card", () => {
    const tallies = SHIFTED.map((c) => ({ name: c.name, ...measure(c) }));
    expect(tallies.map(({ name, rightWithout, rightWithCard }) => [name, rightWithout, rightWithCard])).toEqual([
      ["+1/3 stop", 10, 18],
      ["−1/3 stop", 8, 18],
      ["warm cast", 8, 18],
      ["cool cast", 10, 18],
    ]);
    const sum = (f: (t: Tally) => number) => tallies.reduce((n, t) => n + f(t), 0);
    expect(sum((t) => t.faces)).toBe(72);
    expect(sum((t) => t.rightWithout)).toBe(36);
    expect(sum((t) => t.rightWithCard)).toBe(72);
    // The light moves ITA° by up to ~21°; the card brings it back within 1°.
    expect(Math.max(...tallies.map((t) => t.maxErrorWithout))).toBeGreaterThan(10);
    expect(Math.max(...tallies.map((t) => t.maxErrorWithCard))).toBeLessThan(1);
  });
});
