/**
 * What a photo will cost to decode, read from its headers alone (issue 10: decode bombs).
 *
 * A file can be small on the wire and ruinous to decode: a progressive JPEG split into thousands of
 * scans makes libjpeg walk every 8×8 block of the picture once per scan (a 127 KB, 3000 × 3000 one
 * took 9 s of CPU here), and an interlaced PNG must be decoded whole into memory (a 233 KB,
 * 40 MP, 16-bit one: 350 MB and 7 s). Neither can be stopped once libjpeg or libspng has started:
 * sharp's timeout is only checked between tiles of output, and both decoders do all of that work
 * before the first tile. So the bytes are inspected first, in microseconds, and such a file is
 * refused before any decoder sees it.
 *
 * Pure: bytes in, facts and a verdict out. Nothing is decoded; the JPEG walk reads marker segments
 * and skips entropy-coded data with `indexOf`, and stops as soon as a limit is passed, so whatever
 * follows (valid or garbage) is never looked at.
 */

export type HeaderType = "jpeg" | "png" | "webp";

/**
 * At most this many scans in one JPEG. Encoders write few: baseline JPEG has 1, libjpeg's standard
 * progression 10 for colour (6 for greyscale), Photoshop's progressive options 3 to 5, and mozjpeg's
 * and jpegli's tuned progressions a dozen or two. 64 is a generous multiple of all of them and 40
 * times fewer than the bomb above (about 2,650). The count matters even for a tiny picture, since
 * every scan has a fixed cost of its own (tables, a pass over the coefficient buffer).
 */
export const MAX_JPEG_SCANS = 64;

/**
 * At most this many 8×8 blocks decoded over all scans (a block counts once per scan that covers it).
 * Measured here: ~25 ns per block per scan, so this is ~0.2 s of one core. libjpeg's standard
 * 10-scan progression needs 14 passes over a component's blocks: 2.4 million blocks for a 4:4:4
 * picture at the largest progressive size the memory limit below allows (16 MP), 3.5 million at 4:2:0
 * (32 MP), so a normal progressive photo of any accepted size fits with room to spare.
 */
export const MAX_JPEG_SCAN_BLOCKS = 8_000_000;

/**
 * At most this many bytes for a picture that must be decoded whole before anything else happens: a
 * JPEG with more than one scan keeps every coefficient of the picture (128 bytes per 8×8 block,
 * i.e. 2 bytes per sample) until its last scan is read, and an interlaced (Adam7) PNG is decoded into
 * one buffer of all its pixels. Single-scan JPEGs and non-interlaced PNGs stream row by row and
 * need none of this. 96 MiB takes a progressive 16 MP photo at full chroma (4:4:4), 32 MP at 4:2:0,
 * and an interlaced 8-bit RGB PNG of 33 MP; with two decodes at a time (image.server.ts) a process
 * never holds more than about 200 MB for them, against 350 MB for one 40 MP 16-bit interlaced PNG.
 */
export const MAX_WHOLE_IMAGE_BYTES = 96 * 1024 * 1024;

/**
 * At most this many pixels in a 16-bit PNG. Phones and browsers never write one (cameras write
 * 8-bit JPEG, HEIC or AVIF; screenshots are 8-bit PNG); 16-bit PNG comes from photo editors'
 * exports. Decoding one costs twice the memory and about four times the time of an 8-bit one (a
 * 40 MP one: 0.55 s), and the extra precision is thrown away (analysis works on 8-bit sRGB). 16 MP
 * keeps an editor's export of a phone photo working.
 */
export const MAX_16BIT_PNG_PIXELS = 16_000_000;

export interface JpegHeader {
  type: "jpeg";
  width: number;
  height: number;
  /** SOF2/SOF6/SOF10/SOF14: progressive. */
  progressive: boolean;
  /** Start-of-scan segments before the end of the first image (counting stops past the limits). */
  scans: number;
  /** 8×8 blocks decoded over all those scans. */
  scanBlocks: number;
  /** Bytes of the whole-picture coefficient buffer a multi-scan decode needs (128 per block). */
  coefficientBytes: number;
}

export interface PngHeader {
  type: "png";
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
  /** Bytes of the whole decoded picture (what an interlaced decode holds at once). */
  pixelBytes: number;
}

export interface WebpHeader {
  type: "webp";
  width: number;
  height: number;
}

export type ImageHeader = JpegHeader | PngHeader | WebpHeader;

export type Refusal =
  | { reason: "too_many_pixels" }
  | { reason: "too_complex"; detail: "jpeg_scans" | "jpeg_scan_blocks" | "whole_image_memory" | "png_16_bit" };

