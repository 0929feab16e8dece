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

/** sRGB grey around a photo read in a square (and beyond its edges): mid-scale, what BlazeFace normalises to 0. */
const OUTSIDE_GREY = 128;

/**
 * A face box clipped to the photo.
 * @param {number[]} box [x, y, width, height] @param {number} width @param {number} height the photo's size
 */
function clipBox([x = 0, y = 0, w = 0, h = 0], width, height) {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(width, x + w);
  const y1 = Math.min(height, y + h);
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
/** @type {(squares: any) => Promise<Find[][]>} BlazeFace on a batch of squares (see batchedFinder). */
let findFaces;

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
  findFaces = batchedFinder();
  // Warm-up, so the first shopper's photo is not the slow one (it took 60–70 ms longer than the next):
  // a grey photo of the largest size the service sends goes through the whole detection, which grows
  // the wasm heap to what a photo needs and compiles the JavaScript on the way; a face-sized window
  // on it then runs FaceMesh, which the grey photo never reaches. Twice, as the second photo was
  // still slower than the rest.
  const side = WARM_UP_SIDE;
  const grey = new Uint8Array(side * side * 3).fill(OUTSIDE_GREY);
  for (let i = 0; i < 2; i++) {
    await detect({ width: side, height: side, data: grey.buffer });
    const photo = tf.fill([1, side, side, 3], OUTSIDE_GREY, "float32");
    try {
      await readMesh(photo, { cx: side / 2, cy: side / 2, side: side / 2, ax: [1, 0], ay: [0, 1] });
    } finally {
      tf.dispose(photo);
    }
  }
  return {
    loadMs: Math.round(performance.now() - started),
    versions: { human: human.version, tfjs: tf.version_core, backend: tf.getBackend() },
  };
}

/**
 * @typedef {{ box: number[], score: number, boxScore: number, faceScore: number, mesh: number[][],
 *   rotation: { yaw: number, pitch: number, roll: number }, meshSpread: number }} Face
 *   One face in the photo's pixels, angles in degrees.
 */

/** @param {number[]} a @param {number[]} b box [x, y, w, h] */
function iou([ax = 0, ay = 0, aw = 0, ah = 0], [bx = 0, by = 0, bw = 0, bh = 0]) {
  const w = Math.min(ax + aw, bx + bw) - Math.max(ax, bx);
  const h = Math.min(ay + ah, by + bh) - Math.max(ay, by);
  const inter = w > 0 && h > 0 ? w * h : 0;
  return inter > 0 ? inter / (aw * ah + bw * bh - inter) : 0;
}

/** @param {number} a @param {number} b */
const mean = (a, b) => (a + b) / 2;

/** The longest side of the photos the service sends (image.server.ts, ANALYSIS_MAX_SIDE): the warm-up's size. */
const WARM_UP_SIDE = 1024;
/** BlazeFace's own input size: the whole photo is read at this size to find the faces. */
const DETECT_SIZE = 256;
/**
 * A FaceMesh window spans this many times the RMS distance of the mesh's points from their centre:
 * 1.5× the face's extent (about 3.35× that distance on the demo faces), as MediaPipe crops a face.
 */
const WINDOW_OF_SPREAD = 5;
/** The face's extent, as a multiple of the RMS distance of its mesh points from their centre. */
const EXTENT_OF_SPREAD = 3.35;
/** Readings per face: the first in BlazeFace's box, then re-centred, re-sized and turned upright on the mesh. */
const READINGS = 2;
/** BlazeFace's score from which a face besides the surest one is read. */
const FOUND_SCORE = 0.5;
/** Two faces whose boxes overlap this much are one face found twice. */
const SAME_FACE = 0.5;
/** FaceMesh eye corners: the subject's left eye (the image's right in an unmirrored photo) and right eye. */
const EYES = { left: [362, 263], right: [33, 133] };

/**
 * @typedef {{ cx: number, cy: number, side: number, ax: [number, number], ay: [number, number] }} Window
 *   A square window on the photo: centre and side in pixels (pixel-edge coordinates), and its own
 *   right and down directions (unit vectors), so it can be turned to hold the face upright.
 */

/**
 * The affine map tf.image.transform needs to sample `win` at `size` × `size`: output pixel (u, v)
 * reads the photo at (a0·u + a1·v + a2, b0·u + b1·v + b2), pixel centres at whole numbers. Mirrored,
 * the window is read right to left.
 * @param {Window} win @param {number} size @param {boolean} mirrored
 */
