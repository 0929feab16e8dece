import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mirror,
  padToAspect,
  realFaceCrops,
  toJpeg,
  toSrgbBytes,
  type LinearImage,
} from "../../test/support/real-photos.mjs";
import { normaliseImage } from "./image.server";
import {
  createLandmarkPool,
  LandmarkModelLoadError,
  LandmarkPoolClosedError,
  LandmarkWorkerCrashedError,
  type DetectedFace,
  type LandmarkPool,
  type RgbImage,
} from "./landmarks.server";

// Real photos shipped by @vladmandic/face-api (a devDependency) in its demo/ folder. Their licence
// is unclear, so they are read from node_modules and never copied into this repository.
const require = createRequire(import.meta.url);
const DEMO = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
const PHOTOS = readdirSync(DEMO)
  .filter((name) => /^sample\d+\.jpg$/.test(name))
  .sort();
/** Faces a person counts in each photo (all frontal-ish, all adults, none smaller than ~150 px at 1024). */
const EXPECTED_FACES: Record<string, number> = {
  "sample1.jpg": 3,
  "sample2.jpg": 3,
  "sample3.jpg": 3,
  "sample4.jpg": 4,
  "sample5.jpg": 5,
  "sample6.jpg": 4,
};

type Image = RgbImage & { name: string };

async function rgb(input: Buffer, name: string): Promise<Image> {
  const n = await normaliseImage(input);
  return { name, data: n.raw, width: n.width, height: n.height };
}

function expectPlausible(face: DetectedFace, image: RgbImage): void {
  const { x, y, width, height } = face.box;
  // FaceMesh's own confidence; the quality gates judge it (the profile in sample2 scores about 0.3).
  expect(face.score).toBeGreaterThan(0.2);
  expect(width).toBeGreaterThan(40);
  expect(width / height).toBeGreaterThan(0.6);
  expect(width / height).toBeLessThan(1.6);
  expect(x).toBeGreaterThan(-width * 0.2);
  expect(y).toBeGreaterThan(-height * 0.2);
  expect(x + width).toBeLessThan(image.width + width * 0.2);
  expect(y + height).toBeLessThan(image.height + height * 0.2);
  expect(face.mesh).toHaveLength(468);
  // Landmarks lie on the face: their centre is inside the box.
  const mx = face.mesh.reduce((sum, p) => sum + p[0], 0) / face.mesh.length;
  const my = face.mesh.reduce((sum, p) => sum + p[1], 0) / face.mesh.length;
  expect(mx).toBeGreaterThan(x);
  expect(mx).toBeLessThan(x + width);
  expect(my).toBeGreaterThan(y);
  expect(my).toBeLessThan(y + height);
  expect(face.rotation).not.toBeNull();
  for (const angle of Object.values(face.rotation!)) {
    expect(Number.isFinite(angle)).toBe(true);
    expect(Math.abs(angle)).toBeLessThanOrEqual(180);
  }
  // P3: geometry only, nothing that describes or identifies the person.
  expect(Object.keys(face).sort()).toEqual(["box", "boxScore", "mesh", "meshScore", "meshSpread", "rotation", "score"]);
}

let pool: LandmarkPool;
let photos: Image[];
const results = new Map<string, DetectedFace[]>();

beforeAll(async () => {
  const started = performance.now();
  pool = createLandmarkPool({ size: 2 });
  const [info, images] = await Promise.all([
    pool.ready(),
    Promise.all(PHOTOS.map(async (name) => rgb(readFileSync(join(DEMO, name)), name))),
  ]);
  photos = images;
  console.log(
    `landmarks: ${pool.size} thread(s) ready in ${Math.round(performance.now() - started)} ms ` +
      `(model load per thread: ${info.loadMs.join(", ")} ms; human ${info.versions.human}, ` +
      `tfjs ${info.versions.tfjs}, backend ${info.versions.backend})`,
  );
  expect(info.versions.backend).toBe("wasm");
});

afterAll(async () => {
  await pool?.close();
});

