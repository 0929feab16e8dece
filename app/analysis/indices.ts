/**
 * Same-photo skin indices from CIELAB samples of facial regions: skin tone (ITA°, group and a
 * Fitzpatrick estimate), redness, tone unevenness, shine and under-eye darkness.
 *
 * Every index is a cosmetic indicator computed from one photo, not a diagnosis. Bands ("low",
 * "moderate", "high") are fixed cut-offs on the raw numbers, chosen to be readable (about one
 * just-noticeable colour difference, ΔE*ab ≈ 2.3, separates "low" from "moderate" where that applies);
 * they are not calibrated against clinical grading. Only robust statistics (medians, quantiles) are
 * used, so a few stray pixels (a hair, a highlight, a mole) cannot move a result much; everything is
 * deterministic. Deliberately absent: texture, age, ethnicity, identity.
 *
 * Regions are cut by the landmark code; this module only needs each region's pixels as Lab with their
 * image coordinates (`sampleRegions` builds them from an image and pixel coordinates).
 */
import {
  type ChannelGains,
  chroma,
  fitzpatrickEstimate,
  type FitzpatrickEstimate,
  type ItaGroup,
  type Lab,
  type RgbImage,
  srgb8ToLab,
  UNITY_GAINS,
} from "./colour";
import { describeTone, type LightUncertainty, toneUnderLight, UNKNOWN_LIGHT } from "./illuminant";

/** indices-2: the skin tone carries its ITA° range under the light's uncertainty (issue 11, item 3). */
export const INDICES_VERSION = "indices-2";

/** Left and right are the subject's own (an unmirrored photo shows the left cheek on the image's right). */
export type RegionName = "forehead" | "nose" | "leftCheek" | "rightCheek" | "leftUnderEye" | "rightUnderEye";
export const REGION_NAMES: readonly RegionName[] = [
  "forehead",
  "nose",
  "leftCheek",
  "rightCheek",
  "leftUnderEye",
  "rightUnderEye",
];

export interface PixelPoint {
  x: number;
  y: number;
}

/** One skin pixel: its colour and where it is (the position is needed to remove shading). */
export interface SkinSample extends Lab, PixelPoint {}

export type RegionPoints = Record<RegionName, readonly PixelPoint[]>;
export type RegionSamples = Record<RegionName, readonly SkinSample[]>;

/** Fewer pixels than this in a region and its medians are not worth reporting. */
export const MIN_REGION_SAMPLES = 20;

export class InsufficientSamplesError extends Error {
  override name = "InsufficientSamplesError";
  constructor(readonly region: RegionName) {
    super(`Too few skin pixels in region "${region}" (at least ${MIN_REGION_SAMPLES} are needed).`);
  }
}

// ---------------------------------------------------------------------------------------------
// Robust statistics
// ---------------------------------------------------------------------------------------------

type Numbers = ArrayLike<number>;

function sorted(values: Numbers): Float64Array {
  return Float64Array.from(values).sort();
}

