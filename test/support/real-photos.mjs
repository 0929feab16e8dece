// @ts-check
// Real portraits for robustness tests and benches (issue 11, P18): single faces cropped from the demo
// photos that @vladmandic/face-api ships (read from node_modules, never copied into this repository,
// since their licence is unclear), and the changes a shopper's camera or framing makes to them.
//
// Every transform works in LINEAR light, as a camera records light: the photo is decoded from sRGB to
// linear RGB (Float32, 0..1), mirrored, padded, resized, scaled by an exposure or given a colour cast,
// then encoded back to 8-bit sRGB and JPEG by `toJpeg`. Nothing here uses the engine under test, so the
// inputs stay the same whatever the engine does.
//
// Plain JavaScript with JSDoc types, so both the TypeScript tests and the plain-node benches import it:
//   import { realFaceCrops, TRANSFORMS, toJpeg } from "../test/support/real-photos.mjs";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";

const require = createRequire(import.meta.url);
export const DEMO_DIR = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");

/**
 * @typedef {{ width: number, height: number, data: Float32Array }} LinearImage
 *   Linear RGB, 3 floats per pixel, row-major; 1.0 is the sensor's white (values above it clip on encoding).
 * @typedef {{ x: number, y: number, width: number, height: number }} Rect
 * @typedef {{ id: string, file: string, box: Rect }} DemoFace
 * @typedef {{ id: string, file: string, crop: Rect, image: LinearImage }} FaceCrop
 * @typedef {(image: LinearImage) => LinearImage} Transform
 */

/**
 * Every face in the six demo photos, as BlazeFace + FaceMesh (app/analysis/landmarks.server.ts) boxed
 * them on the full-resolution photos (the face with a 1.4× margin, square). Fixed here so the crops do
 * not depend on the detector being tested; all 22 faces are adults seen from the front or three-quarter.
 * @type {readonly DemoFace[]}
 */
export const DEMO_FACES = [
  { id: "s1-left", file: "sample1.jpg", box: { x: 333, y: 316, width: 352, height: 352 } },
  { id: "s1-middle", file: "sample1.jpg", box: { x: 775, y: 383, width: 327, height: 326 } },
  { id: "s1-right", file: "sample1.jpg", box: { x: 1433, y: 188, width: 279, height: 279 } },
  { id: "s2-left", file: "sample2.jpg", box: { x: 272, y: 124, width: 328, height: 328 } },
  { id: "s2-middle", file: "sample2.jpg", box: { x: 802, y: 191, width: 353, height: 354 } },
  { id: "s2-right", file: "sample2.jpg", box: { x: 1379, y: 105, width: 347, height: 348 } },
  { id: "s3-left", file: "sample3.jpg", box: { x: 515, y: 295, width: 361, height: 361 } },
  { id: "s3-middle", file: "sample3.jpg", box: { x: 997, y: 189, width: 367, height: 367 } },
  { id: "s3-right", file: "sample3.jpg", box: { x: 1359, y: 251, width: 409, height: 409 } },
  { id: "s4-1", file: "sample4.jpg", box: { x: 176, y: 185, width: 302, height: 302 } },
  { id: "s4-2", file: "sample4.jpg", box: { x: 613, y: 55, width: 278, height: 278 } },
  { id: "s4-3", file: "sample4.jpg", box: { x: 916, y: 155, width: 330, height: 331 } },
  { id: "s4-4", file: "sample4.jpg", box: { x: 1216, y: 134, width: 305, height: 305 } },
  { id: "s5-front", file: "sample5.jpg", box: { x: 274, y: 850, width: 370, height: 371 } },
  { id: "s5-left", file: "sample5.jpg", box: { x: 516, y: 410, width: 308, height: 309 } },
  { id: "s5-top", file: "sample5.jpg", box: { x: 724, y: 92, width: 272, height: 273 } },
  { id: "s5-middle", file: "sample5.jpg", box: { x: 1048, y: 171, width: 319, height: 319 } },
  { id: "s5-right", file: "sample5.jpg", box: { x: 1321, y: 355, width: 395, height: 395 } },
  { id: "s6-1", file: "sample6.jpg", box: { x: 177, y: 456, width: 360, height: 361 } },
  { id: "s6-2", file: "sample6.jpg", box: { x: 584, y: 304, width: 384, height: 384 } },
  { id: "s6-3", file: "sample6.jpg", box: { x: 1081, y: 280, width: 368, height: 369 } },
  { id: "s6-4", file: "sample6.jpg", box: { x: 1402, y: 236, width: 377, height: 377 } },
];

// ---------------------------------------------------------------------------------------------
// sRGB ⇄ linear
// ---------------------------------------------------------------------------------------------