describe("face landmarks on real photos", () => {
  it("P3: finds every face in the face-api demo photos, with plausible boxes, meshes and rotations, and returns geometry only (no template, age, gender or emotion)", async () => {
    expect(PHOTOS).toEqual(Object.keys(EXPECTED_FACES));
    const timings: string[] = [];
    for (const image of photos) {
      const started = performance.now();
      const faces = await pool.detectFaces(image);
      timings.push(`${image.name} ${image.width}×${image.height}: ${Math.round(performance.now() - started)} ms`);
      results.set(image.name, faces);
      expect(faces, image.name).toHaveLength(EXPECTED_FACES[image.name]!);
      for (const face of faces) expectPlausible(face, image);
      // Distinct people: no two boxes overlap much.
      for (const a of faces) {
        for (const b of faces) {
          if (a === b) continue;
          const ix = Math.max(0, Math.min(a.box.x + a.box.width, b.box.x + b.box.width) - Math.max(a.box.x, b.box.x));
          const iy = Math.max(0, Math.min(a.box.y + a.box.height, b.box.y + b.box.height) - Math.max(a.box.y, b.box.y));
          expect(ix * iy).toBeLessThan(0.3 * a.box.width * a.box.height);
        }
      }
    }
    console.log(`landmarks, first pass (single stream, 1024 px):\n  ${timings.join("\n  ")}`);
  });

  it("is deterministic: the same photo gives the same landmarks, whichever thread runs it", async () => {
    const image = photos[0]!;
    const again = await Promise.all([pool.detectFaces(image), pool.detectFaces(image)]);
    expect(again[0]).toEqual(results.get(image.name));
    expect(again[1]).toEqual(results.get(image.name));
  });

  it("finds exactly one face in a single-face crop and two when two crops sit side by side", async () => {
    // Single-face crops cut clear of the neighbours (test/support/real-photos.mjs); an earlier crop of
    // sample5 here held a second, half-cut face at its edge, which the detector missed only while it
    // squeezed non-square photos (see landmarks.worker.mjs).
    const [faceA, faceB] = await Promise.all(
      (await realFaceCrops({ ids: ["s1-right", "s5-right"], longSide: 480 })).map((crop) => toJpeg(crop.image)),
    );

    // The usual case, a selfie: one face filling much of a 1024 px frame.
    const single = await rgb(await sharp(faceA).resize({ height: 1024 }).jpeg({ quality: 92 }).toBuffer(), "selfie");
    const one = await pool.detectFaces(single);
    expect(one).toHaveLength(1);
    expectPlausible(one[0]!, single);
    expect(one[0]!.box.width).toBeGreaterThan(300);
    const runs = 5;
    const started = performance.now();
    for (let i = 0; i < runs; i++) await pool.detectFaces(single);
    console.log(`landmarks, one face at 768 × 1024: ${((performance.now() - started) / runs).toFixed(0)} ms/photo`);

    const pair = await sharp({ create: { width: 720, height: 480, channels: 3, background: "#777777" } })
      .composite([
        { input: faceA!, left: 0, top: 0 },
        { input: faceB!, left: 360, top: 0 },
      ])
      .jpeg()
      .toBuffer();
    const side = await rgb(pair, "pair");
    const two = await pool.detectFaces(side);
    expect(two).toHaveLength(2);
    const centres = two.map((f) => f.box.x + f.box.width / 2).sort((p, q) => p - q);
    expect(centres[0]).toBeLessThan(360);
    expect(centres[1]).toBeGreaterThan(360);
  });

  describe("P18: framing does not move the landmarks", () => {
    const asRgb = (image: LinearImage): RgbImage => ({
      data: toSrgbBytes(image),
      width: image.width,
      height: image.height,
    });
    /** Mean distance between corresponding landmarks, as a share of the distance between the eyes. */
    const meanGap = (
      a: DetectedFace,
      b: DetectedFace,
      mapB: (p: [number, number, number], i: number) => [number, number],
    ) => {
      const eyes = Math.hypot(a.mesh[263]![0] - a.mesh[33]![0], a.mesh[263]![1] - a.mesh[33]![1]);
      const gaps = a.mesh.map((p, i) => {
        const [x, y] = mapB(b.mesh[i]!, i);
        return Math.hypot(p[0] - x, p[1] - y);
      });
      return gaps.reduce((sum, g) => sum + g, 0) / gaps.length / eyes;
    };

    it("finds the same landmarks on a portrait and on it padded into a 16:9 frame", async () => {
      // Before photos were letterboxed for the detector, these two faces' landmarks moved by 22 % and 19 %
      // of the eye distance on average when padded into 16:9 (now about 2 % and 1 %).
      for (const crop of await realFaceCrops({ ids: ["s3-right", "s5-middle"], longSide: 768 })) {
        const padded = padToAspect(crop.image, 16 / 9);
        const left = Math.floor((padded.width - crop.image.width) / 2);
        const [face] = await pool.detectFaces(asRgb(crop.image));
        const [inFrame] = await pool.detectFaces(asRgb(padded));
        expect(
          meanGap(face!, inFrame!, (p) => [p[0] - left, p[1]]),
          crop.id,
        ).toBeLessThan(0.04);
      }
    });

    it("finds mirrored landmarks on a mirrored portrait: the subject's left eye where the right one was", async () => {
      const [crop] = await realFaceCrops({ ids: ["s5-right"], longSide: 768 });
      const [face] = await pool.detectFaces(asRgb(crop!.image));
      const [flipped] = await pool.detectFaces(asRgb(mirror(crop!.image)));
      const width = crop!.image.width;
      // Pairs of landmarks that are mirror images of each other (eye corners, cheeks), and midline points.
      const pairs: [number, number][] = [
        [33, 263],
        [133, 362],
        [205, 425],
        [187, 411],
        [50, 280],
        [1, 1],
        [151, 151],
        [152, 152],
      ];
      for (const [i, j] of pairs) {
        const p = face!.mesh[i]!;
        const q = flipped!.mesh[j]!;
        expect(Math.abs(p[0] - (width - q[0])), `landmark ${i}`).toBeLessThan(0.75);
        expect(Math.abs(p[1] - q[1]), `landmark ${i}`).toBeLessThan(0.75);
      }
      expect(flipped!.rotation!.yaw).toBeCloseTo(-face!.rotation!.yaw, 1);
      expect(flipped!.rotation!.roll).toBeCloseTo(-face!.rotation!.roll, 1);
      expect(flipped!.rotation!.pitch).toBeCloseTo(face!.rotation!.pitch, 1);
    });
  });

  it("finds no face in a plain gradient", async () => {
    const width = 1024;
    const height = 768;
    const data = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        data[i] = (x * 255) / width;
        data[i + 1] = (y * 255) / height;
        data[i + 2] = 180;
      }
    }
    expect(await pool.detectFaces({ data, width, height })).toEqual([]);
  });

  it("leaves the caller's buffer intact and rejects malformed input", async () => {
    const image = photos[1]!;
    const before = Buffer.from(image.data.subarray(0, 64));
    await pool.detectFaces(image);
    expect(image.data.byteLength).toBe(image.width * image.height * 3);
    expect(Buffer.from(image.data.subarray(0, 64))).toEqual(before);
    await expect(pool.detectFaces({ data: new Uint8Array(10), width: 4, height: 4 })).rejects.toMatchObject({
      code: "LANDMARK_BAD_INPUT",
    });
    await expect(pool.detectFaces({ data: new Uint8Array(0), width: 0, height: 0 })).rejects.toMatchObject({
      code: "LANDMARK_BAD_INPUT",
    });
  });

  it("keeps the event loop free while the threads work", async () => {
    const monitor = monitorEventLoopDelay({ resolution: 10 });
    monitor.enable();
    const started = performance.now();
    await Promise.all(photos.map((image) => pool.detectFaces(image)));
    const elapsed = performance.now() - started;
    monitor.disable();
    const maxLagMs = monitor.max / 1e6;
    console.log(`event loop during ${elapsed.toFixed(0)} ms of detection: max delay ${maxLagMs.toFixed(1)} ms`);
    // Not a speed threshold: detection runs in threads, so the loop never stalls for a photo's worth of work.
    expect(maxLagMs).toBeLessThan(Math.max(100, elapsed / 4));
  });
});

