// Decode bombs (issue 10, item 1), built byte by byte so tests and bench/decode-bombs.mjs need no
// tool and no fixture file. Both are valid images that decode without a single warning: small on the
// wire, expensive to decode.
import { createDeflate } from "node:zlib";

/** Appends bits MSB first, with JPEG's byte stuffing (a 0xFF data byte is followed by 0x00). */
function entropyWriter() {
  const bytes = [];
  let acc = 0;
  let count = 0;
  const push = (byte) => {
    bytes.push(byte);
    if (byte === 0xff) bytes.push(0);
  };
  return {
    put(value, length) {
      for (let i = length - 1; i >= 0; i--) {
        acc = (acc << 1) | ((value >> i) & 1);
        if (++count === 8) {
          push(acc);
          acc = 0;
          count = 0;
        }
      }
    },
    /** Pads the last byte with 1 bits, as the standard says. */
    done() {
      if (count > 0) push(((acc << (8 - count)) | ((1 << (8 - count)) - 1)) & 0xff);
      return Buffer.from(bytes);
    },
  };
}

function segment(marker, payload) {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/**
 * A flat grey progressive JPEG whose every AC coefficient of every component gets its own first scan
 * and then 13 refinement scans (successive approximation, Al 13 → 0): 1 + 63 × 14 × components scans,
 * all legal, each an "end of band" run over every block. About 2,650 scans for a colour picture;
 * ~110 KB at 3000 × 3000. The decoder walks every block of the picture once per scan.
 *
 * `scans` keeps only the first N scans of that script (still a valid file, coarser picture).
 * @param {{ width: number; height: number; components?: number; scans?: number }} options
 * @returns {Buffer<ArrayBuffer>}
 */
export function progressiveJpegBomb({ width, height, components = 3, scans = Infinity }) {
  const blocksWide = Math.ceil(width / 8);
  const blocksHigh = Math.ceil(height / 8);
  const blocks = blocksWide * blocksHigh; // per component: every component is sampled 1×1
  const parts = [Buffer.from([0xff, 0xd8])];
  parts.push(segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)]))); // DQT 0: all ones
  const sof = Buffer.alloc(6 + 3 * components);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof[5] = components;
  for (let c = 0; c < components; c++) sof.set([c + 1, 0x11, 0], 6 + 3 * c);
  parts.push(segment(0xc2, sof)); // SOF2: progressive, Huffman
  // DHT DC 0: one code, "0", for category 0 (a zero difference). AC 0: the 15 end-of-band runs
  // EOB0…EOB14 (symbols 0x00, 0x10 … 0xE0), four bits each, so symbol n << 4 has code n.
  const dcCounts = Buffer.alloc(16);
  dcCounts[0] = 1;
  const acCounts = Buffer.alloc(16);
  acCounts[3] = 15;
  const eobSymbols = Buffer.from(Array.from({ length: 15 }, (_, n) => n << 4));
  parts.push(segment(0xc4, Buffer.concat([Buffer.from([0x00]), dcCounts, Buffer.from([0])])));
  parts.push(segment(0xc4, Buffer.concat([Buffer.from([0x10]), acCounts, eobSymbols])));

  const sos = (ids, ss, se, ah, al) => {
    const payload = Buffer.alloc(4 + 2 * ids.length);
    payload[0] = ids.length;
    ids.forEach((id, i) => payload.set([id, 0x00], 1 + 2 * i));
    payload.set([ss, se, (ah << 4) | al], 1 + 2 * ids.length);
    return segment(0xda, payload);
  };
  let written = 0;
  // DC first scan, all components interleaved: every block's difference is 0, one "0" bit each.
  const dcBits = blocks * components;
  const dc = Buffer.alloc(Math.ceil(dcBits / 8));
  if (dcBits % 8) dc[dc.length - 1] = (1 << (8 - (dcBits % 8))) - 1;
  parts.push(
    sos(
      [...Array(components).keys()].map((c) => c + 1),
      0,
      0,
      0,
      0,
    ),
    dc,
  );
  written++;
  // Every AC scan is the same bits: the whole component as end-of-band runs of at most 32767 blocks.
  const runs = entropyWriter();
  for (let left = blocks; left > 0;) {
    const run = Math.min(left, 32767);
    const n = Math.floor(Math.log2(run));
    runs.put(n, 4);
    runs.put(run - (1 << n), n);
    left -= run;
  }
  const acData = runs.done();
  outer: for (let c = 1; c <= components; c++) {
    for (let k = 1; k <= 63; k++) {
      for (let al = 13; al >= 0; al--) {
        if (written >= scans) break outer;
        parts.push(sos([c], k, k, al === 13 ? 0 : al + 1, al), acData);
        written++;
      }
    }
  }
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/**
 * @param {string} type
 * @param {Buffer} data
 * @returns {Buffer<ArrayBuffer>}
 */
export function pngChunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The 13-byte IHDR payload. Colour type 2 = RGB, 6 = RGBA; interlace 1 = Adam7.
 * @param {PngOptions} options
 * @returns {Buffer<ArrayBuffer>}
 */
export function pngHeader({ width, height, bitDepth = 8, colourType = 2, interlace = 0 }) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([bitDepth, colourType, 0, 0, interlace], 8);
  return ihdr;
}

/** @typedef {{ width: number; height: number; bitDepth?: number; colourType?: number; interlace?: number }} PngOptions */

const CHANNELS = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Bytes of filtered scanlines (a filter byte per row) of a PNG, over the seven Adam7 passes if interlaced. */
function scanlineBytes({ width, height, bitDepth, colourType, interlace }) {
  const bitsPerPixel = CHANNELS[colourType] * bitDepth;
  const rowBytes = (w) => (w === 0 ? 0 : 1 + Math.ceil((w * bitsPerPixel) / 8));
  if (!interlace) return height * rowBytes(width);
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w > 0 && h > 0) total += h * rowBytes(w);
  }
  return total;
}

/**
 * A valid, flat black PNG (every scanline filter 0, every sample 0): by default RGB, 16 bits per
 * sample, Adam7-interlaced. A 40 MP one is ~240 MB of pixels in a ~250 KB file. Async because the
 * zeros are streamed through zlib in 1 MB pieces rather than held in memory.
 * @param {PngOptions} options
 * @returns {Promise<Buffer<ArrayBuffer>>}
 */
export async function interlacedPngBomb({ width, height, bitDepth = 16, colourType = 2, interlace = 1 }) {
  const header = { width, height, bitDepth, colourType, interlace };
  let left = scanlineBytes(header);
  const deflate = createDeflate({ level: 9 });
  const out = [];
  deflate.on("data", (chunk) => out.push(chunk));
  const ended = new Promise((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  const zeros = Buffer.alloc(1 << 20);
  while (left > 0) {
    const piece = zeros.subarray(0, Math.min(left, zeros.length));
    left -= piece.length;
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await ended;
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk("IHDR", pngHeader(header)),
    pngChunk("IDAT", Buffer.concat(out)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}
