import sharp from "sharp";

/**
 * Image input for the analysis pipeline (issue 3): a cheap guard, then one decode.
 *
 * `inspectImage` looks at bytes and headers only: size limit, type by magic bytes (never by name or
 * Content-Type), then sharp's header read and a pixel limit, so a decompression bomb is refused
 * before a single pixel is decoded. `normaliseImage` decodes once (EXIF orientation applied, longest
 * side at most 1024 px, sRGB, alpha flattened) and returns the raw RGB pixels for local analysis and
 * a JPEG re-encoded from those bare pixels for a remote analysis API: it carries no EXIF, GPS, XMP,
 * IPTC, ICC profile or comment, because nothing but pixels goes into it (P4).
 *
 * Errors are typed, each with a stable `code` and `status` for the API's error shape, and a message
 * that never echoes the input.
 */

// libvips keeps recently decoded images in an operation cache; a face photo must not outlive its
// request (P1), so the cache is off for the whole process.
sharp.cache(false);

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 40_000_000;
export const ANALYSIS_MAX_SIDE = 1024;
const JPEG_QUALITY = 90;

export type ImageType = "jpeg" | "png" | "webp";

export interface ImageLimits {
  /** Largest accepted input in bytes (default 5 MB). */
  maxBytes?: number;
  /** Largest accepted width × height before decoding (default 40 MP). */
  maxPixels?: number;
}

export interface ImageInfo {
  type: ImageType;
  bytes: number;
  /** Stored dimensions, before EXIF orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1–8 (1 when absent). */
  orientation: number;
}

export interface NormalisedImage {
  type: ImageType;
  /** The input's dimensions as displayed (EXIF orientation applied). */
  original: { width: number; height: number };
  width: number;
  height: number;
  channels: 3;
  /** 8-bit sRGB pixels, row-major, width × height × 3 bytes. */
  raw: Buffer;
  /** The same pixels as a baseline JPEG with no metadata at all: what may leave the app. */
  jpeg: Buffer;
}

export abstract class ImageInputError extends Error {
  abstract readonly code: string;
  /** The HTTP status an API answer should use. */
  abstract readonly status: number;
}

export class ImageTooLargeError extends ImageInputError {
  override name = "ImageTooLargeError";
  readonly code = "image_too_large";
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`The image is larger than ${Math.floor(limit / (1024 * 1024))} MB. Please send a smaller photo.`);
  }
}

export class UnsupportedImageTypeError extends ImageInputError {
  override name = "UnsupportedImageTypeError";
  readonly code = "unsupported_image_type";
  readonly status = 415;
  constructor() {
    super("The file is not a JPEG, PNG or WebP image.");
  }
}

export class ImageTooManyPixelsError extends ImageInputError {
  override name = "ImageTooManyPixelsError";
  readonly code = "image_too_many_pixels";
  readonly status = 422;
  constructor(readonly limit: number) {
    super(`The image has more than ${Math.floor(limit / 1_000_000)} megapixels. Please send a smaller photo.`);
  }
}

export class ImageUnreadableError extends ImageInputError {
  override name = "ImageUnreadableError";
  readonly code = "image_unreadable";
  readonly status = 422;
  constructor(options?: { cause?: unknown }) {
    super("The image could not be read; it may be damaged or incomplete.", options);
  }
}

/** The image type from its first bytes, or null. Names and declared content types are never trusted. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const at = (i: number) => bytes[i];
  if (bytes.length >= 3 && at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => at(i) === b)) return "png";
  const ascii = (from: number, text: string) => [...text].every((c, i) => at(from + i) === c.charCodeAt(0));
  if (bytes.length >= 12 && ascii(0, "RIFF") && ascii(8, "WEBP")) return "webp";
  return null;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The cheap guard: bytes, magic, header and pixel count. Decodes no pixels. */
