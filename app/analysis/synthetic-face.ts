/**
 * Renders synthetic "faces" of a known skin colour, for tests and benchmarks of the analysis engine.
 *
 * A face is an oval of skin with eyes, brows, nose shadows, lips, hair and a neck, on a plain
 * background, lit with smooth shading (a left–right gradient and darkening toward the edges). On top:
 * seeded sensor noise, optional effects with known strength (cheek redness, dark spots, T-zone
 * highlights, darker under-eyes), an optional exposure shift and colour cast, and optionally an 18 %
 * grey card in the top-left corner. It returns the pixel coordinates of the skin regions it used, so
 * indices can be tested without a landmark detector; the same images can be fed to the detector.
 *
 * Rendering is physically ordered: skin colour (Lab, with effects) → linear RGB → × shading + specular
 * → × exposure × cast (the light) → sRGB encoding → + noise → 8-bit. Deterministic: the same options
 * give the same bytes.
 */
import {
  GREY_CARD_REFLECTANCE,
  ITA_GROUPS,
  type ItaGroup,
  type Lab,
  labToLinearRgb,
  type LinearRgb,
  linearChannelToSrgb,
  type PixelRect,
  type RgbImage,
} from "./colour";
import type { PixelPoint, RegionName, RegionPoints } from "./indices";

// ---------------------------------------------------------------------------------------------
// Skin colours of known ITA°
// ---------------------------------------------------------------------------------------------

/**
 * The ITA° range each group is rendered from: the published bounds, with the two open-ended groups
 * closed at +70° and −55° (a rendering choice, not a claim about population ranges).
 */
export const SYNTHETIC_ITA_RANGES: Readonly<Record<ItaGroup, readonly [lower: number, upper: number]>> = {
  "very light": [55, 70],
  light: [41, 55],
  intermediate: [28, 41],
  tan: [10, 28],
  brown: [-30, 10],
  dark: [-55, -30],
};

/** The ITA° groups in order, lightest first (for test tables). */
export const ITA_GROUP_NAMES: readonly ItaGroup[] = ITA_GROUPS.map((g) => g.group);

/** The ITA° at `position` (0 = lower bound, 1 = upper bound) through a group's range. */
export function itaInGroup(group: ItaGroup, position = 0.5): number {
  const [lower, upper] = SYNTHETIC_ITA_RANGES[group];
  return lower + (upper - lower) * position;
}

/**
 * A smooth b* curve that peaks around tan skin and is lower at both ends, so the rendered colours look
 * like skin; a plausible rendering choice, not a fit to measured data.
 */
const SKIN_B_PEAK = 19;
const SKIN_B_PEAK_ITA = 15;
const SKIN_B_DROP = 6;
const SKIN_B_DROP_SPAN_DEGREES = 50;
const SKIN_B_MIN = 10;
/** A typical skin a* (haemoglobin); varies less with ITA° than L* and b* do. */
const SKIN_A = 11;
const DEGREES_TO_RADIANS = Math.PI / 180;
const ITA_L_ORIGIN = 50;

/** A plausible skin Lab with exactly the given ITA°: b* from a smooth skin locus, L* = 50 + b*·tan(ITA°). */
export function skinLabForIta(ita: number): Lab {
  const t = (ita - SKIN_B_PEAK_ITA) / SKIN_B_DROP_SPAN_DEGREES;
  const b = Math.max(SKIN_B_MIN, SKIN_B_PEAK - SKIN_B_DROP * t * t);
  return { L: ITA_L_ORIGIN + b * Math.tan(ita * DEGREES_TO_RADIANS), a: SKIN_A, b };
}

export type SkinSpec = Lab | { ita: number } | { group: ItaGroup; position?: number };

function skinLabOf(spec: SkinSpec): Lab {
  if ("L" in spec) return spec;
  if ("ita" in spec) return skinLabForIta(spec.ita);
  return skinLabForIta(itaInGroup(spec.group, spec.position));
}