function affine(win, size, mirrored) {
  const k = win.side / size;
  const ax = mirrored ? [-win.ax[0], -win.ax[1]] : win.ax;
  const { ay } = win;
  const offset = 0.5 / size - 0.5;
  return [
    k * ax[0],
    k * ay[0],
    win.cx - 0.5 + win.side * (ax[0] + ay[0]) * offset,
    k * ax[1],
    k * ay[1],
    win.cy - 0.5 + win.side * (ax[1] + ay[1]) * offset,
    0,
    0,
  ];
}

/**
 * FaceMesh on one window, read as it is and mirrored; the two readings averaged landmark by landmark
 * (the mirror reading's left eye is the subject's right one: MIRROR renumbers).
 * @param {any} photo float32 tensor [1, height, width, 3], 0–255
 * @param {Window} win
 * @returns {Promise<{ mesh: number[][], score: number, spread: number }>}
 */
async function readMesh(photo, win) {
  const model = human.models.models.facemesh;
  const size = model.inputs[0].shape?.[2] ?? 192;
  // Both readings in one batch: the window as it is, and its mirror image (read right to left).
  const input = tf.tidy(() => {
    const window = tf.div(
      tf.image.transform(photo, tf.tensor2d([affine(win, size, false)]), "bilinear", "constant", OUTSIDE_GREY, [
        size,
        size,
      ]),
      255,
    );
    // flipLeftRight, not reverse: the same pixels, but the wasm backend reverses element by element (3 ms).
    return tf.concat([window, tf.image.flipLeftRight(window)]);
  });
  const outputs = /** @type {any[]} */ (model.execute(input));
  try {
    const scores = await outputs.find((t) => t.shape[t.shape.length - 1] === 1).data();
    const raw = await outputs.find((t) => t.shape[t.shape.length - 1] === 1404).data();
    const k = win.side / size;
    const count = raw.length / 6;
    /** @param {number} n 0: as it is, 1: mirrored @param {number} i landmark */
    const point = (n, i) => {
      const at = (n * count + i) * 3;
      const u = ((raw[at] ?? 0) / size - 0.5) * win.side * (n === 1 ? -1 : 1);
      const v = ((raw[at + 1] ?? 0) / size - 0.5) * win.side;
      return [win.cx + u * win.ax[0] + v * win.ay[0], win.cy + u * win.ax[1] + v * win.ay[1], (raw[at + 2] ?? 0) * k];
    };
    let squares = 0;
    /** @type {number[][]} */
    const mesh = [];
    for (let i = 0; i < count; i++) {
      const p = point(0, i);
      const q = point(1, MIRROR[i] ?? i);
      squares += ((p[0] ?? 0) - (q[0] ?? 0)) ** 2 + ((p[1] ?? 0) - (q[1] ?? 0)) ** 2;
      mesh.push([mean(p[0] ?? 0, q[0] ?? 0), mean(p[1] ?? 0, q[1] ?? 0), mean(p[2] ?? 0, q[2] ?? 0)]);
    }
    return { mesh, score: mean(scores[0] ?? 0, scores[1] ?? 0), spread: Math.sqrt(squares / count) / 2 };
  } finally {
    tf.dispose([input, ...outputs]);
  }
}

/**
 * The window for the next reading, from the mesh: centred on its mean point, upright along the line
 * between the eyes, WINDOW_OF_SPREAD times the RMS distance of its points from the centre (1.5× the
 * face's extent). Means, not extremes: a point or two moving does not move the window, so readings
 * settle, and a photo and its mirror image end in mirror-image windows.
 * @param {number[][]} mesh @returns {Window}
 */
function windowOn(mesh) {
  const at = (/** @type {number} */ i, /** @type {number} */ k) => mesh[i]?.[k] ?? 0;
  const eye = (/** @type {readonly number[]} */ corners, /** @type {number} */ k) =>
    corners.reduce((sum, i) => sum + at(i, k), 0) / corners.length;
  const dx = eye(EYES.left, 0) - eye(EYES.right, 0);
  const dy = eye(EYES.left, 1) - eye(EYES.right, 1);
  const length = Math.hypot(dx, dy) || 1;
  /** @type {[number, number]} */
  const ax = [dx / length, dy / length];
  /** @type {[number, number]} */
  const ay = [-ax[1], ax[0]];
  const cx = mesh.reduce((sum, p) => sum + (p[0] ?? 0), 0) / mesh.length;
  const cy = mesh.reduce((sum, p) => sum + (p[1] ?? 0), 0) / mesh.length;
  const rms = Math.sqrt(
    mesh.reduce((sum, p) => sum + ((p[0] ?? 0) - cx) ** 2 + ((p[1] ?? 0) - cy) ** 2, 0) / mesh.length,
  );
  return { cx, cy, side: WINDOW_OF_SPREAD * rms, ax, ay };
}

