/**
 * Colour science for the local skin analysis engine: sRGB ↔ CIELAB, the Individual Typology Angle
 * (ITA°) and its skin-colour groups, a Fitzpatrick *estimate* derived from them, and white-balance /
 * exposure correction from a neutral reference patch.
 *
 * Pure and dependency-free: no I/O, no randomness, the same input always gives the same output.
 *
 * Conventions:
 * - sRGB values are 0–255 (8-bit code values, possibly fractional); linear RGB and XYZ are relative,
 *   with the D65 white at Y = 1.
 * - CIELAB uses the D65 reference white (the sRGB white), not D50: we never go through an ICC
 *   profile connection space, and D65 is the illuminant usually quoted in ITA° studies (Chardon 1991;
 *   Del Bino 2006, 2013).
 */

/** A colour in 8-bit sRGB code values (0–255). */
export type Rgb = readonly [r: number, g: number, b: number];
/** Linear-light RGB with the sRGB primaries; 1 is the white a diffuse 100 % reflector would give. */
export type LinearRgb = readonly [r: number, g: number, b: number];
/** CIE XYZ (D65), scaled so that the reference white has Y = 1. */
export type Xyz = readonly [x: number, y: number, z: number];

/** CIE 1976 L*a*b* under D65. */
export interface Lab {
  L: number;
  a: number;
  b: number;
}

/** An interleaved 8-bit image (what sharp's `.raw()` gives): `data[(y * width + x) * channels + c]`. */
export interface RgbImage {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA; alpha is ignored). */
  channels: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** An axis-aligned rectangle of pixels, for a reference patch. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

// ---------------------------------------------------------------------------------------------
// sRGB transfer function (IEC 61966-2-1:1999)
// ---------------------------------------------------------------------------------------------

const SRGB_MAX_CODE = 255;
/** Below this encoded value the sRGB curve is a straight line (avoids an infinite slope at 0). */
const SRGB_DECODE_LINEAR_LIMIT = 0.04045;
/** The same break point on the linear side. */
const SRGB_ENCODE_LINEAR_LIMIT = 0.0031308;
const SRGB_LINEAR_SLOPE = 12.92;
const SRGB_GAMMA = 2.4;
const SRGB_OFFSET = 0.055;

/** One encoded sRGB channel (0–255) to linear light (0–1). */
export function srgbChannelToLinear(code: number): number {
  const v = code / SRGB_MAX_CODE;
  if (v <= SRGB_DECODE_LINEAR_LIMIT) return v / SRGB_LINEAR_SLOPE;
  return ((v + SRGB_OFFSET) / (1 + SRGB_OFFSET)) ** SRGB_GAMMA;
}

/** One linear channel to an encoded sRGB value (0–255, fractional, clamped to the valid range). */
export function linearChannelToSrgb(linear: number): number {
  const l = Math.min(1, Math.max(0, linear));
  const v =
    l <= SRGB_ENCODE_LINEAR_LIMIT ? l * SRGB_LINEAR_SLOPE : (1 + SRGB_OFFSET) * l ** (1 / SRGB_GAMMA) - SRGB_OFFSET;
  return v * SRGB_MAX_CODE;
}

/** Decoding every 8-bit code once: images are decoded per pixel, so this keeps `pow` out of the loop. */
const SRGB8_TO_LINEAR: Float64Array = Float64Array.from({ length: SRGB_MAX_CODE + 1 }, (_, code) =>
  srgbChannelToLinear(code),
);

/** An integer 0–255 code to linear light through the lookup table. */
export function srgb8ToLinear(code: number): number {
  return SRGB8_TO_LINEAR[code] ?? srgbChannelToLinear(code);
}

export function srgbToLinear([r, g, b]: Rgb): LinearRgb {
  return [srgbChannelToLinear(r), srgbChannelToLinear(g), srgbChannelToLinear(b)];
}

export function linearToSrgb([r, g, b]: LinearRgb): Rgb {
  return [linearChannelToSrgb(r), linearChannelToSrgb(g), linearChannelToSrgb(b)];
}

// ---------------------------------------------------------------------------------------------
// Linear RGB ↔ XYZ (sRGB primaries, D65)
// ---------------------------------------------------------------------------------------------

type Matrix3 = readonly [Xyz, Xyz, Xyz];

/**
 * The sRGB → XYZ (D65) matrix to 7 decimals (derived from the sRGB primaries and D65, as tabulated by
 * B. Lindbloom). The 4-decimal version printed in IEC 61966-2-1 puts white at Z = 1.0890 instead of
 * 1.08883, which alone makes white come out at b* ≈ −0.01; this one maps white exactly onto Xn, Yn, Zn.
 */
const LINEAR_RGB_TO_XYZ: Matrix3 = [
  [0.4124564, 0.3575761, 0.1804375],
  [0.2126729, 0.7151522, 0.072175],
  [0.0193339, 0.119192, 0.9503041],
];

