/**
 * How much each index moves between two photos of the same, unchanged face (issue 11, item 5; P19), and
 * so how large a change must be before before/after tracking may call it real.
 *
 * Re-captures differ as a second photo taken the same way would: the face a few pixels elsewhere in
 * the frame, the exposure up to ⅓ stop either way, the JPEG saved at another quality or twice (and, on
 * the synthetic faces, new sensor noise). For each index the within-face standard deviation (SD) over
 * those re-captures, pooled over faces, gives the minimal detectable change at 95 %:
 * MDC95 = 1.96 · √2 · SD (the difference of two captures has √2 times one capture's SD). A change
 * smaller than that is within what re-taking the photo does to an unchanged face.
 *
 * The figures are measured, not chosen: `npx vite-node --config vitest.config.ts
 * bench/engine-repeatability.bench.ts` re-measures them and prints them beside these constants, and
 * test/engine-repeatability.test.ts checks them against the current engine on a few faces, so a change
 * to the engine that makes an index noisier fails there until they are re-measured. They hold for the
 * built-in engine under the conditions `comparableCaptures` checks; for a remote analysis API the
 * repeatability is unknown and its scans are not compared. Pure module: no I/O.
 */
import type { EngineInfo, Measurement } from "./engine";
import { DARK_SPOT_FULL_SCALE_FRACTION, UNEVENNESS_FULL_SCALE_IQR, UNEVENNESS_IQR_FLOOR } from "./indices";

export type RepeatabilityIndex = "ita" | "redness" | "unevenness" | "shine" | "underEye";
export const REPEATABILITY_INDICES: readonly RepeatabilityIndex[] = [
  "ita",
  "redness",
  "unevenness",
  "shine",
  "underEye",
];

/** The measured figures for one index, in that index's own unit (`indexValue`). */
export interface IndexRepeatability {
  /** What the value is, and its unit. */
  quantity: string;
  /** Pooled within-face standard deviation over re-captures. */
  sd: number;
  /** Minimal detectable change at 95 %: 1.96 · √2 · sd. */
  mdc95: number;
}

/** 1.96 · √2: a difference of two captures beyond MDC95 = this × SD happens by chance in 5 % of pairs. */
export const MDC95_PER_SD = 1.96 * Math.SQRT2;

export function mdc95(sd: number): number {
  return MDC95_PER_SD * sd;
}

const measured = (quantity: string, sd: number): IndexRepeatability => ({ quantity, sd, mdc95: mdc95(sd) });

/**
 * The repeatability of each index, as measured. `sd` is the larger of the two sets' pooled SDs (the
 * real demo crops and the synthetic faces), so a change called real is real on both.
 */
export const REPEATABILITY = {
  /**
   * The engine the figures were measured on. Another engine (a remote API) is not covered; a later
   * version of this one is, as long as test/engine-repeatability.test.ts still passes on it.
   */
  engine: { name: "scanshield-local", version: "1.1.0+indices-2" } satisfies EngineInfo,
  measuredOn: "2026-11-29",
  command: "npx vite-node --config vitest.config.ts bench/engine-repeatability.bench.ts",
  /** What a re-capture could differ by (test/support/recaptures.ts). */
  conditions: {
    /** Exposure of each capture within ±⅓ stop of the first. */
    maxExposureStops: 1 / 3,
    /** The face moved by up to this many pixels in the ≤ 1024 px photo. */
    maxShiftPx: 3,
    /** JPEG qualities the uploads were encoded at (one of them twice). */
    jpegQualities: [92, 85, 80],
  },
  indices: {
    ita: measured("ITA° of the skin tone (skinTone.itaDegrees), degrees", 6.73),
    redness: measured("Δa* of the cheeks against the forehead (redness.deltaA), CIELAB a* units", 0.431),
    unevenness: measured("unevenness score before it is capped to 0–1 (`unevennessUncapped`)", 0.067),
    shine: measured("share of T-zone pixels that are highlights (shine.specularFraction), 0–1", 0.0175),
    underEye: measured("ΔL* of the cheeks against under the eyes (underEyeDarkness.deltaL), L* units", 0.77),
  } satisfies Record<RepeatabilityIndex, IndexRepeatability>,
} as const;

type Indices = Measurement["indices"];

/**
 * The unevenness score (app/analysis/indices.ts) before it is capped to 0–1: the larger of its two
 * sub-scores. Capped, every face past the top of the scale would read 1 in every photo and seem
 * perfectly repeatable; uncapped, the score's unit is kept and its noise is seen.
 */
export function unevennessUncapped(unevenness: Pick<Indices["unevenness"], "lSpreadIqr" | "darkSpotFraction">): number {
  return Math.max(
    (unevenness.lSpreadIqr - UNEVENNESS_IQR_FLOOR) / (UNEVENNESS_FULL_SCALE_IQR - UNEVENNESS_IQR_FLOOR),
    unevenness.darkSpotFraction / DARK_SPOT_FULL_SCALE_FRACTION,
  );
}

/** The value of `index` that the figures are about: the one to subtract between two scans. */
export function indexValue(index: RepeatabilityIndex, indices: Indices): number {
  switch (index) {
    case "ita":
      return indices.skinTone.itaDegrees;
    case "redness":
      return indices.redness.deltaA;
    case "unevenness":
      return unevennessUncapped(indices.unevenness);
    case "shine":
      return indices.shine.specularFraction;
    case "underEye":
      return indices.underEyeDarkness.deltaL;
  }
}