/**
 * Head rotation from the mesh, as human computes it (src/face/angles.ts): axes through the top and
 * bottom of the face (landmarks 10, 152) and its sides (234, 454), the depth in the mesh's own units.
 * @param {number[][]} mesh @param {number} side the window's side @param {number} meshSize FaceMesh's input size
 */
function headRotation(mesh, side, meshSize) {
  const size = side / 1.5;
  const pt = (/** @type {number} */ i) => {
    const p = mesh[i] ?? [0, 0, 0];
    return [(p[0] ?? 0) / size, (p[1] ?? 0) / size, (p[2] ?? 0) / (side / meshSize) / meshSize];
  };
  const sub = (/** @type {number[]} */ a, /** @type {number[]} */ b) => a.map((v, k) => v - (b[k] ?? 0));
  const norm = (/** @type {number[]} */ a) => {
    const l = Math.hypot(...a) || 1;
    return a.map((v) => v / l);
  };
  const cross = (/** @type {number[]} */ a, /** @type {number[]} */ b) => [
    (a[1] ?? 0) * (b[2] ?? 0) - (a[2] ?? 0) * (b[1] ?? 0),
    (a[2] ?? 0) * (b[0] ?? 0) - (a[0] ?? 0) * (b[2] ?? 0),
    (a[0] ?? 0) * (b[1] ?? 0) - (a[1] ?? 0) * (b[0] ?? 0),
  ];
  const yAxis = norm(sub(pt(152), pt(10)));
  const zAxis = norm(cross(norm(sub(pt(454), pt(234))), yAxis));
  const xAxis = cross(yAxis, zAxis);
  // The rotation matrix has rows xAxis, yAxis, zAxis; Euler angles as human takes them (YZX).
  const [r00 = 0] = xAxis;
  const [r10 = 0, r11 = 0, r12 = 0] = yAxis;
  const [r20 = 0, r21 = 0, r22 = 0] = zAxis;
  let pitch = 0;
  let yaw;
  let roll;
  if (r10 >= 1) {
    roll = -Math.PI / 2;
    yaw = -Math.atan2(r21, r22);
  } else if (r10 <= -1) {
    roll = Math.PI / 2;
    yaw = Math.atan2(r21, r22);
  } else {
    roll = -Math.atan2(r10, Math.hypot(r00, r20));
    yaw = -Math.atan2(-r20, r00);
    pitch = -Math.atan2(-r12, r11);
  }
  return { yaw: yaw * RAD_TO_DEG, pitch: pitch * RAD_TO_DEG, roll: roll * RAD_TO_DEG };
}

/**
 * @typedef {{ box: number[], boxScore: number, nose: [number, number], mouth: [number, number] }} Find
 *   A face BlazeFace found in the square it reads: its box (1.4× the face), score and two keypoints on
 *   the face's midline, in the square's pixels.
 */

/** Columns of BlazeFace's output per anchor: score logit, box centre and size (4), 6 keypoints (x, y). */
const ANCHOR_COLUMNS = 17;

/**
 * BlazeFace run directly on a batch of squares (the square and its mirror image in one call), its
 * output decoded as human's blazeface.getBoxes + facemesh.predict decode it with the mesh off: the
 * same boxes (1.4× the face, squared, rounded), scores and keypoints, to the last bit (checked on the
 * demo photos and their mirror images). human.detect reads one image per call and, besides, turns
 * and crops every face for a mesh that is not run; called directly, the two squares share one pass
 * through the model and nothing else is computed.
 *
 * The model's graph is fixed to a batch of one (its input and the four reshapes of its outputs say
 * 1); they are loosened to any batch here. Each image in the batch is computed as if alone: the
 * model's outputs for a batch of two equal those of two single calls.
 * @returns {(squares: any) => Promise<Find[][]>} squares: float32 [n, 256, 256, 3], 0–255
 */
