import sharp, { type OutputInfo } from "sharp";
import { DomainError } from "../domain-error";
import { decodeRefusal, readImageHeader, type HeaderLimits } from "./image-header";
import { decodeSlots } from "./decode-slots";

/**
 * Image input for the analysis pipeline (issue 3): a cheap guard, then one decode.
 *
 * `inspectImage` looks at bytes and headers only: size limit, type by magic bytes (never by name or
 * Content-Type), then our own header walk (image-header.ts: pixels, JPEG scans, interlacing, bit
 * depth), then sharp's header read and a pixel limit, so a decompression bomb is refused before a
 * single pixel is decoded. Every decode then runs in one of a few slots per process and under a time
 * limit (issue 10). `normaliseImage` decodes once (EXIF orientation applied, longest
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

/**
 * Decodes running at once in this process. Each holds up to ~100 MB at its worst (a whole-picture
 * buffer within image-header.ts's MAX_WHOLE_IMAGE_BYTES, plus libvips' working set), and libvips
 * already spreads one decode over every core, so two keep a 2-core host busy without letting a
 * burst multiply memory (eight 16-bit interlaced PNGs at once took the server to 1.8 GB).
 */
export const DECODE_CONCURRENCY = 2;
/**
 * Decodes allowed to wait for a slot. A 1024 px upload decodes in ~10–30 ms and a 12 MP photo in
 * ~100 ms, so 64 waiting drain in about a second or three; past that, waiting longer helps nobody
 * and the request is refused at once (DecodeBusyError, 503 with Retry-After).
 */
export const DECODE_QUEUE_LIMIT = 64;
const DECODE_BUSY_RETRY_SECONDS = 3;
/**
 * The time limit of one decode, in whole seconds (sharp's unit). The costliest files the header
 * checks let through (a 16 MP 4:4:4 or 32 MP 4:2:0 progressive JPEG, a 33 MP interlaced PNG, a 16 MP
 * 16-bit PNG) decode in 0.15–0.3 s here and a 40 MP baseline JPEG in 40 ms, so 3 s is a wide margin
 * on a loaded host. libvips checks it between tiles of output only: it cuts short a slow resize or colour
 * conversion, not the work libjpeg does inside one call (absorbing every scan of a progressive file),
 * which is why the header checks, not this timer, are what stop scan bombs.
 */
export const DECODE_TIMEOUT_SECONDS = 3;

const slots = decodeSlots({
  concurrency: DECODE_CONCURRENCY,
  queueLimit: DECODE_QUEUE_LIMIT,
  whenFull: () => new DecodeBusyError(DECODE_BUSY_RETRY_SECONDS),
});

/** Decodes running and waiting in this process now. */
export function decodeLoad(): { active: number; waiting: number } {
  return { active: slots.active, waiting: slots.waiting };
}

export type ImageType = "jpeg" | "png" | "webp";

/** Defaults are the constants here and in image-header.ts; tests lower or lift them. */
export interface ImageLimits extends Partial<Omit<HeaderLimits, "maxPixels">> {
  /** Largest accepted input in bytes (default 5 MB). */
  maxBytes?: number;
  /** Largest accepted width × height before decoding (default 40 MP). */
  maxPixels?: number;
  /** Time limit of the decode, in whole seconds (default DECODE_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
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

/** A photo refused for what it is (size, type, pixels, damage, cost): the shopper can send another. */
export abstract class ImageInputError extends DomainError {}

export class ImageTooLargeError extends ImageInputError {
  constructor(readonly limit: number) {
    super(
      413,
      "image_too_large",
      `The image is larger than ${Math.floor(limit / (1024 * 1024))} MB. Please send a smaller photo.`,
    );
  }
}

export class UnsupportedImageTypeError extends ImageInputError {
  constructor() {
    super(415, "unsupported_image_type", "The file is not a JPEG, PNG or WebP image.");
  }
}

export class ImageTooManyPixelsError extends ImageInputError {
  constructor(readonly limit: number) {
    super(
      422,
      "image_too_many_pixels",
      `The image has more than ${Math.floor(limit / 1_000_000)} megapixels. Please send a smaller photo.`,
    );
  }
}

export class ImageUnreadableError extends ImageInputError {
  constructor(options?: { cause?: unknown }) {
    super(422, "image_unreadable", "The image could not be read; it may be damaged or incomplete.");
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A decode bomb (image-header.ts), or a decode that ran out of time: a file built to cost far more
 * to read than any photo. Refused from its header, before a decoder sees it. `detail` says which
 * limit, for tests; the shopper gets one plain message.
 */
export class ImageTooComplexError extends ImageInputError {
  constructor(readonly detail: string) {
    super(
      422,
      "image_too_complex",
      "This photo's file is too complex to process. Please take a new photo, or save this one as a standard JPEG and try again.",
    );
  }
}

/**
 * Every decode slot is taken and the queue is full (see `DECODE_CONCURRENCY`). Not the shopper's
 * fault and gone in seconds, so 503 with Retry-After, under the code the widget already words as
 * "busy right now, try again in N seconds" (a 429 would blame this shopper for everyone's load).
 */
export class DecodeBusyError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, "analysis_unavailable", "Many photos are being analysed right now. Please try again in a few seconds.", {
      "retry-after": String(retryAfterSeconds),
    });
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

