/**
 * How well the light a photo was taken in is known, and what the rest does to skin tone (issue 11,
 * item 3; P18: "a result is never more certain than the photo allows").
 *
 * A photo records skin colour × the light: its exposure scales every colour, its colour (warm tungsten,
 * cool shade) tints it. ITA° = atan((L* − 50) / b*) moves with both: one stop changes L* by up to ~17
 * units, a visible cast changes b* by up to ~8. Unless something of known colour is in the photo, the
 * light is not known, so neither is the tone: the engine then reports the ITA° interval the skin could
 * be in under every light it cannot rule out, the groups that interval spans, and a confidence that
 * follows from how much of it falls in the reported group.
 *
 * What pins the light, and how well (measured in docs/analysis-engine.md, "Tone under unknown light"):
 * - a neutral card whose reflectance the caller gives (e.g. an 18 % grey card) pins exposure and colour;
 * - a card the caller points to without its reflectance pins the colour only;
 * - a card the engine finds itself recentres the colour, but is not trusted to pin it: the finder
 *   accepts surfaces up to ±25 % off neutral per channel, more than a visible cast;
 * - nothing else does. The whites of the eyes, specular highlights and the frame's grey-world average
 *   were measured on the real demo photos and each varies more from face to face than the errors it
 *   would have to catch, so none of them narrows the interval.
 *
 * Pure and deterministic.
 */
import {
  type ChannelGains,
  itaDegrees,
  itaGroupIndex,
  ITA_GROUPS,
  type ItaGroup,
  type Lab,
  labToLinearRgb,
  linearRgbToLab,
} from "./colour";

// ---------------------------------------------------------------------------------------------
// The light's uncertainty
// ---------------------------------------------------------------------------------------------

/** What the engine knew about the light when it measured the tone. */
export type LightSource =
  /** A neutral card of known reflectance, given by the caller: exposure and colour known. */
  | "card"
  /** A neutral card given by the caller without its reflectance: colour known, exposure not. */
  | "card-colour-only"
  /** Nothing of known colour: neither exposure nor the colour of the light is known. */
  | "none";

export interface LightUncertainty {
  source: LightSource;
  /** The exposure may be off by up to this many stops either way (1 stop = twice or half the light). */
  exposureStops: number;
  /** The light's colour may be off by up to this many cast units either way (see CAST_UNIT). */
  castUnits: number;
}

/**
 * One cast unit, as linear-RGB gains in log2: the warm (tungsten-like) cast [1.15, 1, 0.8] at +1.
 * The cool (shade-like) cast [0.87, 1, 1.2] lies within −1 (which is [0.869, 1, 1.25]), so ±1 spans
 * both casts the robustness tests apply, along the blue–amber line real light sources vary on.
 */
export const CAST_UNIT = { log2Red: Math.log2(1.15), log2Blue: Math.log2(0.8) } as const;

/** The channel gains of a cast of `units` (positive is warmer). */
export function castGains(units: number): ChannelGains {
  return [2 ** (units * CAST_UNIT.log2Red), 1, 2 ** (units * CAST_UNIT.log2Blue)];
}

/**
 * Without a card, the exposure is taken to be within ±1 stop and the colour of the light within the warm
 * and cool casts: the envelope P18 names ("±1 stop or a visible colour cast"). It is an assumption about
 * phone cameras, not a measurement; no estimator measured on the real photos narrowed it (see above).
 */
export const UNPINNED_EXPOSURE_STOPS = 1;
export const UNPINNED_CAST_UNITS = 1;
/**
 * With a card in the photo: it is measured precisely (the synthetic faces come back within 0.7° ITA),
 * so what remains is whether it is lit like the face. Allowed: ±0.1 stop (±7 % light) and a tenth of
 * a cast, for a card held beside the face. An assumption: no real photo with a card was measured.
 */
export const CARD_EXPOSURE_STOPS = 0.1;
export const CARD_CAST_UNITS = 0.1;

export const UNKNOWN_LIGHT: LightUncertainty = {
  source: "none",
  exposureStops: UNPINNED_EXPOSURE_STOPS,
  castUnits: UNPINNED_CAST_UNITS,
};
export const CARD_LIGHT: LightUncertainty = {
  source: "card",
  exposureStops: CARD_EXPOSURE_STOPS,
  castUnits: CARD_CAST_UNITS,
};
export const CARD_COLOUR_ONLY_LIGHT: LightUncertainty = {
  source: "card-colour-only",
  exposureStops: UNPINNED_EXPOSURE_STOPS,
  castUnits: CARD_CAST_UNITS,
};
/** The light is pinned when both its exposure and its colour are known to within a card's allowance. */
export function isLightPinned(light: LightUncertainty): boolean {
  return light.exposureStops <= CARD_EXPOSURE_STOPS && light.castUnits <= CARD_CAST_UNITS;
}