function batchedFinder() {
  const model = human.models.models.blazeface;
  const { executor } = model;
  const placeholder = executor.graph.inputs[0];
  const inputShape = /** @type {number[]} */ (placeholder.attrParams.shape.value);
  if (inputShape[1] !== DETECT_SIZE || inputShape[2] !== DETECT_SIZE) {
    throw new Error(`BlazeFace reads ${inputShape.join("×")}, not ${DETECT_SIZE} px`);
  }
  placeholder.attrParams.shape.value = [-1, ...inputShape.slice(1)];
  for (const node of Object.values(executor.graph.nodes)) {
    if (node.op !== "Reshape") continue;
    const name = node.inputNames[1];
    const [shape] = executor.weightMap[name];
    const dims = Array.from(shape.dataSync());
    if (dims[0] !== 1) throw new Error(`BlazeFace reshape ${name} is not per image: [${dims.join(", ")}]`);
    executor.weightMap[name] = [tf.tensor1d([-1, ...dims.slice(1)], "int32")];
    tf.dispose(shape);
  }
  // human's anchors (facemeshutil.generateAnchors): 16×16 cells × 2, then 8×8 cells × 6, at cell centres.
  /** @type {[number, number][]} */
  const anchors = [];
  for (const [stride, perCell] of [
    [DETECT_SIZE / 16, 2],
    [DETECT_SIZE / 8, 6],
  ]) {
    const cells = Math.floor((DETECT_SIZE + stride - 1) / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) anchors.push([stride * (x + 0.5), stride * (y + 0.5)]);
  }
  const anchorsT = tf.tensor2d(anchors);
  const sizeT = tf.scalar(DETECT_SIZE, "int32");
  const [c127, c1, c2] = [127.5, 1, 2].map((v) => tf.scalar(v, "float32"));
  const { maxDetected, iouThreshold, minConfidence, scale } = human.config.face.detector;

  return async (squares) => {
    const normalised = tf.tidy(() => tf.sub(tf.div(squares, c127), c1));
    const outputs = /** @type {any[]} */ (model.execute(normalised));
    // Per image: the 896 anchors' rows, boxes [x0, y0, x1, y1] in the square's pixels and scores,
    // computed with human's own operations (decodeBoxes), so the results match it exactly.
    const images = tf.tidy(() => {
      const sorted = [...outputs].sort((a, b) => a.size - b.size);
      const rows = tf.concat([tf.concat([sorted[1], sorted[3]], 2), tf.concat([sorted[0], sorted[2]], 2)], 1);
      return tf.split(rows, squares.shape[0]).map((/** @type {any} */ one) => {
        const batch = tf.squeeze(one, [0]);
        const centres = tf.div(tf.add(tf.slice(batch, [0, 1], [-1, 2]), anchorsT), sizeT);
        const half = tf.div(tf.div(tf.slice(batch, [0, 3], [-1, 2]), sizeT), c2);
        const boxes = tf.concat2d([tf.mul(tf.sub(centres, half), sizeT), tf.mul(tf.add(centres, half), sizeT)], 1);
        const scores = tf.squeeze(tf.sigmoid(tf.slice(batch, [0, 0], [-1, 1])));
        return { batch, boxes, scores };
      });
    });
    tf.dispose([normalised, ...outputs]);
    try {
      /** @type {Find[][]} */
      const result = [];
      for (const { batch, boxes, scores } of images) {
        const kept = await tf.image.nonMaxSuppressionAsync(boxes, scores, maxDetected, iouThreshold, minConfidence);
        const [order, b, s, rows] = await Promise.all([kept.data(), boxes.data(), scores.data(), batch.data()]);
        tf.dispose(kept);
        /** @type {Find[]} */
        const finds = [];
        for (const i of order) {
          const boxScore = Math.round(100 * (s[i] ?? 0)) / 100;
          if (!((s[i] ?? 0) > minConfidence) || !(boxScore > minConfidence)) continue;
          const [ax = 0, ay = 0] = anchors[i] ?? [];
          /** @param {number} k @returns {[number, number]} keypoint k, in the square's pixels */
          const keypoint = (k) => [
            (rows[i * ANCHOR_COLUMNS + 5 + 2 * k] ?? 0) + ax,
            (rows[i * ANCHOR_COLUMNS + 6 + 2 * k] ?? 0) + ay,
          ];
          const [sx = 0, sy = 0, ex = 0, ey = 0] = b.slice(i * 4, i * 4 + 4);
          // human's enlargeBox (× scale about the centre), then squarifyBox (the longer side, rounded),
          // step by step as human computes them, for the same rounding.
          const cx = sx + (ex - sx) / 2;
          const cy = sy + (ey - sy) / 2;
          const halfWidth = (scale * Math.abs(ex - sx)) / 2;
          const halfHeight = (scale * Math.abs(ey - sy)) / 2;
          const [left, top, right, bottom] = [cx - halfWidth, cy - halfHeight, cx + halfWidth, cy + halfHeight];
          const width = Math.abs(right - left);
          const height = Math.abs(bottom - top);
          const mx = left + (right - left) / 2;
          const my = top + (bottom - top) / 2;
          const halfSide = Math.max(width, height) / 2;
          const x0 = Math.round(mx - halfSide);
          const y0 = Math.round(my - halfSide);
          const x1 = Math.round(mx + halfSide);
          const y1 = Math.round(my + halfSide);
          if (Math.round(width) <= 0 || Math.round(height) <= 0) continue;
          finds.push({ box: [x0, y0, x1 - x0, y1 - y0], boxScore, nose: keypoint(2), mouth: keypoint(3) });
        }
        result.push(finds);
      }
      return result;
    } finally {
      for (const image of images) tf.dispose([image.batch, image.boxes, image.scores]);
    }
  };
}

