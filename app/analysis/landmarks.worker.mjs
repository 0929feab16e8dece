// @ts-check
/**
 * Face-landmark worker thread: @vladmandic/human (BlazeFace + FaceMesh) on the tfjs WASM backend.
 *
 * Plain ESM JavaScript with no build step: the Vite server build does not bundle worker entry
 * files, so landmarks.server.ts starts this file by path from the project root.
 *
 * Privacy (P3): only detection and geometry run here. The models that describe a person (age,
 * gender, emotion, embeddings/face templates, anti-spoofing, liveness) are switched off and never
 * loaded; the output is boxes, mesh landmarks and head rotation, nothing that identifies anyone.
 *
 * Never online (issue 3): before the detector loads, `globalThis.fetch` in this thread is replaced
 * by an offline fetch that serves only files under human's `models/` folder and refuses everything
 * else with NetworkForbiddenError. A refused fetch during loading fails the worker loudly.
 *
 * Protocol (parent → worker): { type: "detect", id, width, height, data: ArrayBuffer (RGB, 3 bytes/px) }
 *                             (with workerData.testHooks, a detect message with `crash: true` ends the
 *                             thread abruptly, as a native abort would: tests of the pool's recovery)
 * Protocol (worker → parent): { type: "ready", loadMs, versions }
 *                             { type: "init-error", error: { name, code, message } }
 *                             { type: "result", id, faces, ms } | { type: "error", id, error }
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { createOfflineFetch, NetworkForbiddenError } from "./offline-fetch.mjs";

if (!parentPort) throw new Error("landmarks.worker.mjs must run in a worker thread");
const port = parentPort;

const require = createRequire(import.meta.url);
// human's `exports` map blocks subpath imports: resolve its main file, then load the WASM build by path.
const humanDir = dirname(dirname(require.resolve("@vladmandic/human")));
const modelsDir = join(humanDir, "models");
const wasmDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));

/** @type {{ modelBasePath?: string, testHooks?: boolean }} */
const options = workerData ?? {};
const modelBasePath = options.modelBasePath ?? pathToFileURL(modelsDir).href + "/";

/** @type {Error[]} */
const refused = [];
const diskOnly = createOfflineFetch({ roots: [modelsDir, wasmDir] });
globalThis.fetch = async (input, init) => {
  try {
    return await diskOnly(input, init);
  } catch (error) {
    refused.push(/** @type {Error} */ (error));
    throw error;
  }
};

// human logs its own failures with console.log ("HH:MM:SS.mmm Human: …"); they reach the parent as
// init-error or error messages instead, so its chatter is dropped here.
const consoleLog = console.log.bind(console);
console.log = (...args) => {
  if (args[1] !== "Human:") consoleLog(...args);
};

/** @param {unknown} error */
function serialise(error) {
  const e = /** @type {{ name?: string, code?: string, message?: string }} */ (error ?? {});
  return { name: e.name ?? "Error", code: e.code ?? "LANDMARKS_FAILED", message: e.message ?? String(error) };
}

const RAD_TO_DEG = 180 / Math.PI;
/** @param {number} v */
const round2 = (v) => Math.round(v * 100) / 100;

/** sRGB grey of the letterbox around a non-square photo: mid-scale, what BlazeFace normalises to 0. */
const LETTERBOX_GREY = 128;

/**
 * A face box from the letterboxed square back into the photo, clipped to it.
 * @param {number[]} box [x, y, width, height] in the square
 * @param {number} left @param {number} top offsets of the photo in the square
 * @param {number} width @param {number} height the photo's size
 */
function unpadBox([x = 0, y = 0, w = 0, h = 0], left, top, width, height) {
  const x0 = Math.max(0, x - left);
  const y0 = Math.max(0, y - top);
  const x1 = Math.min(width, x + w - left);
  const y1 = Math.min(height, y + h - top);
  return [x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0)].map(round2);
}