/** The q-quantile (0–1) of already sorted values, interpolating linearly (Hyndman & Fan type 7). */
export function quantileOfSorted(values: Float64Array, q: number): number {
  if (values.length === 0) return NaN;
  const position = (values.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const low = values[below] ?? NaN;
  const high = values[Math.min(values.length - 1, below + 1)] ?? low;
  return low + (high - low) * (position - below);
}

const QUARTILE_LOW = 0.25;
const HALF = 0.5;
const QUARTILE_HIGH = 0.75;

export function quantile(values: Numbers, q: number): number {
  return quantileOfSorted(sorted(values), q);
}

export function median(values: Numbers): number {
  return quantile(values, HALF);
}

/** The spread of the middle half: insensitive to the few extreme pixels a mole or a hair adds. */
export function interquartileRange(values: Numbers): number {
  const s = sorted(values);
  return quantileOfSorted(s, QUARTILE_HIGH) - quantileOfSorted(s, QUARTILE_LOW);
}

/** Median absolute deviation from the median (unscaled). */
export function medianAbsoluteDeviation(values: Numbers): number {
  const m = median(values);
  return median(Array.from(values, (v) => Math.abs(v - m)));
}

/** MAD × 1.4826 estimates the standard deviation of normally distributed data. */
const MAD_TO_SIGMA = 1.4826;

/** Component-wise median of Lab samples. */
export function medianLab(samples: readonly Lab[]): Lab {
  return {
    L: median(samples.map((s) => s.L)),
    a: median(samples.map((s) => s.a)),
    b: median(samples.map((s) => s.b)),
  };
}

// ---------------------------------------------------------------------------------------------
// Sampling an image
// ---------------------------------------------------------------------------------------------

/**
 * Converts each region's pixels of an 8-bit sRGB image to Lab, after applying white-balance /
 * exposure `gains` in linear light (see `whiteBalanceGains`). Points outside the image are skipped.
 */
export function sampleRegions(image: RgbImage, points: RegionPoints, gains: ChannelGains = UNITY_GAINS): RegionSamples {
  const sampleOne = (list: readonly PixelPoint[]): SkinSample[] => {
    const out: SkinSample[] = [];
    for (const { x, y } of list) {
      const px = Math.round(x);
      const py = Math.round(y);
      if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      const offset = (py * image.width + px) * image.channels;
      const { L, a, b } = srgb8ToLab(
        image.data[offset] ?? 0,
        image.data[offset + 1] ?? 0,
        image.data[offset + 2] ?? 0,
        gains,
      );
      out.push({ L, a, b, x, y });
    }
    return out;
  };
  return {
    forehead: sampleOne(points.forehead),
    nose: sampleOne(points.nose),
    leftCheek: sampleOne(points.leftCheek),
    rightCheek: sampleOne(points.rightCheek),
    leftUnderEye: sampleOne(points.leftUnderEye),
    rightUnderEye: sampleOne(points.rightUnderEye),
  };
}

// ---------------------------------------------------------------------------------------------
// Specular (shine) pixels
// ---------------------------------------------------------------------------------------------

/**
 * A specular highlight reflects the light source, not the skin: it is much lighter than the region
 * around it and less saturated (the light is near-neutral after white balance). Thresholds are
 * relative to the region's own medians so that they work for every skin tone: an absolute "L* > 80"
 * would call all very light skin shiny and no dark skin shiny.
 */
export const SPECULAR_MIN_DELTA_L = 10;
/** …and chroma below this fraction of the region's median chroma. */
export const SPECULAR_MAX_CHROMA_RATIO = 0.75;

function specularFlags(samples: readonly SkinSample[]): boolean[] {
  const medianL = median(samples.map((s) => s.L));
  const medianChroma = median(samples.map(chroma));
  return samples.map(
    (s) => s.L > medianL + SPECULAR_MIN_DELTA_L && chroma(s) < medianChroma * SPECULAR_MAX_CHROMA_RATIO,
  );
}

// ---------------------------------------------------------------------------------------------
// Shading removal
// ---------------------------------------------------------------------------------------------

/** Pixels further than this many robust standard deviations from the first fit are left out of the second. */
const PLANE_FIT_OUTLIER_SIGMAS = 3;

interface Plane {
  level: number;
  slopeX: number;
  slopeY: number;
  meanX: number;
  meanY: number;
}

/** Least-squares L* = level + slopeX·(x − x̄) + slopeY·(y − ȳ); slopes are 0 when the points are collinear. */
function fitPlane(samples: readonly SkinSample[]): Plane {
  const n = samples.length;
  let meanX = 0;
  let meanY = 0;
  let level = 0;
  for (const s of samples) {
    meanX += s.x / n;
    meanY += s.y / n;
    level += s.L / n;
  }
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let sxl = 0;
  let syl = 0;
  for (const s of samples) {
    const dx = s.x - meanX;
    const dy = s.y - meanY;
    const dl = s.L - level;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
    sxl += dx * dl;
    syl += dy * dl;
  }
  const det = sxx * syy - sxy * sxy;
  if (!(Math.abs(det) > Number.EPSILON * Math.max(1, sxx * syy))) return { level, slopeX: 0, slopeY: 0, meanX, meanY };
  return { level, slopeX: (sxl * syy - syl * sxy) / det, slopeY: (syl * sxx - sxl * sxy) / det, meanX, meanY };
}

function residualsFrom(plane: Plane, samples: readonly SkinSample[]): Float64Array {
  return Float64Array.from(
    samples,
    (s) => s.L - (plane.level + plane.slopeX * (s.x - plane.meanX) + plane.slopeY * (s.y - plane.meanY)),
  );
}

/**
 * L* with the region's smooth shading removed: the face is curved and lit from one side, so raw L*
 * varies across a cheek even on perfectly even skin. A plane over pixel coordinates captures that
 * low-frequency part; it is fitted twice, the second time without the outliers of the first (dark
 * spots would otherwise tilt it), and the residuals are centred on their median, so each value reads
 * "this much lighter (+) or darker (−) than the skin around it".
 */
export function shadingResiduals(samples: readonly SkinSample[]): Float64Array {
  const first = residualsFrom(fitPlane(samples), samples);
  const sigma = medianAbsoluteDeviation(first) * MAD_TO_SIGMA;
  const centre = median(first);
  const inliers = samples.filter((_, i) => Math.abs((first[i] ?? 0) - centre) <= PLANE_FIT_OUTLIER_SIGMAS * sigma);
  const plane = inliers.length >= MIN_REGION_SAMPLES ? fitPlane(inliers) : fitPlane(samples);
  const residuals = residualsFrom(plane, samples);
  const offset = median(residuals);
  return residuals.map((r) => r - offset);
}

// ---------------------------------------------------------------------------------------------
// Scores and bands
// ---------------------------------------------------------------------------------------------

export type Band = "low" | "moderate" | "high";
/** Scores are 0–1; the bands split that range in thirds. */
export const BAND_MODERATE_FROM = 1 / 3;
export const BAND_HIGH_FROM = 2 / 3;

export function bandOf(score: number): Band {
  if (score >= BAND_HIGH_FROM) return "high";
  return score >= BAND_MODERATE_FROM ? "moderate" : "low";
}

/** Maps a raw value linearly onto 0–1: `floor` and below → 0, `full` and above → 1. */
function scoreOf(raw: number, floor: number, full: number): number {
  return Math.min(1, Math.max(0, (raw - floor) / (full - floor)));
}

/**
 * Raw values that give a score of 1. With the bands in thirds, e.g. redness is "moderate" from
 * Δa* ≈ 3.3 (above about one just-noticeable difference) and "high" from ≈ 6.7.
 */
export const REDNESS_FULL_SCALE_DELTA_A = 10;
export const UNDER_EYE_FULL_SCALE_DELTA_L = 12;
export const SHINE_FULL_SCALE_FRACTION = 0.15;
/** The IQR of shading-free L* that even skin shows anyway (sensor noise, fine texture): scored 0. */
export const UNEVENNESS_IQR_FLOOR = 1.5;
export const UNEVENNESS_FULL_SCALE_IQR = 6;
export const DARK_SPOT_FULL_SCALE_FRACTION = 0.06;
/** A pixel this many L* units darker than the skin around it counts as a dark spot (≈ 2–3 JNDs). */
export const DARK_SPOT_DELTA_L = 6;

// ---------------------------------------------------------------------------------------------
// The indices
// ---------------------------------------------------------------------------------------------

export interface SkinTone {
  /** Component-wise median Lab of the cheeks and forehead, highlights excluded. */
  lab: Lab;
  /** ITA° of `lab`: the point estimate, as the photo shows it (after any card correction). */
  itaDegrees: number;
  group: ItaGroup;
  fitzpatrick: FitzpatrickEstimate;
  sampleCount: number;
  /**
   * [darker, lighter] ITA° the skin could have under every light the photo cannot rule out
   * (app/analysis/illuminant.ts): ±1 stop and the warm and cool casts unless a card pins the light.
   */
  itaRange: [number, number];
  /** The groups `itaRange` spans, lightest first. */
  groups: ItaGroup[];
  /** 0–1: how likely `group` is right given the light's uncertainty; at most 0.4 when `groups` has more than one. */
  confidence: number;
  /** True only when a card of known reflectance pinned both exposure and the light's colour. */
  lightPinned: boolean;
  /** What was known about the light, and how far it could be off. */
  light: LightUncertainty;
  /** The tone in words (English), e.g. "between light and intermediate; the light in this photo made this uncertain (confidence: low)". */
  summary: string;
}

export interface Redness {
  /** Median a* of the cheeks minus median a* of the forehead (CIELAB units; + is redder). */
  deltaA: number;
  score: number;
  band: Band;
}

export interface Unevenness {
  /** Interquartile range of shading-free L* over forehead and cheeks (L* units). */
  lSpreadIqr: number;
  /** Fraction of those pixels more than DARK_SPOT_DELTA_L darker than the skin around them. */
  darkSpotFraction: number;
  /** The larger of the two sub-scores: either kind of unevenness is enough to notice. */
  score: number;
  band: Band;
}

export interface Shine {
  /** Fraction of T-zone (forehead and nose) pixels that are specular highlights. */
  specularFraction: number;
  score: number;
  band: Band;
}

export interface UnderEyeDarkness {
  /** Median L* of the cheeks minus median L* under the eyes (+ means darker under the eyes). */
  deltaL: number;
  score: number;
  band: Band;
}

export interface SkinIndices {
  version: typeof INDICES_VERSION;
  skinTone: SkinTone;
  redness: Redness;
  unevenness: Unevenness;
  shine: Shine;
  underEyeDarkness: UnderEyeDarkness;
}

interface PreparedRegion {
  all: readonly SkinSample[];
  /** The same pixels without specular highlights: colour is measured on skin, not on reflected light. */
  matte: readonly SkinSample[];
  specularCount: number;
}

function prepare(name: RegionName, samples: readonly SkinSample[]): PreparedRegion {
  if (samples.length < MIN_REGION_SAMPLES) throw new InsufficientSamplesError(name);
  const flags = specularFlags(samples);
  const matte = samples.filter((_, i) => !flags[i]);
  return { all: samples, matte, specularCount: samples.length - matte.length };
}

type Prepared = Record<RegionName, PreparedRegion>;

function matteOf<N extends RegionName>(
  prepared: Record<N, PreparedRegion>,
  names: readonly N[],
  channel: keyof Lab,
): number[] {
  return names.flatMap((name) => prepared[name].matte.map((s) => s[channel]));
}

const CHEEKS: readonly RegionName[] = ["leftCheek", "rightCheek"];
const UNDER_EYES: readonly RegionName[] = ["leftUnderEye", "rightUnderEye"];
/**
 * The broad, flat-ish areas whose colour best represents the face. Both are sun-exposed, so facial ITA°
 * reads darker than the unexposed sites (e.g. the inner arm) that colorimetric studies often use.
 */
export type ToneRegionName = "forehead" | "leftCheek" | "rightCheek";
const TONE_REGIONS: readonly ToneRegionName[] = ["forehead", "leftCheek", "rightCheek"];
const T_ZONE: readonly RegionName[] = ["forehead", "nose"];

/**
 * ITA° is computed from the median Lab rather than as the median of per-pixel ITA: per-pixel angles
 * are unstable where b* is small and noisy, while the median colour is not. The light's uncertainty
 * turns it into a range, and the range sets the confidence (app/analysis/illuminant.ts).
 */
function skinToneOf(prepared: Record<ToneRegionName, PreparedRegion>, light: LightUncertainty): SkinTone {
  const lab = {
    L: median(matteOf(prepared, TONE_REGIONS, "L")),
    a: median(matteOf(prepared, TONE_REGIONS, "a")),
    b: median(matteOf(prepared, TONE_REGIONS, "b")),
  };
  const tone = toneUnderLight(lab, light);
  const sampleCount = TONE_REGIONS.reduce((n, name) => n + prepared[name].matte.length, 0);
  return {
    lab,
    itaDegrees: tone.ita,
    group: tone.group,
    fitzpatrick: fitzpatrickEstimate(tone),
    sampleCount,
    itaRange: tone.itaRange,
    groups: tone.groups,
    confidence: tone.confidence,
    lightPinned: tone.lightPinned,
    light: { ...light },
    summary: describeTone(tone),
  };
}

/**
 * The baseline is the forehead of the same face in the same photo: same person, same light, same
 * white balance, so skin tone and residual colour casts cancel and only the local excess of a*
 * (erythema, flushing) remains. The nose is not used as baseline because it is itself a usual site of
 * redness (and of shadows and highlights); the subject's overall median is not used because it would
 * contain the cheeks being measured and shrink the difference.
 */
function rednessOf(prepared: Prepared): Redness {
  const deltaA = median(matteOf(prepared, CHEEKS, "a")) - median(matteOf(prepared, ["forehead"], "a"));
  const score = scoreOf(deltaA, 0, REDNESS_FULL_SCALE_DELTA_A);
  return { deltaA, score, band: bandOf(score) };
}

/** The nose is left out: its ridge is too curved for a plane to remove its shading. */
function unevennessOf(prepared: Prepared): Unevenness {
  const residuals = TONE_REGIONS.flatMap((name) => Array.from(shadingResiduals(prepared[name].matte)));
  const lSpreadIqr = interquartileRange(residuals);
  const darkSpotFraction = residuals.filter((r) => r < -DARK_SPOT_DELTA_L).length / residuals.length;
  const score = Math.max(
    scoreOf(lSpreadIqr, UNEVENNESS_IQR_FLOOR, UNEVENNESS_FULL_SCALE_IQR),
    scoreOf(darkSpotFraction, 0, DARK_SPOT_FULL_SCALE_FRACTION),
  );
  return { lSpreadIqr, darkSpotFraction, score, band: bandOf(score) };
}

function shineOf(prepared: Prepared): Shine {
  const total = T_ZONE.reduce((n, name) => n + prepared[name].all.length, 0);
  const specular = T_ZONE.reduce((n, name) => n + prepared[name].specularCount, 0);
  const specularFraction = specular / total;
  const score = scoreOf(specularFraction, 0, SHINE_FULL_SCALE_FRACTION);
  return { specularFraction, score, band: bandOf(score) };
}

/** The cheek is the nearest broad skin area below the eye, lit much the same way. */
function underEyeOf(prepared: Prepared): UnderEyeDarkness {
  const deltaL = median(matteOf(prepared, CHEEKS, "L")) - median(matteOf(prepared, UNDER_EYES, "L"));
  const score = scoreOf(deltaL, 0, UNDER_EYE_FULL_SCALE_DELTA_L);
  return { deltaL, score, band: bandOf(score) };
}

/**
 * Skin tone alone, from the forehead and cheeks (cheaper than `analyseSkin` when that is all you need).
 * `light` says what is known about the light; by default nothing (a photo without a card).
 */
export function measureSkinTone(
  regions: Pick<RegionSamples, ToneRegionName>,
  light: LightUncertainty = UNKNOWN_LIGHT,
): SkinTone {
  return skinToneOf(
    {
      forehead: prepare("forehead", regions.forehead),
      leftCheek: prepare("leftCheek", regions.leftCheek),
      rightCheek: prepare("rightCheek", regions.rightCheek),
    },
    light,
  );
}

/**
 * All indices for one face. Throws InsufficientSamplesError when a region has too few pixels. `light`
 * matters only to the skin tone: the other indices compare parts of the same photo, so the light cancels.
 */
export function analyseSkin(regions: RegionSamples, light: LightUncertainty = UNKNOWN_LIGHT): SkinIndices {
  const prepared = Object.fromEntries(REGION_NAMES.map((name) => [name, prepare(name, regions[name])])) as Prepared;
  return {
    version: INDICES_VERSION,
    skinTone: skinToneOf(prepared, light),
    redness: rednessOf(prepared),
    unevenness: unevennessOf(prepared),
    shine: shineOf(prepared),
    underEyeDarkness: underEyeOf(prepared),
  };
}