// ---------------------------------------------------------------------------------------------
// Options and result
// ---------------------------------------------------------------------------------------------

export interface SyntheticEffects {
  /** a* added at the cheeks (CIELAB units). */
  cheekRedness?: number;
  /** Pigmented spots on forehead and cheeks; spot n is the same whatever the count, so more is a superset. */
  darkSpots?: { count: number; depthL?: number };
  /** Specular highlights on forehead and nose, 0–1. */
  shine?: number;
  /** L* removed under the eyes (CIELAB units). */
  underEyeDarkness?: number;
}

export interface SyntheticFaceOptions {
  skin: SkinSpec;
  width?: number;
  height?: number;
  /** PRNG seed for noise and spot placement. */
  seed?: number;
  /** Standard deviation of Gaussian noise in 8-bit sRGB code values. */
  noiseSigma?: number;
  /** Left–right light gradient (relative change per face half-width) and edge darkening (0–1). */
  shading?: { gradient?: number; falloff?: number };
  effects?: SyntheticEffects;
  /** Exposure error in stops: linear RGB × 2^stops. */
  exposureStops?: number;
  /** Colour of the light: per-channel linear RGB multipliers. */
  colourCast?: LinearRgb;
  /** An 18 % grey card (or the given reflectance) in the top-left corner, lit like the face. */
  referencePatch?: boolean | { reflectance: number };
}