/** A find in the mirrored square, mirrored back (nose and mouth lie on the midline). @param {Find} f @returns {Find} */
function unmirrorFind(f) {
  const [x = 0, y = 0, w = 0, h = 0] = f.box;
  return {
    box: [DETECT_SIZE - x - w, y, w, h],
    boxScore: f.boxScore,
    nose: [DETECT_SIZE - f.nose[0], f.nose[1]],
    mouth: [DETECT_SIZE - f.mouth[0], f.mouth[1]],
  };
}

/**
 * BlazeFace's finds in the square and in its mirror image, merged: a face found in both is averaged,
 * one found in only one of them kept as found. BlazeFace is not symmetric (its box for a face and for
 * the face's mirror image differ by a few pixels), so the window FaceMesh first reads would differ
 * between a photo and its mirror image; merged like this, the two get mirror-image windows.
 * @param {Find[]} direct @param {Find[]} mirrored @returns {Find[]}
 */
function mergeFinds(direct, mirrored) {
  const unmatched = new Set(mirrored);
  /** @type {Find[]} */
  const finds = [];
  for (const a of direct) {
    let best = null;
    let bestIou = SAME_FACE;
    for (const b of unmatched) {
      const overlap = iou(a.box, b.box);
      if (overlap >= bestIou) {
        best = b;
        bestIou = overlap;
      }
    }
    if (!best) {
      finds.push(a);
      continue;
    }
    unmatched.delete(best);
    const b = best;
    finds.push({
      box: a.box.map((v, i) => mean(v, b.box[i] ?? v)),
      boxScore: mean(a.boxScore, b.boxScore),
      nose: [mean(a.nose[0], b.nose[0]), mean(a.nose[1], b.nose[1])],
      mouth: [mean(a.mouth[0], b.mouth[0]), mean(a.mouth[1], b.mouth[1])],
    });
  }
  return [...finds, ...unmatched];
}

/**
 * Finds the faces, then reads each one's landmarks in a window of its own, the same whatever the
 * framing.
 *
 * BlazeFace reads the whole photo centred in a square of neutral grey at its own 256 px. (Given the
 * photo itself, human squeezes it into that square: a face in a 16:9 frame reached the detector 1.8×
 * too narrow, in a 3:4 portrait 1.3× too narrow, and its box, keypoints and the roll used to
 * straighten the face came out distorted, differently for each framing; human's `detector.square`
 * option, meant to prevent that, maps boxes back wrongly.) Then FaceMesh reads each face in a square
 * window on it, turned upright, at its own 192 px; the window is first BlazeFace's box, then re-made
 * from the mesh itself (centred on it, 1.5× its size, along its midline), so what FaceMesh sees no
 * longer depends on how the photo was framed, resized or on BlazeFace's box. Every reading is also
 * made on the window's mirror image and the two averaged, so a photo and its mirror image agree.
 * @param {{ width: number, height: number, data: ArrayBuffer }} msg
 */