export interface HeaderLimits {
  maxPixels: number;
  maxJpegScans?: number;
  maxJpegScanBlocks?: number;
  maxWholeImageBytes?: number;
  max16BitPngPixels?: number;
}

/**
 * The header facts of a JPEG, PNG or WebP, or null when its header cannot be read (truncated,
 * malformed, no frame before the first scan). `type` is the sniffed type (image.server.ts).
 */
export function readImageHeader(bytes: Uint8Array, type: HeaderType, limits?: HeaderLimits): ImageHeader | null {
  if (type === "jpeg") return readJpegHeader(bytes, limits);
  if (type === "png") return readPngHeader(bytes);
  return readWebpHeader(bytes);
}

/** Why this file must not be decoded, or null when it may be. */
export function decodeRefusal(header: ImageHeader, limits: HeaderLimits): Refusal | null {
  if (header.width * header.height > limits.maxPixels) return { reason: "too_many_pixels" };
  if (header.type === "jpeg") {
    if (header.scans > (limits.maxJpegScans ?? MAX_JPEG_SCANS)) return { reason: "too_complex", detail: "jpeg_scans" };
    if (header.scanBlocks > (limits.maxJpegScanBlocks ?? MAX_JPEG_SCAN_BLOCKS))
      return { reason: "too_complex", detail: "jpeg_scan_blocks" };
    if (header.scans > 1 && header.coefficientBytes > (limits.maxWholeImageBytes ?? MAX_WHOLE_IMAGE_BYTES))
      return { reason: "too_complex", detail: "whole_image_memory" };
  }
  if (header.type === "png") {
    if (header.interlaced && header.pixelBytes > (limits.maxWholeImageBytes ?? MAX_WHOLE_IMAGE_BYTES))
      return { reason: "too_complex", detail: "whole_image_memory" };
    if (header.bitDepth === 16 && header.width * header.height > (limits.max16BitPngPixels ?? MAX_16BIT_PNG_PIXELS))
      return { reason: "too_complex", detail: "png_16_bit" };
  }
  return null;
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const ascii = (b: Uint8Array, at: number, text: string) => [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  maxH: number;
  maxV: number;
  components: Map<number, { h: number; v: number }>;
}

/** Blocks of one component (unpadded), as a single-component scan walks them. */
function componentBlocks(frame: Frame, c: { h: number; v: number }): number {
  const width = Math.ceil((frame.width * c.h) / frame.maxH);
  const height = Math.ceil((frame.height * c.v) / frame.maxV);
  return Math.ceil(width / 8) * Math.ceil(height / 8);
}

/** Blocks of an interleaved scan, or of the coefficient buffer: whole MCUs of every component. */
function mcuBlocks(frame: Frame, ids: Iterable<number>): number {
  const mcus = Math.ceil(frame.width / (8 * frame.maxH)) * Math.ceil(frame.height / (8 * frame.maxV));
  let perMcu = 0;
  for (const id of ids) {
    const c = frame.components.get(id);
    if (c) perMcu += c.h * c.v;
  }
  return mcus * perMcu;
}

// SOF0–3, 5–7, 9–11, 13–15 (0xC4 is DHT, 0xC8 is reserved, 0xCC is DAC).
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function readJpegHeader(b: Uint8Array, limits?: HeaderLimits): JpegHeader | null {
  const maxScans = limits?.maxJpegScans ?? MAX_JPEG_SCANS;
  const maxScanBlocks = limits?.maxJpegScanBlocks ?? MAX_JPEG_SCAN_BLOCKS;
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let frame: Frame | null = null;
  let scans = 0;
  let scanBlocks = 0;
  let at = 2;
  const result = (): JpegHeader | null =>
    frame && {
      type: "jpeg",
      width: frame.width,
      height: frame.height,
      progressive: frame.progressive,
      scans,
      scanBlocks,
      coefficientBytes: mcuBlocks(frame, frame.components.keys()) * 128,
    };
  while (at < b.length) {
    // A marker is 0xFF, any number of 0xFF fill bytes, then its code. Anything else here is
    // garbage between segments: skipped up to the next 0xFF, as libjpeg does (with a warning).
    if (b[at] !== 0xff) {
      const next = b.indexOf(0xff, at);
      if (next < 0) break;
      at = next;
    }
    while (at < b.length && b[at] === 0xff) at++;
    if (at >= b.length) break;
    const marker = b[at++]!;
    if (marker === 0xd9) break; // EOI: anything after it (a motion photo's video, MPF previews) is not decoded
    if (marker === 0xd8) return null; // a second SOI: libjpeg refuses the file
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0x00) continue; // no length
    if (at + 2 > b.length) break;
    const length = u16(b, at);
    if (length < 2) return null;
    const body = at + 2;
    const end = at + length;
    if (end > b.length) break; // truncated: sharp decides whether what is there is readable
    if (isFrameMarker(marker)) {
      if (frame || length < 8) return null;
      const count = b[body + 5]!;
      if (count === 0 || length < 8 + 3 * count) return null;
      const components = new Map<number, { h: number; v: number }>();
      let maxH = 1;
      let maxV = 1;
      for (let i = 0; i < count; i++) {
        const sampling = b[body + 7 + 3 * i]!;
        const h = Math.max(1, sampling >> 4);
        const v = Math.max(1, sampling & 15);
        components.set(b[body + 6 + 3 * i]!, { h, v });
        maxH = Math.max(maxH, h);
        maxV = Math.max(maxV, v);
      }
      frame = {
        height: u16(b, body + 1),
        width: u16(b, body + 3),
        progressive: [0xc2, 0xc6, 0xca, 0xce].includes(marker),
        maxH,
        maxV,
        components,
      };
      // Height 0 means "given later by a DNL marker", which libjpeg does not support.
      if (frame.width === 0 || frame.height === 0) return null;
    } else if (marker === 0xda) {
      if (!frame) return null; // a scan before the frame header: libjpeg refuses the file
      scans++;
      const ids: number[] = [];
      for (let i = 0; i < b[body]! && body + 2 + 2 * i <= end; i++) ids.push(b[body + 1 + 2 * i]!);
      const single = ids.length === 1 ? frame.components.get(ids[0]!) : undefined;
      scanBlocks += single ? componentBlocks(frame, single) : mcuBlocks(frame, ids);
      // Past a limit the verdict is known: nothing further is read.
      if (scans > maxScans || scanBlocks > maxScanBlocks) return result();
      // Entropy-coded data follows, up to the next marker that is not a stuffed 0xFF00 or a restart.
      at = end;
      for (;;) {
        const next = b.indexOf(0xff, at);
        if (next < 0 || next + 1 >= b.length) return result();
        const code = b[next + 1]!;
        if (code === 0x00 || code === 0xff || (code >= 0xd0 && code <= 0xd7)) {
          at = next + (code === 0xff ? 1 : 2);
          continue;
        }
        at = next;
        break;
      }
      continue;
    }
    at = end;
  }
  return result();
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 4, 4: 2, 6: 4 };
const PNG_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function readPngHeader(b: Uint8Array): PngHeader | null {
  // The signature (8 bytes), then IHDR must come first: length 13, type, 13 bytes, CRC.
  if (b.length < 33 || u32(b, 8) !== 13 || !ascii(b, 12, "IHDR")) return null;
  const width = u32(b, 16);
  const height = u32(b, 20);
  const bitDepth = b[24]!;
  const colourType = b[25]!;
  const interlace = b[28]!;
  if (!width || !height || !PNG_DEPTHS[colourType]?.includes(bitDepth) || interlace > 1) return null;
  // Decoded samples are 8 or 16 bits (lower depths are unpacked; a palette becomes RGB or RGBA).
  const bytesPerSample = bitDepth === 16 ? 2 : 1;
  return {
    type: "png",
    width,
    height,
    bitDepth,
    colourType,
    interlaced: interlace === 1,
    pixelBytes: width * height * PNG_CHANNELS[colourType]! * bytesPerSample,
  };
}

function readWebpHeader(b: Uint8Array): WebpHeader | null {
  // RIFF, size, WEBP, then the first chunk: its type at 12, its payload from 20.
  if (b.length < 30 || !ascii(b, 0, "RIFF") || !ascii(b, 8, "WEBP")) return null;
  const data = 20;
  if (ascii(b, 12, "VP8 ")) {
    // Lossy: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height.
    if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) return null;
    return { type: "webp", width: u16le(b, data + 6) & 0x3fff, height: u16le(b, data + 8) & 0x3fff };
  }
  if (ascii(b, 12, "VP8L")) {
    // Lossless: the signature 0x2F, then width − 1 and height − 1 in 14 bits each.
    if (b[data] !== 0x2f) return null;
    const bits = (b[data + 1]! | (b[data + 2]! << 8) | (b[data + 3]! << 16) | (b[data + 4]! << 24)) >>> 0;
    return { type: "webp", width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, "VP8X")) {
    // Extended: flags (4 bytes), then canvas width − 1 and height − 1 in 24 bits each.
    return { type: "webp", width: u24le(b, data + 4) + 1, height: u24le(b, data + 7) + 1 };
  }
  return null;
}