// ---------------------------------------------------------------------------------------------
// From the light's uncertainty to an ITA° interval
// ---------------------------------------------------------------------------------------------

/**
 * Besides the light, the median colour itself varies a little between two copies of the same photo:
 * resizing the real demo crops to 800 or 640 px or re-encoding them at JPEG quality 75 moved it by at
 * most 0.21 L* and 0.63 b* (bench/tone-light.bench.ts, part D), hence ±0.5 L* and ±0.7 b*.
 */
export const MEASUREMENT_DELTA_L = 0.5;
export const MEASUREMENT_DELTA_B = 0.7;

/**
 * Points per axis over the exposure × cast box (odd, so the measured colour itself is one of them).
 * The interval's ends are at the box's corners (ITA° rises with exposure and falls with warmth), so the
 * grid only sets how finely the share in each group is resolved: 1/81 of the box per point.
 */
const GRID_STEPS = 9;
const MEASUREMENT_OFFSETS = [-1, 0, 1] as const;

/**
 * Skin in daylight is yellowish: b* of about 10–25 across the ITA° groups (the synthetic faces use at
 * least 10, after published skin colours), so a light that would leave the true skin below 5 is ruled
 * out: those corners of the box are dropped from the range (ITA° swings to ±90° as b* nears 0, which
 * otherwise makes every range span every group). The same floor, whatever the skin's lightness. And a
 * measured b* below it means the light is bluer than anything allowed for (a stage or screen light) or the
 * regions are not on skin: the tone is then reported with low confidence whatever its range.
 */
export const SKIN_MIN_B = 5;

/** Even with the light pinned, the card's own allowance is an assumption: confidence stays below 1. */
export const TONE_MAX_CONFIDENCE = 0.9;
/** P18: a tone whose interval spans more than one group is never reported above this confidence. */
export const SPANNING_MAX_CONFIDENCE = 0.4;

export interface ToneUnderLight {
  /** ITA° of the colour as measured (after any card correction): the point estimate. */
  ita: number;
  group: ItaGroup;
  /** The lowest and highest ITA° the skin could have under the light's uncertainty, [darker, lighter]. */
  itaRange: [number, number];
  /** Every group the interval touches, lightest first; `group` is one of them. */
  groups: ItaGroup[];
  /** Share (0–1) of the uncertainty box whose ITA° falls in `group`: how likely the group is right. */
  share: number;
  /** The most likely other group, or null when the interval stays within one group. */
  alternative: ItaGroup | null;
  /**
   * share × TONE_MAX_CONFIDENCE, and never above SPANNING_MAX_CONFIDENCE when the interval spans groups
   * or the colour is not one skin has in daylight.
   */
  confidence: number;
  lightPinned: boolean;
  /** False when b* is below SKIN_MIN_B: the light's colour is outside what the range allows for. */
  daylightLike: boolean;
}

/** The range's ends are reported to 0.1°, rounded outwards so the range still holds every value in it. */
function tenthBelow(value: number): number {
  return Math.floor(value * 10) / 10;
}

function tenthAbove(value: number): number {
  return Math.ceil(value * 10) / 10;
}