function multiply(m: Matrix3, [p, q, r]: readonly [number, number, number]): [number, number, number] {
  return [
    m[0][0] * p + m[0][1] * q + m[0][2] * r,
    m[1][0] * p + m[1][1] * q + m[1][2] * r,
    m[2][0] * p + m[2][1] * q + m[2][2] * r,
  ];
}

/** The inverse by cofactors, computed once so that RGB → XYZ → RGB is exact to floating point. */
function invert(m: Matrix3): Matrix3 {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

const XYZ_TO_LINEAR_RGB: Matrix3 = invert(LINEAR_RGB_TO_XYZ);

export function linearRgbToXyz(rgb: LinearRgb): Xyz {
  return multiply(LINEAR_RGB_TO_XYZ, rgb);
}

export function xyzToLinearRgb(xyz: Xyz): LinearRgb {
  return multiply(XYZ_TO_LINEAR_RGB, xyz);
}

/** Relative luminance Y of a linear RGB colour (the middle row of the matrix). */
export function luminance([r, g, b]: LinearRgb): number {
  const [yr, yg, yb] = LINEAR_RGB_TO_XYZ[1];
  return yr * r + yg * g + yb * b;
}

// ---------------------------------------------------------------------------------------------
// XYZ ↔ CIELAB (CIE 15:2004, with the exact ε and κ rather than the rounded 0.008856 / 903.3)
// ---------------------------------------------------------------------------------------------

/** The D65 reference white (2° observer), Y normalised to 1. */
export const D65_WHITE: Xyz = [0.95047, 1, 1.08883];
/** ε = (6/29)³: below this relative value the cube root is replaced by a straight line. */
const CIE_EPSILON = 216 / 24389;
/** κ = (29/3)³. */
const CIE_KAPPA = 24389 / 27;
const LAB_L_SCALE = 116;
const LAB_L_OFFSET = 16;
const LAB_A_SCALE = 500;
const LAB_B_SCALE = 200;

function labF(t: number): number {
  return t > CIE_EPSILON ? Math.cbrt(t) : (CIE_KAPPA * t + LAB_L_OFFSET) / LAB_L_SCALE;
}

function labFInverse(f: number): number {
  const cube = f * f * f;
  return cube > CIE_EPSILON ? cube : (LAB_L_SCALE * f - LAB_L_OFFSET) / CIE_KAPPA;
}

export function xyzToLab([x, y, z]: Xyz): Lab {
  const fx = labF(x / D65_WHITE[0]);
  const fy = labF(y / D65_WHITE[1]);
  const fz = labF(z / D65_WHITE[2]);
  return { L: LAB_L_SCALE * fy - LAB_L_OFFSET, a: LAB_A_SCALE * (fx - fy), b: LAB_B_SCALE * (fy - fz) };
}

export function labToXyz({ L, a, b }: Lab): Xyz {
  const fy = (L + LAB_L_OFFSET) / LAB_L_SCALE;
  const fx = fy + a / LAB_A_SCALE;
  const fz = fy - b / LAB_B_SCALE;
  return [labFInverse(fx) * D65_WHITE[0], labFInverse(fy) * D65_WHITE[1], labFInverse(fz) * D65_WHITE[2]];
}

export function linearRgbToLab(rgb: LinearRgb): Lab {
  return xyzToLab(linearRgbToXyz(rgb));
}

/** May return values outside 0–1 for colours outside the sRGB gamut; clamp before encoding. */
export function labToLinearRgb(lab: Lab): LinearRgb {
  return xyzToLinearRgb(labToXyz(lab));
}

export function srgbToLab(rgb: Rgb): Lab {
  return linearRgbToLab(srgbToLinear(rgb));
}

/** Out-of-gamut colours are clamped per channel to 0–255. */
export function labToSrgb(lab: Lab): Rgb {
  return linearToSrgb(labToLinearRgb(lab));
}

/** C*ab: distance from the neutral axis. */
export function chroma({ a, b }: Lab): number {
  return Math.hypot(a, b);
}

// ---------------------------------------------------------------------------------------------
// Individual Typology Angle and skin-colour groups
// ---------------------------------------------------------------------------------------------

const DEGREES_PER_RADIAN = 180 / Math.PI;
/** ITA° measures lightness from the mid-grey L* = 50 (Chardon et al. 1991). */
const ITA_L_ORIGIN = 50;

/**
 * Individual Typology Angle, ITA° = atan((L* − 50) / b*) × 180/π (Chardon, Cretois & Hourseau 1991,
 * Int J Cosmet Sci 13:191–208).
 *
 * Written as atan2(L* − 50, max(b*, 0)) so that it is defined everywhere: for b* > 0 (all real skin)
 * it equals the published formula; at b* = 0 it does not divide by zero; for b* < 0 (bluish, never
 * skin: usually a colour cast or a wrong region) the angle saturates at ±90° following the sign of
 * L* − 50 instead of wrapping past ±90°, so "lighter than mid-grey" still reads as very light and
 * "darker" as dark. Callers that care can detect that case with `b <= 0`.
 */
export function itaDegrees({ L, b }: Lab): number {
  return Math.atan2(L - ITA_L_ORIGIN, Math.max(b, 0)) * DEGREES_PER_RADIAN;
}

export type ItaGroup = "very light" | "light" | "intermediate" | "tan" | "brown" | "dark";

/**
 * The six skin-colour groups of Chardon et al. 1991 as extended by Del Bino et al. (Pigment Cell Res 19(6),
 * 2006; Del Bino & Bernerd, Br J Dermatol 169 Suppl 3, 2013). Each group is (lowerBound, upperBound]:
 * **a boundary value belongs to the darker group**, as in Del Bino's tables ("light: 41° < ITA° ≤ 55°").
 * Listed from lightest to darkest; the last lower bound is −∞.
 */
export const ITA_GROUPS: readonly { group: ItaGroup; above: number }[] = [
  { group: "very light", above: 55 },
  { group: "light", above: 41 },
  { group: "intermediate", above: 28 },
  { group: "tan", above: 10 },
  { group: "brown", above: -30 },
  { group: "dark", above: -Infinity },
];

/** The finite group boundaries, in degrees, lightest first. */
export const ITA_BOUNDARIES: readonly number[] = ITA_GROUPS.map((g) => g.above).filter(Number.isFinite);

export function itaGroupIndex(ita: number): number {
  const index = ITA_GROUPS.findIndex((g) => ita > g.above);
  return index === -1 ? ITA_GROUPS.length - 1 : index; // only NaN falls through; treat it as the last group
}

export function itaGroup(ita: number): ItaGroup {
  return ITA_GROUPS[itaGroupIndex(ita)]?.group ?? "dark";
}

// ---------------------------------------------------------------------------------------------
// Fitzpatrick estimate
// ---------------------------------------------------------------------------------------------

export type FitzpatrickType = "I" | "II" | "III" | "IV" | "V" | "VI";
const FITZPATRICK_TYPES: readonly FitzpatrickType[] = ["I", "II", "III", "IV", "V", "VI"];

/**
 * The mapping used, named in every result: the commonly used one-to-one correspondence of the six ITA
 * groups, in order, to Fitzpatrick I–VI (very light → I … dark → VI). It is a convention, not a
 * measurement: Fitzpatrick phototype is defined by how skin burns and tans in the sun, which colour
 * cannot observe, and ITA groups and phototypes were found to correlate poorly (Osto et al.,
 * Photochem Photobiol 2022). Hence the capped confidence and the questionnaire.
 */
export const FITZPATRICK_MAPPING = "ita-group-order-v1";
/**
 * Even when the colour is certain, colour alone cannot determine phototype: the estimate's confidence
 * is the tone's own (how likely its group is right under the light's uncertainty), and never above this.
 */
export const FITZPATRICK_MAX_CONFIDENCE = 0.7;

export interface FitzpatrickEstimate {
  type: FitzpatrickType;
  /** 1–6, the same as `type`. */
  typeNumber: number;
  /** 0–1: the tone's confidence, never above FITZPATRICK_MAX_CONFIDENCE. */
  confidence: number;
  /** The most likely other type when the tone's range spans more than one group, else null. */
  alternative: FitzpatrickType | null;
  /** Every type the tone's range spans, lightest first (one when the range stays in one group). */
  types: FitzpatrickType[];
  mapping: typeof FITZPATRICK_MAPPING;
  basis: "skin colour (ITA°) only";
  /** Always true: say "estimate" on every screen. */
  isEstimate: true;
  /** Offer the two-question burn/tan questionnaire to confirm or correct it. */
  confirmWith: "burn-tan-questionnaire";
}

/** What the estimate is made from: a skin tone with its range (app/analysis/illuminant.ts, toneUnderLight). */
export interface ToneGroups {
  group: ItaGroup;
  /** The groups the tone's ITA° range spans, lightest first. */
  groups: readonly ItaGroup[];
  alternative: ItaGroup | null;
  confidence: number;
}

function typeOf(group: ItaGroup): FitzpatrickType {
  return FITZPATRICK_TYPES[ITA_GROUPS.findIndex((g) => g.group === group)] ?? "VI";
}

export function fitzpatrickEstimate(tone: ToneGroups): FitzpatrickEstimate {
  const type = typeOf(tone.group);
  return {
    type,
    typeNumber: FITZPATRICK_TYPES.indexOf(type) + 1,
    confidence: Math.min(FITZPATRICK_MAX_CONFIDENCE, tone.confidence),
    alternative: tone.alternative ? typeOf(tone.alternative) : null,
    types: tone.groups.map(typeOf),
    mapping: FITZPATRICK_MAPPING,
    basis: "skin colour (ITA°) only",
    isEstimate: true,
    confirmWith: "burn-tan-questionnaire",
  };
}

// ---------------------------------------------------------------------------------------------
// White balance and exposure from a neutral reference patch
// ---------------------------------------------------------------------------------------------

/** Per-channel multipliers for linear RGB. */
export type ChannelGains = readonly [r: number, g: number, b: number];
export const UNITY_GAINS: ChannelGains = [1, 1, 1];

/** The reflectance of a standard photographic grey card (18 %). */
export const GREY_CARD_REFLECTANCE = 0.18;
/** A patch channel darker than this (≈ sRGB 5) is mostly noise: gains from it would be meaningless. */
export const PATCH_MIN_LINEAR = 0.0015;
/** A patch channel this bright is (nearly) clipped: its true value is unknown, so neither is its gain. */
export const PATCH_MAX_LINEAR = 0.98;

export class ReferencePatchError extends Error {
  override name = "ReferencePatchError";
}

/**
 * Gains that make a neutral patch neutral: a von Kries-style diagonal correction applied in linear
 * sRGB (not in a cone space such as Bradford; for the mild casts of indoor light on a neutral patch
 * the difference in skin Lab is small, and it is exact for the patch itself).
 *
 * - Without `reflectance` (white balance only): each channel is scaled to the patch's own luminance Y,
 *   so the patch becomes grey with unchanged brightness and overall exposure is left alone.
 * - With `reflectance` (its known linear reflectance, e.g. GREY_CARD_REFLECTANCE for an 18 % card, or
 *   ~0.9 for white paper): each channel is scaled to that value, which also normalises exposure, as if
 *   the card had been photographed at the exposure that renders it correctly.
 *
 * Assumes the patch is lit like the face and the camera's output is sRGB-encoded (phones add tone
 * curves, so exposure normalisation is approximate on real photos). Throws ReferencePatchError when a
 * channel is too dark or clipped to measure.
 */
export function whiteBalanceGains(patch: LinearRgb, reflectance?: number): ChannelGains {
  for (const channel of patch) {
    if (!Number.isFinite(channel) || channel < PATCH_MIN_LINEAR) {
      throw new ReferencePatchError("The reference patch is too dark to measure.");
    }
    if (channel > PATCH_MAX_LINEAR) throw new ReferencePatchError("The reference patch is clipped (overexposed).");
  }
  if (reflectance !== undefined && !(reflectance > 0 && reflectance <= 1)) {
    throw new RangeError("The patch reflectance must be in (0, 1].");
  }
  // The neutral grey with the patch's luminance (Y of white is 1.0000001 with this matrix, hence the division).
  const target = reflectance ?? luminance(patch) / luminance([1, 1, 1]);
  return [target / patch[0], target / patch[1], target / patch[2]];
}

export function applyGains([r, g, b]: LinearRgb, [gr, gg, gb]: ChannelGains): LinearRgb {
  return [r * gr, g * gg, b * gb];
}

/** An 8-bit sRGB pixel, corrected with `gains` in linear light, to Lab. Values above 1 are kept, not clipped. */
export function srgb8ToLab(r: number, g: number, b: number, gains: ChannelGains = UNITY_GAINS): Lab {
  return linearRgbToLab([srgb8ToLinear(r) * gains[0], srgb8ToLinear(g) * gains[1], srgb8ToLinear(b) * gains[2]]);
}

/**
 * The mean linear RGB inside a rectangle of an 8-bit sRGB image (the input to whiteBalanceGains).
 * `inset` pixels are skipped on every side, to stay clear of the patch's blurred edges.
 */
export function meanLinearRgbInRect(image: RgbImage, rect: PixelRect, inset = 0): LinearRgb {
  const x0 = Math.max(0, Math.round(rect.x + inset));
  const y0 = Math.max(0, Math.round(rect.y + inset));
  const x1 = Math.min(image.width, Math.round(rect.x + rect.width - inset));
  const y1 = Math.min(image.height, Math.round(rect.y + rect.height - inset));
  let red = 0;
  let green = 0;
  let blue = 0;
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const offset = (y * image.width + x) * image.channels;
      red += srgb8ToLinear(image.data[offset] ?? 0);
      green += srgb8ToLinear(image.data[offset + 1] ?? 0);
      blue += srgb8ToLinear(image.data[offset + 2] ?? 0);
      count++;
    }
  }
  if (count === 0) throw new ReferencePatchError("The reference patch is empty or outside the image.");
  return [red / count, green / count, blue / count];
}