/** @type {Float32Array} 8-bit sRGB code → linear (IEC 61966-2-1). */
const TO_LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  TO_LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Linear steps in the encoding table: fine enough that no 8-bit code is skipped near black. */
const ENCODE_STEPS = 65535;
/** @type {Uint8Array} linear (quantised to ENCODE_STEPS) → 8-bit sRGB code. */
const TO_SRGB = new Uint8Array(ENCODE_STEPS + 1);
for (let i = 0; i <= ENCODE_STEPS; i++) {
  const c = i / ENCODE_STEPS;
  TO_SRGB[i] = Math.round((c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055) * 255);
}

/** @param {number} v linear 0..1 (clipped) @returns {number} 8-bit sRGB code */
function toSrgb8(v) {
  return TO_SRGB[Math.round((v <= 0 ? 0 : v >= 1 ? 1 : v) * ENCODE_STEPS)] ?? 0;
}

/**
 * Decodes a JPEG/PNG (file path or bytes) to linear RGB.
 * @param {string | Buffer | Uint8Array} source
 * @returns {Promise<LinearImage>}
 */
export async function decodeLinear(source) {
  const input = typeof source === "string" ? readFileSync(source) : source;
  const { data, info } = await sharp(input).rotate().removeAlpha().toColourspace("srgb").raw().toBuffer({
    resolveWithObject: true,
  });
  const out = new Float32Array(info.width * info.height * 3);
  for (let i = 0; i < out.length; i++) out[i] = TO_LINEAR[data[i] ?? 0] ?? 0;
  return { width: info.width, height: info.height, data: out };
}

/**
 * Encodes linear RGB to an 8-bit sRGB JPEG (clipping what is over white, as a sensor does).
 * @param {LinearImage} image
 * @param {number} [quality]
 * @returns {Promise<Buffer>}
 */
export function toJpeg(image, quality = 92) {
  return sharp(toSrgbBytes(image), { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/**
 * 8-bit sRGB pixels of a linear image (what the engine receives after decoding, without JPEG loss).
 * @param {LinearImage} image
 * @returns {Uint8Array}
 */
export function toSrgbBytes(image) {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = toSrgb8(image.data[i] ?? 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transforms (all in linear light)
// ---------------------------------------------------------------------------------------------

/** @param {LinearImage} image @param {Rect} rect @returns {LinearImage} */
export function crop(image, rect) {
  const { x, y, width, height } = rect;
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > image.width || y + height > image.height) {
    throw new RangeError("crop rectangle outside the image");
  }
  const out = new Float32Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 3;
    out.set(image.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { width, height, data: out };
}

/** Left–right mirror image (a front camera's preview). @type {Transform} */
export function mirror(image) {
  const { width, height } = image;
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = (y * width + (width - 1 - x)) * 3;
      out[to] = image.data[from] ?? 0;
      out[to + 1] = image.data[from + 1] ?? 0;
      out[to + 2] = image.data[from + 2] ?? 0;
    }
  }
  return { width, height, data: out };
}

/** Linear value of the neutral border: 18 % grey, mid-grey to the eye (sRGB 118). */
export const NEUTRAL_BORDER = 0.18;

/**
 * Centres the image in a frame of the given width:height, filling the rest with a neutral grey
 * border (a portrait photo shown letterboxed in a 16:9 frame, or a landscape one in 9:16).
 * @param {LinearImage} image
 * @param {number} aspect frame width / height, e.g. 16 / 9
 * @param {number} [grey] linear value of the border
 * @returns {LinearImage}
 */
export function padToAspect(image, aspect, grey = NEUTRAL_BORDER) {
  const width = Math.max(image.width, Math.round(image.height * aspect));
  const height = Math.max(image.height, Math.round(image.width / aspect));
  const left = Math.floor((width - image.width) / 2);
  const top = Math.floor((height - image.height) / 2);
  const out = new Float32Array(width * height * 3).fill(grey);
  for (let row = 0; row < image.height; row++) {
    const from = row * image.width * 3;
    out.set(image.data.subarray(from, from + image.width * 3), ((top + row) * width + left) * 3);
  }
  return { width, height, data: out };
}

/**
 * Moves the picture by whole pixels (`dx` to the right, `dy` down), as a face lands a little elsewhere
 * in a second photo taken the same way; the strip uncovered at an edge repeats the edge's pixels.
 * Whole pixels, so nothing is resampled: only where the face sits changes.
 * @param {LinearImage} image @param {number} dx @param {number} dy @returns {LinearImage}
 */
export function shift(image, dx, dy) {
  const { width, height } = image;
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - Math.round(dy)));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - Math.round(dx)));
      const from = (sy * width + sx) * 3;
      const to = (y * width + x) * 3;
      out[to] = image.data[from] ?? 0;
      out[to + 1] = image.data[from + 1] ?? 0;
      out[to + 2] = image.data[from + 2] ?? 0;
    }
  }
  return { width, height, data: out };
}