export interface FaceGeometry {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

export interface SyntheticFace extends RgbImage {
  channels: 3;
  data: Uint8ClampedArray;
  /** Pixel coordinates of each skin region, inside the face. */
  regions: RegionPoints;
  /** Where the reference patch is and its reflectance, or null when there is none. */
  referencePatch: (PixelRect & { reflectance: number }) | null;
  /** The skin colour the face was rendered with, before light, shading and effects. */
  skinLab: Lab;
  face: FaceGeometry;
}

const DEFAULT_WIDTH = 256;
const DEFAULT_HEIGHT = 320;
const DEFAULT_SEED = 1;
const DEFAULT_NOISE_SIGMA = 2;
const DEFAULT_SHADING_GRADIENT = 0.08;
const DEFAULT_SHADING_FALLOFF = 0.35;
const DEFAULT_SPOT_DEPTH_L = 12;

// ---------------------------------------------------------------------------------------------
// Layout, in face units: u across (−1 … 1 = the face's half-width), v down (−1 … 1 = half-height)
// ---------------------------------------------------------------------------------------------

interface Ellipse {
  u: number;
  v: number;
  ru: number;
  rv: number;
}

/** The face oval in the image (fractions of width and height). */
const FACE_CENTRE_X = 0.5;
const FACE_CENTRE_Y = 0.47;
const FACE_HALF_WIDTH = 0.31;
const FACE_HALF_HEIGHT = 0.36;
/** The jaw narrows toward the chin: half-width shrinks by this fraction at the bottom. */
const CHIN_TAPER = 0.22;

/** Subject's left is the image's right (an unmirrored photo), so the left regions have u > 0. */
export const REGION_LAYOUT: Readonly<Record<RegionName, Ellipse>> = {
  forehead: { u: 0, v: -0.55, ru: 0.38, rv: 0.14 },
  nose: { u: 0, v: 0.08, ru: 0.07, rv: 0.17 },
  leftCheek: { u: 0.45, v: 0.27, ru: 0.17, rv: 0.14 },
  rightCheek: { u: -0.45, v: 0.27, ru: 0.17, rv: 0.14 },
  leftUnderEye: { u: 0.36, v: 0.035, ru: 0.13, rv: 0.045 },
  rightUnderEye: { u: -0.36, v: 0.035, ru: 0.13, rv: 0.045 },
};

const EYE_V = -0.15;
const EYE_U = 0.36;
const EYES: readonly Ellipse[] = [
  { u: EYE_U, v: EYE_V, ru: 0.15, rv: 0.06 },
  { u: -EYE_U, v: EYE_V, ru: 0.15, rv: 0.06 },
];
/** Iris and pupil radii as fractions of the face half-width (circles in pixels). */
const IRIS_RADIUS = 0.055;
const PUPIL_RADIUS = 0.022;
const BROWS: readonly Ellipse[] = [
  { u: EYE_U, v: -0.31, ru: 0.17, rv: 0.035 },
  { u: -EYE_U, v: -0.31, ru: 0.17, rv: 0.035 },
];
const LIPS: Ellipse = { u: 0, v: 0.56, ru: 0.24, rv: 0.075 };
const NOSTRILS: readonly Ellipse[] = [
  { u: 0.06, v: 0.3, ru: 0.03, rv: 0.015 },
  { u: -0.06, v: 0.3, ru: 0.03, rv: 0.015 },
];
/** Hair: an oval behind the head, and a fringe over the top of the face. */
const HAIR: Ellipse = { u: 0, v: -0.2, ru: 1.14, rv: 0.95 };
const HAIR_LOWEST_V = 0.1;
const HAIRLINE_V = -0.82;
const NECK_HALF_WIDTH = 0.42;
const NECK_TOP_V = 0.7;
const NECK_SHADOW = 0.7;
/** The sides of the nose are in shadow: darkening, its distance from the midline and its width. */
const NOSE_SHADOW = 0.12;
const NOSE_SHADOW_U = 0.1;
const NOSE_SHADOW_WIDTH = 0.03;
const NOSE_SHADOW_TOP_V = -0.1;
const NOSE_SHADOW_BOTTOM_V = 0.3;
/** Inside this radius the face is evenly lit; outside, light falls off quadratically to the edge. */
const SHADING_FLAT_RADIUS = 0.55;

const BACKGROUND_LAB: Lab = { L: 62, a: 0, b: -4 };
const HAIR_LAB: Lab = { L: 16, a: 2, b: 5 };
const SCLERA_LAB: Lab = { L: 82, a: 1, b: 4 };
const IRIS_LAB: Lab = { L: 28, a: 4, b: 12 };
const PUPIL_LAB: Lab = { L: 6, a: 0, b: 0 };
/** Lips relative to the skin: darker and redder. */
const LIP_DELTA: Lab = { L: -8, a: 14, b: 2 };

/** Effects reach full strength inside EFFECT_FULL of the region's radius and fade out by EFFECT_EDGE. */
const EFFECT_FULL = 1.1;
const EFFECT_EDGE = 1.6;
/** Specular highlights, as Gaussian blobs (sigma in face units), and their peak in linear light. */
const SHINE_BLOBS: readonly Ellipse[] = [
  { u: 0, v: -0.55, ru: 0.1, rv: 0.045 },
  { u: 0, v: 0.12, ru: 0.03, rv: 0.09 },
];
const SHINE_PEAK_LINEAR = 0.6;
/** Dark spots: Gaussian sigma as a fraction of the face half-width, and their yellowing per unit of L* lost. */
const SPOT_SIGMA = 0.035;
const SPOT_B_PER_L = 0.25;
/** Spot placement uses its own random stream so it does not depend on image size or noise. */
const SPOT_STREAM_SALT = 0x5f3759df;

/** The grey card: its side as a fraction of the shorter image side, and its margin from the corner. */
const PATCH_SIZE = 0.16;
const PATCH_MARGIN = 0.04;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const UINT32 = 2 ** 32;

/** mulberry32: a tiny, fast, seedable PRNG, good enough for noise (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / UINT32;
  };
}

/** How many Gaussian deviates the noise table holds: enough for a smooth histogram, small enough for L1 cache. */
const NOISE_TABLE_SIZE = 4096;
const NOISE_TABLE_SEED = 0x9e3779b9;

/**
 * A fixed sample of standard normal deviates (Box–Muller), made once. Noise then costs one PRNG draw
 * per value, a random pick from the table; rendering needs three values per pixel, so this matters.
 */
const NOISE_TABLE: Float32Array = (() => {
  const random = seededRandom(NOISE_TABLE_SEED);
  const table = new Float32Array(NOISE_TABLE_SIZE);
  for (let i = 0; i < NOISE_TABLE_SIZE; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random())); // 1 − random() is in (0, 1]: log(0) would be −∞
    const angle = 2 * Math.PI * random();
    table[i] = radius * Math.cos(angle);
    table[i + 1] = radius * Math.sin(angle);
  }
  return table;
})();