/** @type {any} */
let human;
/** @type {number[]} MIRROR[i]: the landmark that is landmark i's mirror image across the face's midline. */
let MIRROR = [];

/**
 * Pairs each FaceMesh landmark with its mirror image, from the canonical face's texture coordinates
 * (symmetric about u = 0.5): landmark i's partner is the one nearest to (1 − u, v); points on the
 * midline are their own partners.
 * @param {[number, number][]} uv
 */
function mirrorLandmarks(uv) {
  return uv.map(([u, v]) => {
    let best = 0;
    let bestDistance = Infinity;
    uv.forEach(([u2, v2], j) => {
      const d = (u2 - (1 - u)) ** 2 + (v2 - v) ** 2;
      if (d < bestDistance) {
        best = j;
        bestDistance = d;
      }
    });
    return best;
  });
}
/** @type {any} */
let tf;

async function init() {
  const started = performance.now();
  const { Human } = require(join(humanDir, "dist", "human.node-wasm.js"));
  human = new Human({
    backend: "wasm",
    wasmPath: wasmDir.endsWith("/") ? wasmDir : `${wasmDir}/`,
    modelBasePath,
    debug: false,
    async: true,
    warmup: "none",
    // Independent photos, not video: never reuse a previous frame's result.
    cacheSensitivity: 0,
    skipAllowed: false,
    cacheModels: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: true, maxDetected: 5, skipFrames: 0, skipTime: 0, minConfidence: 0.2, return: false },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  tf = human.tf;
  MIRROR = mirrorLandmarks(human.faceUVMap);
  const loaded = human.models.loaded();
  if (refused.length > 0) throw refused[0];
  for (const name of ["blazeface", "facemesh"]) {
    if (!loaded.includes(name)) throw new Error(`Face model "${name}" did not load from ${modelBasePath}`);
  }
  if (tf.getBackend() !== "wasm") throw new Error(`Expected the wasm backend, got ${tf.getBackend()}`);
  // One blank frame sets up the detector's kernels and memory, so the first shopper's photo is not the slow one.
  const blank = tf.zeros([1, 1024, 1024, 3], "int32");
  try {
    await human.detect(blank);
  } finally {
    tf.dispose(blank);
  }
  return {
    loadMs: Math.round(performance.now() - started),
    versions: { human: human.version, tfjs: tf.version_core, backend: tf.getBackend() },
  };
}

/**
 * @typedef {{ box: number[], score: number, boxScore: number, faceScore: number, mesh: number[][],
 *   rotation: { yaw: number, pitch: number, roll: number } | null, meshSpread?: number | null }} SquareFace
 *   One face in the letterboxed square's pixels, angles in degrees.
 */

/** @param {any} face @returns {SquareFace} */
function fromHuman(face) {
  return {
    box: /** @type {number[]} */ (face.box),
    score: face.score,
    boxScore: face.boxScore,
    faceScore: face.faceScore,
    mesh: /** @type {number[][]} */ (face.mesh).map((p) => [p[0], p[1], p[2] ?? 0]),
    rotation: face.rotation
      ? {
          yaw: face.rotation.angle.yaw * RAD_TO_DEG,
          pitch: face.rotation.angle.pitch * RAD_TO_DEG,
          roll: face.rotation.angle.roll * RAD_TO_DEG,
        }
      : null,
  };
}

/**
 * A face found in the left–right mirrored square, mirrored back: the same face in the square's own
 * pixels, its landmarks renumbered (the mesh's left eye in the mirror is the subject's right one).
 * @param {SquareFace} face @param {number} side @returns {SquareFace}
 */
function unmirror(face, side) {
  const [x = 0, y = 0, w = 0, h = 0] = face.box;
  return {
    ...face,
    box: [side - x - w, y, w, h],
    mesh:
      face.mesh.length === MIRROR.length
        ? MIRROR.map((j) => {
            const p = face.mesh[j] ?? [0, 0, 0];
            return [side - (p[0] ?? 0), p[1] ?? 0, p[2] ?? 0];
          })
        : [],
    rotation: face.rotation ? { yaw: -face.rotation.yaw, pitch: face.rotation.pitch, roll: -face.rotation.roll } : null,
  };
}

/** @param {number[]} a @param {number[]} b box [x, y, w, h] */
function iou([ax = 0, ay = 0, aw = 0, ah = 0], [bx = 0, by = 0, bw = 0, bh = 0]) {
  const w = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
  const h = Math.min(ay + ah, by + bh) - Math.max(ay, by);
  const inter = w > 0 && h > 0 ? w * h : 0;
  return inter > 0 ? inter / (aw * ah + bw * bh - inter) : 0;
}

/** Boxes of the same face in the photo and in its mirror image overlap at least this much. */
const SAME_FACE_IOU = 0.5;
/** A face found in only one of the photo and its mirror image is kept when BlazeFace is this sure of it. */
const ONE_SIDED_MIN_SCORE = 0.5;

/** @param {number} a @param {number} b */
const mean = (a, b) => (a + b) / 2;

/**
 * The photo's and the mirror image's findings for one face, averaged point by point.
 * @param {SquareFace} a @param {SquareFace} b (already unmirrored) @returns {SquareFace}
 */
function average(a, b) {
  const rotation =
    a.rotation && b.rotation
      ? {
          yaw: mean(a.rotation.yaw, b.rotation.yaw),
          pitch: mean(a.rotation.pitch, b.rotation.pitch),
          roll: mean(a.rotation.roll, b.rotation.roll),
        }
      : (a.rotation ?? b.rotation);
  let squares = 0;
  for (let i = 0; i < a.mesh.length; i++) {
    const p = a.mesh[i] ?? [0, 0];
    const q = b.mesh[i] ?? p;
    squares += ((p[0] ?? 0) - (q[0] ?? 0)) ** 2 + ((p[1] ?? 0) - (q[1] ?? 0)) ** 2;
  }
  return {
    meshSpread: a.mesh.length === b.mesh.length && a.mesh.length > 0 ? Math.sqrt(squares / a.mesh.length) / 2 : null,
    box: a.box.map((v, i) => mean(v, b.box[i] ?? v)),
    score: mean(a.score, b.score),
    boxScore: mean(a.boxScore, b.boxScore),
    faceScore: mean(a.faceScore, b.faceScore),
    mesh:
      a.mesh.length === b.mesh.length ? a.mesh.map((p, i) => p.map((v, k) => mean(v, b.mesh[i]?.[k] ?? v))) : a.mesh,
    rotation,
  };
}

/**
 * Faces of the photo and of its mirror image, merged: a face found in both is averaged, one found in
 * only one of them is kept as found if the detector is fairly sure of it (a weak one-sided find is
 * dropped). The detector and mesh models are not symmetric (a face and its
 * mirror image get landmarks a pixel or two apart and head angles a few degrees apart, and a weak face
 * may be found in one but not the other), so a photo and its mirror image got different verdicts;
 * merged like this, both get the same faces.
 * @param {SquareFace[]} direct @param {SquareFace[]} mirrored (already unmirrored) @returns {SquareFace[]}
 */
function merge(direct, mirrored) {
  const unmatched = new Set(mirrored);
  /** @type {SquareFace[]} */
  const faces = [];
  for (const a of direct) {
    let best = null;
    let bestIou = SAME_FACE_IOU;
    for (const b of unmatched) {
      const overlap = iou(a.box, b.box);
      if (overlap >= bestIou) {
        best = b;
        bestIou = overlap;
      }
    }
    if (best) {
      unmatched.delete(best);
      faces.push(average(a, best));
    } else if (a.boxScore >= ONE_SIDED_MIN_SCORE) {
      faces.push(a);
    }
  }
  // A real face is found in both; a weak find in only one of them is the detector's noise.
  return [...faces, ...[...unmatched].filter((f) => f.boxScore >= ONE_SIDED_MIN_SCORE)];
}

/** @param {{ width: number, height: number, data: ArrayBuffer }} msg */
async function detect(msg) {
  const { width, height } = msg;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new TypeError("width and height must be positive integers");
  }
  const pixels = new Uint8Array(msg.data);
  if (pixels.length !== width * height * 3) throw new TypeError("data must hold width × height × 3 RGB bytes");
  // BlazeFace squeezes whatever it is given into its square input (human's `detector.square` option,
  // meant to prevent that, maps boxes back wrongly). A face in a 16:9 frame then reaches it 1.8× too
  // narrow, in a 3:4 portrait 1.3× too narrow: boxes, keypoints and the roll used to straighten the
  // face for FaceMesh all come out distorted, differently for each framing. So the photo is centred
  // in a square of neutral grey first, and every coordinate is shifted back into the photo after.
  const side = Math.max(width, height);
  const left = Math.floor((side - width) / 2);
  const top = Math.floor((side - height) / 2);
  // Int32Arrays filled here: tfjs converts a Uint8Array element by element (~40 ms at 1024 px), and
  // its wasm backend pads and reverses int32 tensors slowly (a reverse took 150–600 ms).
  const square = new Int32Array(side * side * 3).fill(LETTERBOX_GREY);
  const mirrored = new Int32Array(side * side * 3).fill(LETTERBOX_GREY);
  for (let y = 0; y < height; y++) {
    const from = y * width * 3;
    const row = (y + top) * side * 3;
    square.set(pixels.subarray(from, from + width * 3), row + left * 3);
    for (let x = 0; x < width; x++) {
      const src = from + x * 3;
      const dst = row + (side - 1 - left - x) * 3;
      mirrored[dst] = pixels[src] ?? 0;
      mirrored[dst + 1] = pixels[src + 1] ?? 0;
      mirrored[dst + 2] = pixels[src + 2] ?? 0;
    }
  }
  /** @param {Int32Array} data */
  const facesIn = async (data) => {
    const input = tf.tensor4d(data, [1, side, side, 3], "int32");
    try {
      return (await human.detect(input)).face.map(fromHuman);
    } finally {
      tf.dispose(input);
    }
  };
  const direct = await facesIn(square);
  const fromMirror = (await facesIn(mirrored)).map((f) => unmirror(f, side));
  return merge(direct, fromMirror).map((face) => ({
    box: unpadBox(face.box, left, top, width, height),
    score: round2(face.score),
    boxScore: round2(face.boxScore),
    faceScore: round2(face.faceScore),
    meshSpread: face.meshSpread == null ? null : round2(face.meshSpread),
    mesh: face.mesh.map((p) => [round2((p[0] ?? 0) - left), round2((p[1] ?? 0) - top), round2(p[2] ?? 0)]),
    rotation: face.rotation
      ? { yaw: round2(face.rotation.yaw), pitch: round2(face.rotation.pitch), roll: round2(face.rotation.roll) }
      : null,
  }));
}

const ready = init().then(
  (info) => {
    port.postMessage({ type: "ready", ...info });
    return true;
  },
  (error) => {
    const err = refused[0] instanceof NetworkForbiddenError ? refused[0] : error;
    port.postMessage({ type: "init-error", error: serialise(err) });
    return false;
  },
);

port.on("message", async (msg) => {
  if (msg?.type !== "detect") return;
  if (msg.crash === true && options.testHooks === true) process.exit(70);
  if (!(await ready)) return;
  const started = performance.now();
  try {
    const faces = await detect(msg);
    port.postMessage({ type: "result", id: msg.id, faces, ms: Math.round(performance.now() - started) });
  } catch (error) {
    port.postMessage({ type: "error", id: msg.id, error: serialise(error) });
  }
});