  // Our own header walk first: microseconds, and it refuses what libvips would spend seconds or
  // hundreds of MB on, before libvips sees a byte (image-header.ts).
  const headerLimits = { ...limits, maxPixels };
  const header = readImageHeader(bytes, type, headerLimits);
  if (!header) throw new ImageUnreadableError();
  const refusal = decodeRefusal(header, headerLimits);
  if (refusal?.reason === "too_many_pixels") throw new ImageTooManyPixelsError(maxPixels);
  if (refusal) throw new ImageTooComplexError(refusal.detail);

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

/** A decoder's failure as the shopper's error: out of time means too complex, anything else unreadable. */
function decodeFailure(error: unknown): ImageInputError {
  if (error instanceof ImageInputError) return error;
  if (error instanceof Error && error.message.startsWith("timeout")) return new ImageTooComplexError("timeout");
  return new ImageUnreadableError({ cause: error });
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
  const encoded = await slots.run(async () => {
    try {
      return await sharp(toBuffer(bytes), { limitInputPixels: limits.maxPixels ?? MAX_IMAGE_PIXELS, failOn: "warning" })
        .rotate()
        .resize(ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .toColourspace("srgb")
        // sharp writes no metadata (EXIF, GPS, ICC, XMP, comments) unless asked to keep it.
        .jpeg({ quality: JPEG_QUALITY, chromaSubsampling: "4:4:4", optimiseCoding: false })
        .timeout({ seconds: limits.timeoutSeconds ?? DECODE_TIMEOUT_SECONDS })
        .toBuffer({ resolveWithObject: true });
    } catch (error) {
      throw decodeFailure(error);
    }
  });
  return {
    type: info.type,
    original: swapped ? { width: info.height, height: info.width } : { width: info.width, height: info.height },
    width: encoded.info.width,
    height: encoded.info.height,
    channels: 3,
    jpeg: encoded.data,
  };
}

/**
 * Guards, then decodes once: EXIF orientation applied, longest side ≤ 1024 px, sRGB, 3 channels.
 * Returns the raw pixels and a metadata-free JPEG made from them.
 */
export async function normaliseImage(bytes: Uint8Array, limits: ImageLimits = {}): Promise<NormalisedImage> {
  const info = await inspectImage(bytes, limits);
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  const swapped = info.orientation >= 5;

  // One slot for the decode and the small re-encode after it: both are this photo's decoding work.
  const { raw, width, height, jpeg } = await slots.run(async () => {
    let decoded: { data: Buffer; info: OutputInfo };
    try {
      decoded = await sharp(toBuffer(bytes), { limitInputPixels: maxPixels, failOn: "warning" })
        .rotate()
        .resize(ANALYSIS_MAX_SIDE, ANALYSIS_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .toColourspace("srgb")
        .removeAlpha()
        .raw({ depth: "uchar" })
        .timeout({ seconds: limits.timeoutSeconds ?? DECODE_TIMEOUT_SECONDS })
        .toBuffer({ resolveWithObject: true });
      if (decoded.info.channels !== 3) throw new Error(`expected 3 channels, got ${decoded.info.channels}`);
    } catch (error) {
      throw decodeFailure(error);
    }
    const { width, height } = decoded.info;
    // Encoded from bare pixels: there is no metadata to strip because none is ever attached.
    // No Huffman optimisation: a second pass over the photo that halves the encode time's worth
    // (measured, bench/proxy-path.mjs) for a few percent of bytes on the way to the analysis API.
    const jpeg = await sharp(decoded.data, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: JPEG_QUALITY, chromaSubsampling: "4:4:4", optimiseCoding: false })
      .timeout({ seconds: limits.timeoutSeconds ?? DECODE_TIMEOUT_SECONDS })
      .toBuffer();
    return { raw: decoded.data, width, height, jpeg };
  });

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
