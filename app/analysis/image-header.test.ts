import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import {
  interlacedPngBomb,
  PNG_SIGNATURE,
  pngChunk,
  pngHeader,
  progressiveJpegBomb,
} from "../../test/support/decode-bombs.mjs";
import {
  decodeRefusal,
  MAX_JPEG_SCANS,
  MAX_WHOLE_IMAGE_BYTES,
  readImageHeader,
  type HeaderType,
  type ImageHeader,
} from "./image-header";

const require = createRequire(import.meta.url);
const DEMO = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
const LIMITS = { maxPixels: 40_000_000 };

function header(bytes: Uint8Array, type: HeaderType): ImageHeader {
  const read = readImageHeader(bytes, type, LIMITS);
  expect(read).not.toBeNull();
  return read!;
}

/** Everything of a JPEG up to (not including) its Nth start-of-scan segment. */
function beforeScan(jpeg: Buffer, n: number): Buffer {
  let at = 0;
  for (let seen = 0; seen < n; seen++) at = jpeg.indexOf(Buffer.from([0xff, 0xda]), at + 1);
  return jpeg.subarray(0, at);
}

/** The first bytes of a PNG: signature and IHDR, as a header-only bomb carries them. */
const pngHead = (ihdr: Parameters<typeof pngHeader>[0]) =>
  Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", pngHeader(ihdr))]);

let photos: { name: string; bytes: Buffer }[];

beforeAll(async () => {
  const originals = readdirSync(DEMO)
    .filter((f) => f.endsWith(".jpg"))
    .map((f) => ({ name: f, bytes: readFileSync(join(DEMO, f)) }));
  photos = [...originals];
  for (const { name, bytes } of originals) {
    photos.push({ name: `${name} progressive`, bytes: await sharp(bytes).jpeg({ progressive: true }).toBuffer() });
    photos.push({
      name: `${name} progressive 4:4:4 mozjpeg`,
      bytes: await sharp(bytes).jpeg({ progressive: true, mozjpeg: true, chromaSubsampling: "4:4:4" }).toBuffer(),
    });
  }
});

describe("readImageHeader: the facts libvips would act on, from the bytes alone", () => {
  it("reads every real photo as sharp does, baseline and progressive, and refuses none", async () => {
    expect(photos.length).toBeGreaterThanOrEqual(18);
    for (const { name, bytes } of photos) {
      const read = header(bytes, "jpeg");
      const meta = await sharp(bytes).metadata();
      expect([read.width, read.height], name).toEqual([meta.width, meta.height]);
      if (read.type !== "jpeg") throw new Error("not a JPEG");
      expect(read.progressive, name).toBe(meta.isProgressive);
      // A baseline file has one scan, libjpeg's standard progression 10, mozjpeg's tuned one fewer.
      if (!read.progressive) expect(read.scans, name).toBe(1);
      else if (name.includes("mozjpeg")) expect(read.scans, name).toBeLessThan(10);
      else expect(read.scans, name).toBe(10);
      expect(decodeRefusal(read, LIMITS), name).toBeNull();
    }
  });

  it("reads PNG and WebP (lossy, lossless, extended) dimensions", async () => {
    const cases: [HeaderType, Buffer][] = [
      [
        "png",
        await sharp({ create: { width: 301, height: 207, channels: 4, background: "#0000" } })
          .png()
          .toBuffer(),
      ],
      [
        "webp",
        await sharp({ create: { width: 301, height: 207, channels: 3, background: "#123" } })
          .webp()
          .toBuffer(),
      ],
      [
        "webp",
        await sharp({ create: { width: 301, height: 207, channels: 3, background: "#123" } })
          .webp({ lossless: true })
          .toBuffer(),
      ],
      [
        "webp",
        await sharp({ create: { width: 301, height: 207, channels: 4, background: "#1234" } })
          .webp()
          .toBuffer(),
      ],
    ];
    const chunks = cases.slice(1).map(([, b]) => b.subarray(12, 16).toString("latin1"));
    expect(chunks).toEqual(["VP8 ", "VP8L", "VP8X"]);
    for (const [type, bytes] of cases) {
      expect(header(bytes, type)).toMatchObject({ type, width: 301, height: 207 });
    }
  });

  it("stops at the end of the first image: a motion photo's video or an appended file is not counted", () => {
    const photo = photos[0]!.bytes;
    const appended = Buffer.concat([photo, progressiveJpegBomb({ width: 64, height: 64 })]);
    const read = header(appended, "jpeg");
    expect(read).toMatchObject({ scans: 1 });
    expect(decodeRefusal(read, LIMITS)).toBeNull();
  });

  it("returns null for what libjpeg, libspng and libwebp refuse: no frame before a scan, no IHDR first, a bad start code", () => {
    const jpeg = photos[0]!.bytes;
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    expect(sof).toBeGreaterThan(0);
    const scanFirst = Buffer.concat([jpeg.subarray(0, sof), jpeg.subarray(sos)]);
    expect(readImageHeader(scanFirst, "jpeg")).toBeNull();
    expect(readImageHeader(jpeg.subarray(0, 20), "jpeg")).toBeNull();
    const noIhdr = Buffer.concat([PNG_SIGNATURE, pngChunk("tEXt", Buffer.from("a\0b"))]);
    expect(readImageHeader(noIhdr, "png")).toBeNull();
    const badStart = Buffer.from("RIFF\0\0\0\0WEBPVP8 \x10\0\0\0\0\0\0\x9d\x01\x2b\x10\0\x10\0", "latin1");
    expect(readImageHeader(badStart, "webp")).toBeNull();
  });
});