/**
 * Whether a change of `delta` (later minus earlier, in the index's unit) is beyond what re-taking the
 * photo does to an unchanged face. Only for scans `comparableCaptures` calls comparable for that index.
 */
export function isMeaningfulChange(index: RepeatabilityIndex, delta: number): boolean {
  return Number.isFinite(delta) && Math.abs(delta) > REPEATABILITY.indices[index].mdc95;
}

/**
 * Pooled within-group standard deviation: √(Σ groups Σ (x − group mean)² / Σ (n − 1)). Groups with
 * fewer than two values carry no within-group spread and are left out; NaN when none has two.
 */
export function pooledWithinSd(groups: readonly (readonly number[])[]): number {
  let squares = 0;
  let freedom = 0;
  for (const values of groups) {
    if (values.length < 2) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    squares += values.reduce((a, b) => a + (b - mean) ** 2, 0);
    freedom += values.length - 1;
  }
  return freedom === 0 ? NaN : Math.sqrt(squares / freedom);
}

// ---------------------------------------------------------------------------------------------
// Which scans may be compared
// ---------------------------------------------------------------------------------------------

/** What a stored scan keeps that matters here (the engine's answer, as `AnalysisOutcome` has it). */
export interface Capture {
  status: "accepted" | "refused";
  engine: EngineInfo;
  quality: { measured: Readonly<Record<string, number>> };
  measurement?: Pick<Measurement, "indices" | "whiteBalance">;
}

export type NotComparableReason =
  /** One of the scans was refused by the quality gates: it has no numbers. */
  | "refused"
  /** Different engines or versions measure differently. */
  | "different_engine"
  /** The repeatability of this engine (a remote analysis API) was never measured. */
  | "repeatability_unknown"
  /** One photo was colour-corrected with a card and the other not: their colours are on different footings. */
  | "different_white_balance"
  /** The skin's brightness differs by more than the re-captures' exposure did: light or skin, no telling. */
  | "different_exposure"
  /** Tone only: a card pinned the light in one photo and not in the other. */
  | "different_light_knowledge";

export interface Comparability {
  /** True when at least one index may be compared. */
  comparable: boolean;
  /** The indices whose change may be judged with `isMeaningfulChange`. */
  indices: RepeatabilityIndex[];
  reasons: NotComparableReason[];
  /** How far apart the two photos' skin brightness is, in stops (NaN when not known). */
  exposureStops: number;
}

/** Relative luminance (0–1) of an L* value. */
function luminanceOfL(L: number): number {
  const f = (L + 16) / 116;
  return f > 6 / 29 ? f ** 3 : 3 * (6 / 29) ** 2 * (f - 4 / 29);
}

/**
 * The largest difference in skin brightness between two comparable scans, in stops: each re-capture
 * was within ±⅓ stop of the first, so two of them up to ⅔ stop apart.
 */
export const MAX_EXPOSURE_DIFFERENCE_STOPS = 2 * REPEATABILITY.conditions.maxExposureStops;

/** Median skin L* of a scan: what the quality gates measured, else the tone's own L*. */
function skinLOf(capture: Capture): number {
  const gate = capture.quality.measured.skinL;
  return typeof gate === "number" ? gate : (capture.measurement?.indices.skinTone.lab.L ?? NaN);
}

/**
 * Whether two scans were taken under conditions the repeatability was measured under, and so which of
 * their indices may be compared: both accepted, by the same engine and version (the built-in engine,
 * whose repeatability is measured), both colour-corrected with a card or both not, and, unless a card pinned the light in
 * both, skin brightness within ⅔ stop of each other (beyond that, a change of light cannot be told from
 * a change of skin). The tone also needs the light pinned in both or in neither. Order does not matter.
 */
export function comparableCaptures(a: Capture, b: Capture): Comparability {
  const reasons: NotComparableReason[] = [];
  const measurementA = a.status === "accepted" ? a.measurement : undefined;
  const measurementB = b.status === "accepted" ? b.measurement : undefined;
  if (!measurementA || !measurementB) reasons.push("refused");
  if (a.engine.name !== b.engine.name || a.engine.version !== b.engine.version) reasons.push("different_engine");
  else if (a.engine.name !== REPEATABILITY.engine.name) reasons.push("repeatability_unknown");
  const pinnedA = measurementA?.indices.skinTone.lightPinned ?? false;
  const pinnedB = measurementB?.indices.skinTone.lightPinned ?? false;
  let exposureStops = NaN;
  if (measurementA && measurementB) {
    if (measurementA.whiteBalance !== measurementB.whiteBalance) reasons.push("different_white_balance");
    exposureStops = Math.abs(Math.log2(luminanceOfL(skinLOf(a))) - Math.log2(luminanceOfL(skinLOf(b))));
    // With the light pinned in both, the card has undone the exposure: what is left is the skin's own.
    if (!(pinnedA && pinnedB) && !(exposureStops <= MAX_EXPOSURE_DIFFERENCE_STOPS)) reasons.push("different_exposure");
  }
  if (reasons.length > 0) return { comparable: false, indices: [], reasons, exposureStops };
  if (pinnedA !== pinnedB) reasons.push("different_light_knowledge");
  const indices = REPEATABILITY_INDICES.filter((index) => index !== "ita" || pinnedA === pinnedB);
  return { comparable: true, indices, reasons, exposureStops };
}