export async function inspectImage(bytes: Uint8Array, limits: ImageLimits = {}): Promise<ImageInfo> {
  const maxBytes = limits.maxBytes ?? MAX_IMAGE_BYTES;
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  if (bytes.byteLength > maxBytes) throw new ImageTooLargeError(maxBytes);
  const type = sniffImageType(bytes);
  if (!type) throw new UnsupportedImageTypeError();

  // Header only: nothing is decoded here. The pixel limit is checked below, with its own error,
  // rather than by sharp (whose message would have to be parsed).
  const meta = await sharp(toBuffer(bytes), { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw new ImageUnreadableError({ cause: error });
    });
  // libvips sniffs too; a file whose header parses as another format is a polyglot, not an image we take.
  if (meta.format !== type) throw new UnsupportedImageTypeError();
  const { width, height } = meta;
  if (!width || !height) throw new ImageUnreadableError();
  const pages = Math.max(1, meta.pages ?? 1);
  const pageHeight = meta.pageHeight ?? Math.floor(height / pages);
  // Only the first frame of an animation is decoded, but a file that claims more pixels in total
  // than the limit is refused anyway: nothing legitimate from a camera looks like that.
  if (width * height > maxPixels || width * pageHeight > maxPixels) throw new ImageTooManyPixelsError(maxPixels);
  return { type, bytes: bytes.byteLength, width, height, orientation: meta.orientation ?? 1 };
}

/**
 * For a remote analysis API, which needs only the JPEG (P4): the same checks and the same
 * normalisation, decoded and re-encoded in one pass with no pixel buffer in between (about a
 * decode's worth of time and memory saved per scan; bench/proxy-path.mjs).
 */
export async function normaliseForUpload(
  bytes: Uint8Array,
  limits: ImageLimits = {},
): Promise<Omit<NormalisedImage, "raw"> & { raw?: undefined }> {
  const info = await inspectImage(bytes, limits);
  const swapped = info.orientation >= 5;
  try {
    const encoded = await sharp(toBuffer(bytes), {
      limitInputPixels: limits.maxPixels ?? MAX_IMAGE_PIXELS,
      failOn: "warning",
    })
      .rotate()
      .resize(ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      // sharp writes no metadata (EXIF, GPS, ICC, XMP, comments) unless asked to keep it.
      .jpeg({ quality: JPEG_QUALITY, chromaSubsampling: "4:4:4", optimiseCoding: false })
      .toBuffer({ resolveWithObject: true });
    return {
      type: info.type,
      original: swapped ? { width: info.height, height: info.width } : { width: info.width, height: info.height },
      width: encoded.info.width,
      height: encoded.info.height,
      channels: 3,
      jpeg: encoded.data,
    };
  } catch (error) {
    throw new ImageUnreadableError({ cause: error });
  }
}

/**
 * Guards, then decodes once: EXIF orientation applied, longest side ≤ 1024 px, sRGB, 3 channels.
 * Returns the raw pixels and a metadata-free JPEG made from them.
 */
export async function normaliseImage(bytes: Uint8Array, limits: ImageLimits = {}): Promise<NormalisedImage> {
  const info = await inspectImage(bytes, limits);
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  const swapped = info.orientation >= 5;

  let raw: Buffer;
  let width: number;
  let height: number;
  try {
    const decoded = await sharp(toBuffer(bytes), { limitInputPixels: maxPixels, failOn: "warning" })
      .rotate()
      .resize(ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (decoded.info.channels !== 3) throw new Error(`expected 3 channels, got ${decoded.info.channels}`);
    raw = decoded.data;
    width = decoded.info.width;
    height = decoded.info.height;
  } catch (error) {
    throw new ImageUnreadableError({ cause: error });
  }

  // Encoded from bare pixels: there is no metadata to strip because none is ever attached.
  // No Huffman optimisation: a second pass over the photo that halves the encode time's worth
  // (measured, bench/proxy-path.mjs) for a few percent of bytes on the way to the analysis API.
  const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: JPEG_QUALITY, chromaSubsampling: "4:4:4", optimiseCoding: false })
    .toBuffer();

  return {
    type: info.type,
    original: swapped ? { width: info.height, height: info.width } : { width: info.width, height: info.height },
    width,
    height,
    channels: 3,
    raw,
    jpeg,
  };
}