async function detect(msg) {
  const { width, height } = msg;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new TypeError("width and height must be positive integers");
  }
  const pixels = new Uint8Array(msg.data);
  if (pixels.length !== width * height * 3) throw new TypeError("data must hold width × height × 3 RGB bytes");
  // Float32Array made natively: tfjs converts a Uint8Array element by element (~40 ms at 1024 px). One
  // float tensor, no int32 copy beside it: the wasm heap keeps its peak, and the service's memory with it.
  const photo = tf.tensor4d(new Float32Array(pixels), [1, height, width, 3], "float32");
  const meshSize = human.models.models.facemesh.inputs[0].shape?.[2] ?? 192;
  try {
    const side = Math.max(width, height);
    const x0 = (width - side) / 2;
    const y0 = (height - side) / 2;
    const edge = side / DETECT_SIZE / 2;
    const squareBox = [
      (y0 + edge - 0.5) / Math.max(1, height - 1),
      (x0 + edge - 0.5) / Math.max(1, width - 1),
      (y0 + side - edge - 0.5) / Math.max(1, height - 1),
      (x0 + side - edge - 0.5) / Math.max(1, width - 1),
    ];
    // The square as it is and mirrored (its corners swapped left for right).
    const squares = tf.image.cropAndResize(
      photo,
      [squareBox, [squareBox[0], squareBox[3], squareBox[2], squareBox[1]]],
      [0, 0],
      [DETECT_SIZE, DETECT_SIZE],
      "bilinear",
      OUTSIDE_GREY,
    );
    /** @type {Find[]} */
    let found;
    try {
      const [direct = [], mirrored = []] = await findFaces(squares);
      found = mergeFinds(direct, mirrored.map(unmirrorFind));
    } finally {
      tf.dispose(squares);
    }
    const k = side / DETECT_SIZE;
    // The surest find is always read (the gates judge it); others only when BlazeFace is fairly sure:
    // in a square frame it also reports scraps of hair or a half-face at 0.2–0.5.
    const surest = Math.max(0, ...found.map((f) => f.boxScore));
    /** @type {Face[]} */
    const faces = [];
    for (const candidate of found.filter((f) => f.boxScore >= FOUND_SCORE || f.boxScore === surest)) {
      const [bx = 0, by = 0, bw = 0, bh = 0] = candidate.box;
      const { nose, mouth } = candidate;
      const length = Math.hypot(mouth[0] - nose[0], mouth[1] - nose[1]);
      /** @type {[number, number]} */
      const ay = length > 0 ? [(mouth[0] - nose[0]) / length, (mouth[1] - nose[1]) / length] : [0, 1];
      /** @type {Window} */
      let win = {
        cx: x0 + (bx + bw / 2) * k,
        cy: y0 + (by + bh / 2) * k,
        side: Math.max(bw, bh) * k,
        ax: [ay[1], -ay[0]],
        ay,
      };
      let reading = await readMesh(photo, win);
      for (let i = 1; i < READINGS; i++) {
        win = windowOn(reading.mesh);
        reading = await readMesh(photo, win);
      }
      const final = windowOn(reading.mesh);
      const faceSize = (final.side / WINDOW_OF_SPREAD) * EXTENT_OF_SPREAD;
      faces.push({
        box: [final.cx - 0.7 * faceSize, final.cy - 0.7 * faceSize, 1.4 * faceSize, 1.4 * faceSize],
        score: reading.score,
        boxScore: candidate.boxScore,
        faceScore: reading.score,
        mesh: reading.mesh,
        meshSpread: reading.spread,
        rotation: headRotation(reading.mesh, win.side, meshSize),
      });
    }
    // A face found twice (two boxes of BlazeFace's on one face) ends in one window: keep the surer find.
    const distinct = faces
      .sort((a, b) => b.boxScore - a.boxScore)
      .filter((face, i, all) => all.slice(0, i).every((other) => iou(other.box, face.box) < SAME_FACE));
    return distinct.map((face) => ({
      box: clipBox(face.box, width, height),
      score: round2(face.score),
      boxScore: round2(face.boxScore),
      faceScore: round2(face.faceScore),
      meshSpread: round2(face.meshSpread),
      mesh: face.mesh.map((p) => [round2(p[0] ?? 0), round2(p[1] ?? 0), round2(p[2] ?? 0)]),
      rotation: {
        yaw: round2(face.rotation.yaw),
        pitch: round2(face.rotation.pitch),
        roll: round2(face.rotation.roll),
      },
    }));
  } finally {
    tf.dispose(photo);
  }
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