describe("landmark pool", () => {
  it("never exceeds the core count", async () => {
    const big = createLandmarkPool({ size: 1000 });
    try {
      expect(big.size).toBe(Math.min(1000, availableParallelism()));
    } finally {
      await big.close();
    }
    expect(() => createLandmarkPool({ size: 0 })).toThrow(RangeError);
  });

  it("rejects a request whose thread crashes, replaces the thread and carries on", async () => {
    const fragile = createLandmarkPool({ size: 1, testHooks: true });
    try {
      await fragile.ready();
      const image = photos[0]!;
      const crashed = fragile.detectFaces(image, { crashForTests: true });
      const queued = fragile.detectFaces(image); // waiting behind the crash: must still be answered
      const error = await crashed.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LandmarkWorkerCrashedError);
      expect((error as LandmarkWorkerCrashedError).code).toBe("LANDMARK_WORKER_CRASHED");
      expect((error as Error).message).toMatch(/stopped unexpectedly.*replaced/);
      expect(await queued).toEqual(results.get(image.name));
      expect(await fragile.detectFaces(photos[3]!)).toHaveLength(EXPECTED_FACES[photos[3]!.name]!);
    } finally {
      await fragile.close();
    }
  });

  it("rejects waiting requests on close, and every request after it", async () => {
    const closing = createLandmarkPool({ size: 1 });
    const pending = Promise.allSettled([closing.detectFaces(photos[0]!), closing.detectFaces(photos[1]!)]);
    await closing.close();
    for (const outcome of await pending) {
      expect(outcome.status).toBe("rejected");
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(LandmarkPoolClosedError);
    }
    await expect(closing.detectFaces(photos[0]!)).rejects.toMatchObject({ code: "LANDMARK_POOL_CLOSED" });
  });

  it("never goes online: models pointed at an https URL fail loudly with NetworkForbiddenError", async () => {
    const online = createLandmarkPool({ size: 1, modelBasePath: "https://models.example.com/human/" });
    try {
      const error = await online.ready().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LandmarkModelLoadError);
      expect((error as LandmarkModelLoadError).causeName).toBe("NetworkForbiddenError");
      expect((error as LandmarkModelLoadError).causeCode).toBe("NETWORK_FORBIDDEN");
      expect((error as Error).message).toMatch(/Network access is forbidden.*https:\/\/models\.example\.com/);
      await expect(online.detectFaces(photos[0]!)).rejects.toBeInstanceOf(LandmarkModelLoadError);
    } finally {
      await online.close();
    }
  });

  it("refuses model files outside human's own models folder, even on disk", async () => {
    const elsewhere = createLandmarkPool({ size: 1, modelBasePath: "file:///etc/" });
    try {
      await expect(elsewhere.ready()).rejects.toMatchObject({ causeName: "OfflineFetchPathError" });
    } finally {
      await elsewhere.close();
    }
  });
});