function hundredth(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The tone of a measured skin colour under the light's uncertainty: every exposure and cast in the box
 * (uniformly weighted), each with the measurement's own ±1 L* / b*, is undone from the colour in linear
 * light and its ITA° computed.
 */
export function toneUnderLight(lab: Lab, light: LightUncertainty): ToneUnderLight {
  const ita = itaDegrees(lab);
  const pointIndex = itaGroupIndex(ita);
  const linear = labToLinearRgb(lab);
  const values: number[] = [];
  const plausible: number[] = [];
  for (let i = 0; i < GRID_STEPS; i++) {
    const x = 2 * (i / (GRID_STEPS - 1)) - 1;
    for (let j = 0; j < GRID_STEPS; j++) {
      const y = 2 * (j / (GRID_STEPS - 1)) - 1;
      // Within the ellipse: either error in full, or both in part (the two are independent).
      if (x * x + y * y > 1 + 1e-9) continue;
      const stops = light.exposureStops * x;
      const units = light.castUnits * y;
      const [gr, gg, gb] = castGains(units);
      const scale = 2 ** stops;
      const shifted = linearRgbToLab([linear[0] * scale * gr, linear[1] * scale * gg, linear[2] * scale * gb]);
      for (const dl of MEASUREMENT_OFFSETS) {
        for (const db of MEASUREMENT_OFFSETS) {
          const b = shifted.b + db * MEASUREMENT_DELTA_B;
          const value = itaDegrees({ L: shifted.L + dl * MEASUREMENT_DELTA_L, a: shifted.a, b });
          values.push(value);
          if (b >= SKIN_MIN_B) plausible.push(value);
        }
      }
    }
  }
  // Only lights that leave a skin-like colour count; if none does, the light is beyond the box: keep all.
  const kept = plausible.length > 0 ? plausible : values;
  const counts = new Array<number>(ITA_GROUPS.length).fill(0);
  let lowest = ita;
  let highest = ita;
  for (const value of kept) {
    lowest = Math.min(lowest, value);
    highest = Math.max(highest, value);
    const index = itaGroupIndex(value);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  // The interval is contiguous in ITA°, so the groups are every one between its two ends.
  const lightestIndex = Math.min(itaGroupIndex(highest), pointIndex);
  const darkestIndex = Math.max(itaGroupIndex(lowest), pointIndex);
  const groups = ITA_GROUPS.slice(lightestIndex, darkestIndex + 1).map((g) => g.group);
  const share = (counts[pointIndex] ?? 0) / kept.length;
  let alternativeIndex = -1;
  counts.forEach((count, index) => {
    if (index !== pointIndex && count > 0 && count > (counts[alternativeIndex] ?? 0)) alternativeIndex = index;
  });
  const daylightLike = lab.b >= SKIN_MIN_B;
  const confidence = share * TONE_MAX_CONFIDENCE;
  const capped = groups.length > 1 || !daylightLike ? Math.min(confidence, SPANNING_MAX_CONFIDENCE) : confidence;
  return {
    ita,
    group: ITA_GROUPS[pointIndex]?.group ?? "dark",
    itaRange: [tenthBelow(lowest), tenthAbove(highest)],
    groups,
    share,
    alternative: ITA_GROUPS[alternativeIndex]?.group ?? null,
    confidence: hundredth(capped),
    lightPinned: isLightPinned(light),
    daylightLike,
  };
}

// ---------------------------------------------------------------------------------------------
// In words
// ---------------------------------------------------------------------------------------------

export type ConfidenceWord = "low" | "moderate" | "high";
/** Up to SPANNING_MAX_CONFIDENCE (every tone that spans groups) is low; from 0.7 it is high. */
export const CONFIDENCE_HIGH_FROM = 0.7;

export function confidenceWord(confidence: number): ConfidenceWord {
  if (confidence <= SPANNING_MAX_CONFIDENCE) return "low";
  return confidence >= CONFIDENCE_HIGH_FROM ? "high" : "moderate";
}

/**
 * The tone in one English sentence, for the API's answer (the widget builds the same sentence from its
 * locale files, in the shopper's language): e.g. "between light and intermediate; the light in this
 * photo made this uncertain (confidence: low)".
 */
export function describeTone(
  tone: Pick<ToneUnderLight, "group" | "groups" | "confidence" | "lightPinned" | "daylightLike">,
): string {
  const confidence = `(confidence: ${confidenceWord(tone.confidence)})`;
  const lightest = tone.groups[0] ?? tone.group;
  const darkest = tone.groups[tone.groups.length - 1] ?? tone.group;
  const colour = tone.daylightLike ? "" : "; the colour of the light in this photo is far from daylight";
  if (tone.groups.length <= 1) return `${tone.group}${colour} ${confidence}`;
  if (tone.groups.length === 2) {
    const cause = tone.lightPinned ? "close to the boundary" : "the light in this photo made this uncertain";
    return `between ${lightest} and ${darkest}; ${cause}${colour} ${confidence}`;
  }
  return (
    `somewhere from ${lightest} to ${darkest}: the light in this photo could not be pinned, so skin colour ` +
    `alone cannot tell; the two burn/tan questions can${colour} ${confidence}`
  );
}
