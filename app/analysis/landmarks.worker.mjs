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
/** @param {number} radians */
const degrees = (radians) => Math.round(radians * RAD_TO_DEG * 100) / 100;
/** @param {number} v */
const round2 = (v) => Math.round(v * 100) / 100;

/** @type {any} */
let human;
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

/** @param {{ width: number, height: number, data: ArrayBuffer }} msg */
async function detect(msg) {
  const { width, height } = msg;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new TypeError("width and height must be positive integers");
  }
  const pixels = new Uint8Array(msg.data);
  if (pixels.length !== width * height * 3) throw new TypeError("data must hold width × height × 3 RGB bytes");
  // Int32Array made natively: tfjs converts a Uint8Array element by element (~40 ms at 1024 px).
  const input = tf.tensor4d(new Int32Array(pixels), [1, height, width, 3], "int32");
  try {
    const result = await human.detect(input);
    return result.face.map(
      /** @param {any} face */ (face) => ({
        box: /** @type {number[]} */ (face.box).map(round2),
        score: round2(face.score),
        boxScore: round2(face.boxScore),
        faceScore: round2(face.faceScore),
        mesh: /** @type {number[][]} */ (face.mesh).map((p) => [round2(p[0]), round2(p[1]), round2(p[2] ?? 0)]),
        rotation: face.rotation
          ? {
              yaw: degrees(face.rotation.angle.yaw),
              pitch: degrees(face.rotation.angle.pitch),
              roll: degrees(face.rotation.angle.roll),
            }
          : null,
      }),
    );
  } finally {
    tf.dispose(input);
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