/** Standard normal variates drawn from the table with a seeded PRNG. */
function gaussian(random: () => number): () => number {
  return () => NOISE_TABLE[Math.floor(random() * NOISE_TABLE_SIZE)] ?? 0;
}

/** Squared normalised distance from an ellipse's centre (≤ 1 inside). */
function ellipseDistance2(u: number, v: number, e: Ellipse): number {
  const du = (u - e.u) / e.ru;
  const dv = (v - e.v) / e.rv;
  return du * du + dv * dv;
}

/** A plain loop rather than `.some(closure)`: this runs for every face pixel. */
function insideAny(u: number, v: number, ellipses: readonly Ellipse[]): boolean {
  for (const e of ellipses) if (ellipseDistance2(u, v, e) <= 1) return true;
  return false;
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

/** 1 over the region and a little beyond, fading smoothly to 0: effects without hard edges. */
function effectProfile(u: number, v: number, e: Ellipse): number {
  return 1 - smoothstep(EFFECT_FULL, EFFECT_EDGE, Math.sqrt(ellipseDistance2(u, v, e)));
}

/** A flat-topped, sharp-edged blob (exp(−d⁴/2)): real highlights are patches, not soft glows. */
function highlight(u: number, v: number, e: Ellipse): number {
  const d2 = ellipseDistance2(u, v, e);
  return Math.exp(-(d2 * d2) / 2);
}

interface Spot {
  u: number;
  v: number;
}

const SPOT_REGIONS: readonly RegionName[] = ["forehead", "leftCheek", "rightCheek"];

/** Spot centres, uniformly inside the forehead and cheeks (chosen with probability ∝ area). */
function placeSpots(count: number, seed: number): Spot[] {
  const random = seededRandom(seed ^ SPOT_STREAM_SALT);
  const areas = SPOT_REGIONS.map((name) => REGION_LAYOUT[name].ru * REGION_LAYOUT[name].rv);
  const totalArea = areas.reduce((a, b) => a + b, 0);
  const spots: Spot[] = [];
  for (let i = 0; i < count; i++) {
    let pick = random() * totalArea;
    let index = 0;
    while (index < areas.length - 1 && pick >= (areas[index] ?? 0)) pick -= areas[index++] ?? 0;
    const region = REGION_LAYOUT[SPOT_REGIONS[index] ?? "forehead"];
    const angle = 2 * Math.PI * random();
    const radius = Math.sqrt(random()); // √ for a uniform density over the disc
    spots.push({
      u: region.u + region.ru * radius * Math.cos(angle),
      v: region.v + region.rv * radius * Math.sin(angle),
    });
  }
  return spots;
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/**
 * sRGB encoding through a table indexed by √linear (which spaces entries roughly evenly in lightness),
 * interpolated linearly: within 0.01 of a code value of the exact curve and much faster than `**`,
 * which would otherwise dominate rendering time.
 */
const ENCODE_TABLE_STEPS = 4096;
const ENCODE_TABLE = Float64Array.from({ length: ENCODE_TABLE_STEPS + 1 }, (_, i) =>
  linearChannelToSrgb((i / ENCODE_TABLE_STEPS) ** 2),
);

export function fastSrgbEncode(linear: number): number {
  const position = Math.sqrt(Math.min(1, Math.max(0, linear))) * ENCODE_TABLE_STEPS;
  const index = Math.floor(position);
  const low = ENCODE_TABLE[index] ?? 0;
  const high = ENCODE_TABLE[Math.min(ENCODE_TABLE_STEPS, index + 1)] ?? low;
  return low + (high - low) * (position - index);
}

interface Palette {
  skin: LinearRgb;
  lips: LinearRgb;
  background: LinearRgb;
  hair: LinearRgb;
  sclera: LinearRgb;
  iris: LinearRgb;
  pupil: LinearRgb;
}

interface Scene {
  skin: Lab;
  /** Linear RGB of the flat colours, converted once: per-pixel conversion would dominate rendering time. */
  palette: Palette;
  face: FaceGeometry;
  effects: SyntheticEffects;
  spots: Spot[];
  gradient: number;
  falloff: number;
}

/** A pixel in face units; `r` is its radius with the jaw taper applied, so the face outline is r = 1. */
interface FacePoint {
  u: number;
  v: number;
  r: number;
}

/** Writes into `point` rather than returning a new object: this runs for every pixel, twice. */
function locate(x: number, y: number, face: FaceGeometry, point: FacePoint): FacePoint {
  point.u = (x + 0.5 - face.cx) / face.rx;
  point.v = (y + 0.5 - face.cy) / face.ry;
  const tapered = point.u / (1 - CHIN_TAPER * Math.max(0, point.v));
  point.r = Math.sqrt(tapered * tapered + point.v * point.v);
  return point;
}

/** Skin Lab at a point of the face, with the injected effects; `scene.skin` itself where none applies. */
function skinAt(u: number, v: number, x: number, y: number, scene: Scene): Lab {
  const { skin, effects, face } = scene;
  let { L, a, b } = skin;
  if (effects.cheekRedness) {
    const cheek = Math.max(effectProfile(u, v, REGION_LAYOUT.leftCheek), effectProfile(u, v, REGION_LAYOUT.rightCheek));
    a += effects.cheekRedness * cheek;
  }
  if (effects.underEyeDarkness) {
    const underEye = Math.max(
      effectProfile(u, v, REGION_LAYOUT.leftUnderEye),
      effectProfile(u, v, REGION_LAYOUT.rightUnderEye),
    );
    L -= effects.underEyeDarkness * underEye;
  }
  if (scene.spots.length > 0) {
    const depth = effects.darkSpots?.depthL ?? DEFAULT_SPOT_DEPTH_L;
    const sigma = SPOT_SIGMA * face.rx; // pixels, so spots are round
    let darkest = 0;
    for (const spot of scene.spots) {
      const dx = x + 0.5 - (face.cx + spot.u * face.rx);
      const dy = y + 0.5 - (face.cy + spot.v * face.ry);
      darkest = Math.max(darkest, Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)));
    }
    L -= depth * darkest;
    b += depth * darkest * SPOT_B_PER_L;
  }
  return L === skin.L && a === skin.a && b === skin.b ? skin : { L, a, b };
}

