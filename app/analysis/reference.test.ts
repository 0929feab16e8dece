import { describe, expect, it } from "vitest";
import {
  GREY_CARD_REFLECTANCE,
  type ItaGroup,
  applyGains,
  labToLinearRgb,
  type LinearRgb,
  linearToSrgb,
  meanLinearRgbInRect,
  type PixelRect,
  type Rgb,
  type RgbImage,
  whiteBalanceGains,
} from "./colour";
import { measureSkinTone, sampleRegions } from "./indices";
import { findNeutralReference } from "./reference";
import {
  ITA_GROUP_NAMES,
  renderSyntheticFace,
  seededRandom,
  skinLabForIta,
  type SyntheticFace,
  type SyntheticFaceOptions,
} from "./synthetic-face";

/** The indices tests' size: small faces keep the suite fast. */
const SIZE = { width: 160, height: 200 } as const;
const WARM: LinearRgb = [1.15, 1, 0.8];
const COOL: LinearRgb = [0.87, 1, 1.2];

/** The face oval's bounding box, as a face detector would report it. */
function faceBox(face: SyntheticFace): PixelRect {
  const { cx, cy, rx, ry } = face.face;
  return { x: cx - rx, y: cy - ry, width: 2 * rx, height: 2 * ry };
}

function render(options: Partial<SyntheticFaceOptions>): SyntheticFace {
  return renderSyntheticFace({ skin: { group: "intermediate" }, ...options });
}