describe("decodeRefusal: decode bombs are refused from the header", () => {
  it("a progressive JPEG split into thousands of scans (the issue's bomb): refused for the work its scans make", () => {
    const bomb = progressiveJpegBomb({ width: 3000, height: 3000 });
    expect(bomb.length).toBeLessThan(150_000);
    const read = header(bomb, "jpeg");
    expect(decodeRefusal(read, LIMITS)).toEqual({ reason: "too_complex", detail: "jpeg_scan_blocks" });
  });

  it("a small picture with more scans than any encoder writes: refused for the count alone", () => {
    const bomb = progressiveJpegBomb({ width: 64, height: 64 });
    const read = header(bomb, "jpeg");
    expect(read).toMatchObject({ scans: MAX_JPEG_SCANS + 1 }); // the walk stopped there
    expect(decodeRefusal(read, LIMITS)).toEqual({ reason: "too_complex", detail: "jpeg_scans" });
    // One scan fewer than the limit is a valid, accepted file.
    const fine = header(progressiveJpegBomb({ width: 64, height: 64, scans: MAX_JPEG_SCANS }), "jpeg");
    expect(fine).toMatchObject({ scans: MAX_JPEG_SCANS });
    expect(decodeRefusal(fine, LIMITS)).toBeNull();
  });

  it("is decided without reading past the limit: the same bomb with garbage instead of its later scans is refused alike", () => {
    const bomb = progressiveJpegBomb({ width: 64, height: 64 });
    const cut = beforeScan(bomb, MAX_JPEG_SCANS + 2); // SOI … 65 scans, then noise where the rest was
    const garbage = Buffer.concat([cut, randomBytes(200_000)]);
    expect(decodeRefusal(header(garbage, "jpeg"), LIMITS)).toEqual({ reason: "too_complex", detail: "jpeg_scans" });
  });

  it("a large progressive JPEG with a normal number of scans: refused for the coefficient buffer it needs", () => {
    // 6000 × 6000 at 4:4:4 with 10 scans: ~216 MB of coefficients held until the last scan.
    const big = progressiveJpegBomb({ width: 6000, height: 6000, scans: 10 });
    const read = header(big, "jpeg");
    expect(read).toMatchObject({ scans: 10, progressive: true });
    if (read.type !== "jpeg") throw new Error("not a JPEG");
    expect(read.coefficientBytes).toBeGreaterThan(MAX_WHOLE_IMAGE_BYTES);
    expect(decodeRefusal(read, LIMITS)).toEqual({ reason: "too_complex", detail: "whole_image_memory" });
  });

  it("an interlaced 16-bit PNG of 40 MP (the issue's second bomb): refused for the buffer it must be decoded into", async () => {
    const bomb = await interlacedPngBomb({ width: 6320, height: 6320 });
    expect(bomb.length).toBeLessThan(300_000);
    expect(decodeRefusal(header(bomb, "png"), LIMITS)).toEqual({ reason: "too_complex", detail: "whole_image_memory" });
    // The header alone decides: the same IHDR followed by noise is refused alike.
    const garbage = Buffer.concat([
      pngHead({ width: 6320, height: 6320, bitDepth: 16, interlace: 1 }),
      randomBytes(5000),
    ]);
    expect(decodeRefusal(header(garbage, "png"), LIMITS)).toEqual({
      reason: "too_complex",
      detail: "whole_image_memory",
    });
  });

  it.each([
    // [what, IHDR, verdict]
    ["interlaced 8-bit RGB, 12 MP", { width: 4000, height: 3000, interlace: 1 }, null],
    ["interlaced 8-bit RGBA, 40 MP", { width: 6320, height: 6320, colourType: 6, interlace: 1 }, "whole_image_memory"],
    ["interlaced 16-bit RGB, 4 MP", { width: 2000, height: 2000, bitDepth: 16, interlace: 1 }, null],
    ["16-bit RGB, 12 MP", { width: 4000, height: 3000, bitDepth: 16 }, null],
    ["16-bit RGB, 20 MP", { width: 5000, height: 4000, bitDepth: 16 }, "png_16_bit"],
    ["8-bit RGBA, 40 MP, not interlaced", { width: 6320, height: 6320, colourType: 6 }, null],
  ] as const)("PNG %s → %s", (_, ihdr, detail) => {
    const verdict = decodeRefusal(header(pngHead(ihdr), "png"), LIMITS);
    expect(verdict).toEqual(detail ? { reason: "too_complex", detail } : null);
  });

  it("WebP: an extended canvas of 16 million pixels square is refused for its pixel count", () => {
    const vp8x = Buffer.alloc(30);
    vp8x.write("RIFF", 0, "latin1");
    vp8x.writeUInt32LE(22, 4);
    vp8x.write("WEBPVP8X", 8, "latin1");
    vp8x.writeUInt32LE(10, 16);
    vp8x.writeUIntLE(0xffffff, 24, 3); // canvas width − 1
    vp8x.writeUIntLE(0xffffff, 27, 3); // canvas height − 1
    const read = header(vp8x, "webp");
    expect(read).toMatchObject({ width: 0x1000000, height: 0x1000000 });
    expect(decodeRefusal(read, LIMITS)).toEqual({ reason: "too_many_pixels" });
  });
});