/** What the face wears over its skin (eyes, brows, lips, nostrils, fringe), or null for bare skin. */
function featureAt(u: number, v: number, x: number, y: number, scene: Scene): LinearRgb | null {
  const { face, palette } = scene;
  if (v < HAIRLINE_V) return palette.hair;
  if (insideAny(u, v, BROWS)) return palette.hair;
  for (const eye of EYES) {
    if (ellipseDistance2(u, v, eye) > 1) continue;
    const distance = Math.hypot(x + 0.5 - (face.cx + eye.u * face.rx), y + 0.5 - (face.cy + eye.v * face.ry));
    if (distance <= PUPIL_RADIUS * face.rx) return palette.pupil;
    return distance <= IRIS_RADIUS * face.rx ? palette.iris : palette.sclera;
  }
  if (insideAny(u, v, NOSTRILS)) return palette.hair;
  return ellipseDistance2(u, v, LIPS) <= 1 ? palette.lips : null;
}

/** Diffuse illumination over the face: a side-to-side gradient, edge fall-off and nose shadows. */
function shadingAt(u: number, v: number, r: number, scene: Scene): number {
  const edge = Math.max(0, r - SHADING_FLAT_RADIUS) / (1 - SHADING_FLAT_RADIUS);
  let shade = (1 + scene.gradient * u) * (1 - scene.falloff * edge * edge);
  if (v > NOSE_SHADOW_TOP_V && v < NOSE_SHADOW_BOTTOM_V) {
    const side = (Math.abs(u) - NOSE_SHADOW_U) / NOSE_SHADOW_WIDTH;
    shade *= 1 - NOSE_SHADOW * Math.exp(-side * side);
  }
  return shade;
}