/**
 * One axis of a separable resampling with a triangle filter widened by the reduction factor, so a
 * shrink averages every source pixel (no aliasing) and an enlargement interpolates bilinearly.
 * @param {Float32Array} src @param {number} srcLen @param {number} dstLen @param {number} lines
 * @param {number} stride distance between samples along the axis (in floats)
 * @param {number} lineStride distance between lines (in floats)
 * @param {number} outStride @param {number} outLineStride
 * @returns {Float32Array}
 */
function resampleAxis(src, srcLen, dstLen, lines, stride, lineStride, outStride, outLineStride) {
  const out = new Float32Array(dstLen * lines * 3);
  const scale = srcLen / dstLen;
  const support = Math.max(1, scale);
  for (let d = 0; d < dstLen; d++) {
    const centre = (d + 0.5) * scale - 0.5;
    const first = Math.max(0, Math.ceil(centre - support));
    const last = Math.min(srcLen - 1, Math.floor(centre + support));
    /** @type {number[]} */
    const weights = [];
    let total = 0;
    for (let s = first; s <= last; s++) {
      const w = Math.max(0, 1 - Math.abs(s - centre) / support);
      weights.push(w);
      total += w;
    }
    for (let line = 0; line < lines; line++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < weights.length; k++) {
        const w = weights[k] ?? 0;
        const i = line * lineStride + (first + k) * stride;
        r += w * (src[i] ?? 0);
        g += w * (src[i + 1] ?? 0);
        b += w * (src[i + 2] ?? 0);
      }
      const o = line * outLineStride + d * outStride;
      out[o] = r / total;
      out[o + 1] = g / total;
      out[o + 2] = b / total;
    }
  }
  return out;
}

/**
 * Resizes in linear light to the given size.
 * @param {LinearImage} image @param {number} width @param {number} height @returns {LinearImage}
 */
export function resize(image, width, height) {
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };
  // Horizontal pass: image.height lines of image.width → width.
  const across = resampleAxis(image.data, image.width, width, image.height, 3, image.width * 3, 3, width * 3);
  // Vertical pass: width columns of image.height → height.
  const data = resampleAxis(across, image.height, height, width, width * 3, 3, width * 3, 3);
  return { width, height, data };
}

/**
 * Resizes so the longer side is `longSide` pixels, keeping the aspect ratio.
 * @param {LinearImage} image @param {number} longSide @returns {LinearImage}
 */
export function resizeLongSide(image, longSide) {
  const scale = longSide / Math.max(image.width, image.height);
  return resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

/**
 * Turns the picture in its plane by `degrees` (counter-clockwise) about its centre, as a tilted head
 * or camera would, sampling bilinearly; corners that come from outside are the neutral border.
 * @param {LinearImage} image @param {number} degrees @param {number} [grey] @returns {LinearImage}
 */
export function rotate(image, degrees, grey = NEUTRAL_BORDER) {
  const { width, height } = image;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Where this output pixel comes from (the inverse rotation; y points down).
      const sx = cx + (x - cx) * cos - (y - cy) * sin;
      const sy = cy + (x - cx) * sin + (y - cy) * cos;
      const o = (y * width + x) * 3;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) {
        out.fill(grey, o, o + 3);
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      for (let k = 0; k < 3; k++) {
        const at = (/** @type {number} */ xx, /** @type {number} */ yy) => image.data[(yy * width + xx) * 3 + k] ?? 0;
        out[o + k] =
          (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
          (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
      }
    }
  }
  return { width, height, data: out };
}

/**
 * Exposure change in stops (−1 = half the light), clipping at white when encoded.
 * @param {LinearImage} image @param {number} stops @returns {LinearImage}
 */
export function exposure(image, stops) {
  return colourCast(image, [2 ** stops, 2 ** stops, 2 ** stops]);
}

/** Colour of the light as per-channel linear gains (the same casts as app/analysis/accuracy.test.ts). */
export const CASTS = /** @type {const} */ ({
  /** Tungsten-like: more red, less blue. */
  warm: [1.15, 1, 0.8],
  /** Shade-like: less red, more blue. */
  cool: [0.87, 1, 1.2],
});

/**
 * Multiplies each channel by its gain (the light's colour, or a white-balance error).
 * @param {LinearImage} image @param {readonly [number, number, number]} gains @returns {LinearImage}
 */
export function colourCast(image, gains) {
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = (image.data[i] ?? 0) * gains[0];
    data[i + 1] = (image.data[i + 1] ?? 0) * gains[1];
    data[i + 2] = (image.data[i + 2] ?? 0) * gains[2];
  }
  return { width: image.width, height: image.height, data };
}