function inside(inner: PixelRect, outer: PixelRect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

/** A uniform image of one sRGB colour with seeded noise (σ in code values), like a wall filling the frame. */
function uniformImage(width: number, height: number, [r, g, b]: Rgb, sigma = 2): RgbImage {
  const random = seededRandom(7);
  const data = new Uint8ClampedArray(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = Math.round(r + sigma * (random() - 0.5) * 3.46); // uniform noise with std σ
    data[i * 3 + 1] = Math.round(g + sigma * (random() - 0.5) * 3.46);
    data[i * 3 + 2] = Math.round(b + sigma * (random() - 0.5) * 3.46);
  }
  return { width, height, channels: 3, data };
}

/** A skin colour as 8-bit sRGB, optionally as seen under a coloured light. */
function skinRgb(ita: number, cast: LinearRgb = [1, 1, 1]): Rgb {
  return linearToSrgb(applyGains(labToLinearRgb(skinLabForIta(ita)), cast));
}

/**
 * Skin colours, including very light skin under cool light: the hardest case, as the cool light makes it
 * look like a grey card under warm light (+21 % red).
 */
const SKIN_COLOURS: readonly { name: string; rgb: Rgb }[] = [
  { name: "very light skin", rgb: skinRgb(62) },
  { name: "very light skin under cool light", rgb: skinRgb(62, COOL) },
  { name: "the lightest skin under cool light", rgb: skinRgb(70, COOL) },
  { name: "intermediate skin", rgb: skinRgb(34) },
  { name: "intermediate skin under cool light", rgb: skinRgb(34, COOL) },
];

describe("findNeutralReference: the grey card", () => {
  const conditions: readonly { name: string; exposureStops?: number; colourCast?: LinearRgb }[] = [
    { name: "neutral light" },
    { name: "+1/3 stop", exposureStops: 1 / 3 },
    { name: "−1/3 stop", exposureStops: -1 / 3 },
    { name: "a mild warm cast", colourCast: WARM },
    { name: "a mild cool cast", colourCast: COOL },
  ];

  it.each(conditions)("is found under $name, inside the true card", ({ exposureStops, colourCast }) => {
    for (const size of [{}, SIZE, { width: 1024, height: 1024 }]) {
      const face = render({ ...size, exposureStops, colourCast, referencePatch: true });
      const card = face.referencePatch;
      if (!card) throw new Error("the face has no card");
      const found = findNeutralReference(face, { exclude: faceBox(face) });
      expect(found, `${face.width}×${face.height}`).not.toBeNull();
      if (!found) continue;
      expect(inside(found, card)).toBe(true);
      expect(found.width * found.height).toBeGreaterThan(0.3 * card.width * card.height);
      expect(found.confidence).toBeGreaterThan(0);
      expect(found.confidence).toBeLessThanOrEqual(1);
    }
  });

  it("is not found under a strong cast (documented limit: no correction rather than a guess)", () => {
    const face = render({ colourCast: [1.5, 1, 0.6], referencePatch: true });
    expect(findNeutralReference(face, { exclude: faceBox(face) })).toBeNull();
  });

  it("a neutral card scores a higher confidence than a tinted one", () => {
    const confidence = (colourCast?: LinearRgb) => {
      const face = render({ colourCast, referencePatch: true });
      return findNeutralReference(face, { exclude: faceBox(face) })?.confidence ?? 0;
    };
    expect(confidence()).toBeGreaterThan(confidence(WARM));
  });

  it("finds the card at full analysis size too (1024 × 1024)", () => {
    const face = render({ width: 1024, height: 1024, referencePatch: true });
    const found = findNeutralReference(face, { exclude: faceBox(face) });
    expect(found).not.toBeNull();
  });
});

describe("findNeutralReference: says null rather than guess", () => {
  it("a face without a card", () => {
    for (const group of ITA_GROUP_NAMES) {
      for (const colourCast of [undefined, WARM, COOL]) {
        const face = render({ skin: { group }, colourCast });
        expect(findNeutralReference(face, { exclude: faceBox(face) }), group).toBeNull();
        expect(findNeutralReference(face, {}), `${group}, no face box`).toBeNull();
      }
    }
  });

  it.each(SKIN_COLOURS)("a flat wall of $name", ({ rgb }) => {
    expect(findNeutralReference(uniformImage(512, 512, rgb), {})).toBeNull();
  });

  it.each(SKIN_COLOURS)("a card-shaped patch of $name where the grey card would be", ({ rgb }) => {
    // Same size, place and shape as the real card, so only the colour test can reject it.
    const face = render({ referencePatch: true });
    const card = face.referencePatch;
    if (!card) throw new Error("the face has no card");
    for (let y = card.y; y < card.y + card.height; y++) {
      for (let x = card.x; x < card.x + card.width; x++) face.data.set(rgb, (y * face.width + x) * 3);
    }
    expect(findNeutralReference(face, { exclude: faceBox(face) })).toBeNull();
  });

  it("a flat grey wall filling the frame (its true colour is unknown)", () => {
    expect(findNeutralReference(uniformImage(512, 512, [128, 128, 128]), {})).toBeNull();
  });

  it("noise", () => {
    const random = seededRandom(3);
    const image = uniformImage(512, 512, [128, 128, 128], 0);
    for (let i = 0; i < image.data.length; i++) image.data[i] = Math.floor(random() * 256);
    expect(findNeutralReference(image, {})).toBeNull();
  });

  it("a card inside the face box is ignored", () => {
    const face = render({ referencePatch: true });
    const card = face.referencePatch;
    if (!card) throw new Error("the face has no card");
    expect(findNeutralReference(face, { exclude: card })).toBeNull();
  });

  it("degenerate images", () => {
    expect(findNeutralReference({ width: 0, height: 0, channels: 3, data: new Uint8Array(0) }, {})).toBeNull();
    expect(findNeutralReference(uniformImage(3, 3, [128, 128, 128]), {})).toBeNull();
  });
});

describe("findNeutralReference: end to end with white balance", () => {
  /** The group read from a face, optionally corrected with the card this detector finds. */
  function groupOf(face: SyntheticFace, useReference: boolean): ItaGroup {
    let gains;
    if (useReference) {
      const found = findNeutralReference(face, { exclude: faceBox(face) });
      if (!found) throw new Error("no reference found");
      gains = whiteBalanceGains(meanLinearRgbInRect(face, found), GREY_CARD_REFLECTANCE);
    }
    return measureSkinTone(sampleRegions(face, face.regions, gains)).group;
  }

  const positions = [0.25, 0.5, 0.75] as const;
  const casts: readonly { name: string; exposureStops?: number; colourCast?: LinearRgb }[] = [
    { name: "a warm cast", colourCast: WARM },
    { name: "a cool cast", colourCast: COOL },
    { name: "+1/3 stop", exposureStops: 1 / 3 },
  ];

  it.each(casts)("under $name, faces the uncorrected reading gets wrong are put right (18 faces)", (light) => {
    let wrongWithout = 0;
    let wrongWith = 0;
    for (const group of ITA_GROUP_NAMES) {
      for (const position of positions) {
        const face = render({ ...SIZE, ...light, skin: { group, position }, referencePatch: true });
        if (groupOf(face, false) !== group) wrongWithout++;
        if (groupOf(face, true) !== group) wrongWith++;
      }
    }
    expect(wrongWithout).toBeGreaterThan(0);
    expect(wrongWith).toBe(0);
  });
});