function specularAt(u: number, v: number, scene: Scene): number {
  const shine = scene.effects.shine ?? 0;
  if (shine <= 0) return 0;
  let strongest = 0;
  for (const e of SHINE_BLOBS) strongest = Math.max(strongest, highlight(u, v, e));
  return shine * SHINE_PEAK_LINEAR * strongest;
}

/** Linear RGB of a Lab colour, clamped at 0 (the darkest colours here are barely outside the gamut). */
function linearOf(lab: Lab): LinearRgb {
  const [r, g, b] = labToLinearRgb(lab);
  return [Math.max(0, r), Math.max(0, g), Math.max(0, b)];
}

function paletteFor(skin: Lab): Palette {
  return {
    skin: linearOf(skin),
    lips: linearOf({ L: skin.L + LIP_DELTA.L, a: skin.a + LIP_DELTA.a, b: skin.b + LIP_DELTA.b }),
    background: linearOf(BACKGROUND_LAB),
    hair: linearOf(HAIR_LAB),
    sclera: linearOf(SCLERA_LAB),
    iris: linearOf(IRIS_LAB),
    pupil: linearOf(PUPIL_LAB),
  };
}

/** Linear RGB of the scene at a pixel, before the light's exposure and colour, written into `out`. */
function sceneInto(out: Float64Array, x: number, y: number, { u, v, r }: FacePoint, scene: Scene): void {
  let colour: LinearRgb;
  let gain = 1;
  let specular = 0;
  if (r <= 1) {
    const feature = featureAt(u, v, x, y, scene);
    const skin = feature ? scene.skin : skinAt(u, v, x, y, scene);
    colour = feature ?? (skin === scene.skin ? scene.palette.skin : linearOf(skin));
    gain = shadingAt(u, v, r, scene);
    specular = feature ? 0 : specularAt(u, v, scene);
  } else if (v < HAIR_LOWEST_V && ellipseDistance2(u, v, HAIR) <= 1) {
    colour = scene.palette.hair;
  } else if (v > NECK_TOP_V && Math.abs(u) < NECK_HALF_WIDTH) {
    colour = scene.palette.skin;
    gain = NECK_SHADOW;
  } else {
    colour = scene.palette.background;
  }
  out[0] = colour[0] * gain + specular;
  out[1] = colour[1] * gain + specular;
  out[2] = colour[2] * gain + specular;
}

function patchRect(width: number, height: number, reflectance: number): PixelRect & { reflectance: number } {
  const side = Math.round(Math.min(width, height) * PATCH_SIZE);
  const margin = Math.round(Math.min(width, height) * PATCH_MARGIN);
  return { x: margin, y: margin, width: side, height: side, reflectance };
}

function inRect(x: number, y: number, rect: PixelRect): boolean {
  return x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
}