/**
 * Framing changes that must never change the verdict, nor ITA° by more than 3° (issue 11, item 1).
 * Each takes the reference crop (long side 1024 px).
 * @type {Readonly<Record<string, Transform>>}
 */
export const FRAMING_TRANSFORMS = {
  mirror,
  "pad 16:9": (image) => padToAspect(image, 16 / 9),
  "pad 9:16": (image) => padToAspect(image, 9 / 16),
  "resize 640": (image) => resizeLongSide(image, 640),
  "resize 800": (image) => resizeLongSide(image, 800),
};

/**
 * Light changes: the tone may move, but never two groups at a confidence above 0.4 (issue 11, item 3).
 * @type {Readonly<Record<string, Transform>>}
 */
export const LIGHT_TRANSFORMS = {
  "1 stop darker": (image) => exposure(image, -1),
  "½ stop brighter": (image) => exposure(image, 0.5),
  "warm cast": (image) => colourCast(image, CASTS.warm),
  "cool cast": (image) => colourCast(image, CASTS.cool),
};

/** @type {Readonly<Record<string, Transform>>} */
export const TRANSFORMS = { ...FRAMING_TRANSFORMS, ...LIGHT_TRANSFORMS };

// ---------------------------------------------------------------------------------------------
// Single-face crops
// ---------------------------------------------------------------------------------------------

/** Crop width as a multiple of the face box (the box is already 1.4× the face): head, hair, shoulders. */
const CROP_WIDTH_OF_BOX = 1.6;
/** Narrowest crop tried when a neighbour is close: just the face box itself. */
const MIN_CROP_WIDTH_OF_BOX = 1.0;
/** Portrait 3:4, as a phone's front camera frames a selfie. */
const CROP_ASPECT = 3 / 4;
/** The face box's centre sits this far down the crop (a little headroom above the hair). */
const FACE_CENTRE_FROM_TOP = 0.42;
/** Share of another face's box allowed inside a crop: hair or an ear at the edge, never an eye. */
const MAX_NEIGHBOUR_OVERLAP = 0.08;

/** @param {Rect} a @param {Rect} b */
function overlapArea(a, b) {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * The largest 3:4 crop around `face` (from 1.6× down to 1× its box) that stays inside the photo and
 * holds at most a sliver of any other face; null when there is none.
 * @param {{ width: number, height: number }} photo @param {Rect} face @param {readonly Rect[]} others
 * @returns {Rect | null}
 */
export function singleFaceCropRect(photo, face, others) {
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  for (let k = CROP_WIDTH_OF_BOX; k >= MIN_CROP_WIDTH_OF_BOX - 1e-9; k -= 0.05) {
    let width = Math.round(face.width * k);
    let height = Math.round(width / CROP_ASPECT);
    if (height > photo.height) {
      height = photo.height;
      width = Math.round(height * CROP_ASPECT);
    }
    const x = Math.round(Math.min(Math.max(0, cx - width / 2), photo.width - width));
    const y = Math.round(Math.min(Math.max(0, cy - FACE_CENTRE_FROM_TOP * height), photo.height - height));
    const rect = { x, y, width, height };
    const crowded = others.some((o) => overlapArea(rect, o) > MAX_NEIGHBOUR_OVERLAP * o.width * o.height);
    if (!crowded) return rect;
  }
  return null;
}

/** @type {Map<string, Promise<LinearImage>>} */
const photoCache = new Map();
/** @param {string} file */
function demoPhoto(file) {
  let photo = photoCache.get(file);
  if (!photo) {
    photo = decodeLinear(join(DEMO_DIR, file));
    photoCache.set(file, photo);
  }
  return photo;
}

/**
 * One crop per demo face that can be cut without a neighbour's face in it, resized in linear light so
 * its longer side is `longSide` (the widget's 1024 px by default): the reference for every transform.
 * @param {{ longSide?: number, ids?: readonly string[] }} [options]
 * @returns {Promise<FaceCrop[]>}
 */
export async function realFaceCrops(options = {}) {
  const longSide = options.longSide ?? 1024;
  /** @type {FaceCrop[]} */
  const crops = [];
  for (const face of DEMO_FACES) {
    if (options.ids && !options.ids.includes(face.id)) continue;
    const photo = await demoPhoto(face.file);
    const others = DEMO_FACES.filter((f) => f.file === face.file && f.id !== face.id).map((f) => f.box);
    const rect = singleFaceCropRect(photo, face.box, others);
    if (!rect) continue;
    crops.push({ id: face.id, file: face.file, crop: rect, image: resizeLongSide(crop(photo, rect), longSide) });
  }
  return crops;
}