/** The pixels of one region: those inside its ellipse and inside the face, scanned over its bounding box. */
function pointsOf(region: Ellipse, width: number, height: number, face: FaceGeometry): PixelPoint[] {
  const x0 = Math.max(0, Math.floor(face.cx + (region.u - region.ru) * face.rx));
  const x1 = Math.min(width - 1, Math.ceil(face.cx + (region.u + region.ru) * face.rx));
  const y0 = Math.max(0, Math.floor(face.cy + (region.v - region.rv) * face.ry));
  const y1 = Math.min(height - 1, Math.ceil(face.cy + (region.v + region.rv) * face.ry));
  const point: FacePoint = { u: 0, v: 0, r: 0 };
  const points: PixelPoint[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const { u, v, r } = locate(x, y, face, point);
      if (r <= 1 && ellipseDistance2(u, v, region) <= 1) points.push({ x, y });
    }
  }
  return points;
}

function regionPoints(width: number, height: number, face: FaceGeometry): RegionPoints {
  const pointsFor = (name: RegionName) => pointsOf(REGION_LAYOUT[name], width, height, face);
  return {
    forehead: pointsFor("forehead"),
    nose: pointsFor("nose"),
    leftCheek: pointsFor("leftCheek"),
    rightCheek: pointsFor("rightCheek"),
    leftUnderEye: pointsFor("leftUnderEye"),
    rightUnderEye: pointsFor("rightUnderEye"),
  };
}

function sceneFor(options: SyntheticFaceOptions, width: number, height: number, seed: number): Scene {
  const effects = options.effects ?? {};
  const skin = skinLabOf(options.skin);
  return {
    skin,
    palette: paletteFor(skin),
    face: {
      cx: width * FACE_CENTRE_X,
      cy: height * FACE_CENTRE_Y,
      rx: width * FACE_HALF_WIDTH,
      ry: height * FACE_HALF_HEIGHT,
    },
    effects,
    spots: placeSpots(effects.darkSpots?.count ?? 0, seed),
    gradient: options.shading?.gradient ?? DEFAULT_SHADING_GRADIENT,
    falloff: options.shading?.falloff ?? DEFAULT_SHADING_FALLOFF,
  };
}

/** Renders one face; see the module comment for what is in it and in which order it is composed. */
export function renderSyntheticFace(options: SyntheticFaceOptions): SyntheticFace {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const seed = options.seed ?? DEFAULT_SEED;
  const noiseSigma = options.noiseSigma ?? DEFAULT_NOISE_SIGMA;
  const scene = sceneFor(options, width, height, seed);
  const { face } = scene;
  const exposure = 2 ** (options.exposureStops ?? 0);
  const cast = options.colourCast ?? [1, 1, 1];
  const light = [exposure * cast[0], exposure * cast[1], exposure * cast[2]] as const;
  const patchOption = options.referencePatch;
  const patch = patchOption
    ? patchRect(width, height, typeof patchOption === "object" ? patchOption.reflectance : GREY_CARD_REFLECTANCE)
    : null;

  const noise = gaussian(seededRandom(seed));
  /** Noise is added after encoding, as a camera's read noise ends up in the 8-bit values. */
  const encode = (value: number): number =>
    Math.round(noiseSigma > 0 ? fastSrgbEncode(value) + noiseSigma * noise() : fastSrgbEncode(value));
  const data = new Uint8ClampedArray(width * height * 3);
  const linear = new Float64Array(3);
  const point: FacePoint = { u: 0, v: 0, r: 0 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (patch && inRect(x, y, patch)) linear.fill(patch.reflectance);
      else sceneInto(linear, x, y, locate(x, y, face, point), scene);
      const offset = (y * width + x) * 3;
      data[offset] = encode((linear[0] ?? 0) * light[0]);
      data[offset + 1] = encode((linear[1] ?? 0) * light[1]);
      data[offset + 2] = encode((linear[2] ?? 0) * light[2]);
    }
  }
  return {
    width,
    height,
    channels: 3,
    data,
    regions: regionPoints(width, height, face),
    referencePatch: patch,
    skinLab: scene.skin,
    face,
  };
}
