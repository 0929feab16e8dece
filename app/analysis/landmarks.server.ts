import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * Face landmarks in a small pool of worker threads (issue 3, pipeline step "face landmarks").
 *
 * Each thread runs landmarks.worker.mjs: @vladmandic/human (BlazeFace + FaceMesh) on the tfjs WASM
 * backend, models loaded once from disk, never from the network. All model work happens in the
 * threads, so the event loop stays free. Requests wait in one queue and go to the first idle thread.
 * A thread that crashes or hangs rejects its request with a clear error and is replaced.
 *
 * P3: the threads return geometry only (boxes, 468 mesh points, head rotation). No embeddings, face
 * templates, age, gender or emotion: those models are never loaded.
 */

// app/analysis/ in source and build/server/ once bundled are both two levels below the project root.
// The worker is plain ESM loaded by path at runtime (the Vite server build does not bundle it).
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const LANDMARK_WORKER_FILE = join(ROOT, "app", "analysis", "landmarks.worker.mjs");

/** A decoded image: 8-bit RGB, row-major, no padding (what normaliseImage returns as `raw`). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels?: 3;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Head rotation in degrees. Yaw turns left/right, pitch nods up/down, roll tilts toward a shoulder. */
export interface HeadRotation {
  yaw: number;
  pitch: number;
  roll: number;
}

export interface DetectedFace {
  /** Face box in pixels of the input image. */
  box: FaceBox;
  /** Overall confidence, 0..1. */
  score: number;
  /** Detector (BlazeFace) confidence, 0..1. */
  boxScore: number;
  /** Mesh (FaceMesh) confidence, 0..1. */
  meshScore: number;
  /** 468 FaceMesh landmarks as [x, y, z] in pixels of the input image (z is relative depth). */
  mesh: [number, number, number][];
  rotation: HeadRotation | null;
  /**
   * How far the landmarks read on the face and on its mirror image lie from their mean (RMS, pixels):
   * how sure the mesh is of where the face is.
   */
  meshSpread: number;
}

export interface LandmarkPoolInfo {
  /** Milliseconds each thread took to start and load its models. */
  loadMs: number[];
  versions: { human: string; tfjs: string; backend: string };
}

export interface LandmarkPoolOptions {
  /** Worker threads; default 1, at most the core count. */
  size?: number;
  /** Per-request limit; a thread that takes longer is ended and replaced. Default 20 s. */
  timeoutMs?: number;
  /** Limit for a thread to start and load its models; past it the pool fails. Default 60 s. */
  loadTimeoutMs?: number;
  /** Where models load from (a file:// URL ending in "/"); default human's own models/ folder. */
  modelBasePath?: string;
  /** Tests only: lets a request ask its thread to crash. */
  testHooks?: boolean;
}

export interface LandmarkPool {
  readonly size: number;
  /** Resolves once every thread has loaded its models; rejects if loading failed. */
  ready(): Promise<LandmarkPoolInfo>;
  /** Finds faces. The image bytes are copied; the caller's buffer is left as it was. */
  detectFaces(image: RgbImage, options?: { crashForTests?: boolean }): Promise<DetectedFace[]>;
  /** Rejects queued requests, ends the threads. */
  close(): Promise<void>;
}

export class LandmarkError extends Error {
  override name = "LandmarkError";
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The models could not be loaded (for example a model path that is not on disk: NetworkForbiddenError). */
export class LandmarkModelLoadError extends LandmarkError {
  override name = "LandmarkModelLoadError";
  /** The worker-side error's name, e.g. "NetworkForbiddenError". */
  readonly causeName: string;
  readonly causeCode: string;
  constructor(cause: WorkerError) {
    super("LANDMARK_MODELS_UNAVAILABLE", `The face-landmark models could not be loaded: ${cause.message}`);
    this.causeName = cause.name;
    this.causeCode = cause.code;
  }
}

export class LandmarkWorkerCrashedError extends LandmarkError {
  override name = "LandmarkWorkerCrashedError";
  constructor(detail: string) {
    super(
      "LANDMARK_WORKER_CRASHED",
      `The face-landmark worker stopped unexpectedly (${detail}); it has been replaced.`,
    );
  }
}

export class LandmarkTimeoutError extends LandmarkError {
  override name = "LandmarkTimeoutError";
  constructor(ms: number) {
    super("LANDMARK_TIMEOUT", `Face landmarks took longer than ${ms} ms; the worker has been replaced.`);
  }
}

export class LandmarkPoolClosedError extends LandmarkError {
  override name = "LandmarkPoolClosedError";
  constructor() {
    super("LANDMARK_POOL_CLOSED", "The face-landmark pool is closed.");
  }
}

export class LandmarkInputError extends LandmarkError {
  override name = "LandmarkInputError";
  constructor(message: string) {
    super("LANDMARK_BAD_INPUT", message);
  }
}

interface WorkerError {
  name: string;
  code: string;
  message: string;
}

interface RawFace {
  box: [number, number, number, number];
  score: number;
  boxScore: number;
  faceScore: number;
  meshSpread: number;
  mesh: [number, number, number][];
  rotation: HeadRotation | null;
}

type WorkerMessage =
  | { type: "ready"; loadMs: number; versions: LandmarkPoolInfo["versions"] }
  | { type: "init-error"; error: WorkerError }
  | { type: "result"; id: number; faces: RawFace[]; ms: number }
  | { type: "error"; id: number; error: WorkerError };

interface Job {
  id: number;
  width: number;
  height: number;
  data: Uint8Array;
  crash: boolean;
  resolve: (faces: DetectedFace[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  /** Set when the pool ends this thread on purpose, so its exit is not reported as a crash. */
  retiring: boolean;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
/** Threads that die before becoming ready, in a row, before the pool gives up instead of respawning forever. */
const MAX_START_FAILURES = 3;

function toFace(raw: RawFace): DetectedFace {
  const [x, y, width, height] = raw.box;
  return {
    box: { x, y, width, height },
    score: raw.score,
    boxScore: raw.boxScore,
    meshScore: raw.faceScore,
    meshSpread: raw.meshSpread,
    mesh: raw.mesh,
    rotation: raw.rotation,
  };
}

export function createLandmarkPool(options: LandmarkPoolOptions = {}): LandmarkPool {
  const cores = availableParallelism();
  const size = Math.min(options.size ?? 1, cores);
  if (!Number.isInteger(size) || size < 1) throw new RangeError("Landmark pool size must be a positive integer");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const loadTimeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;

  const slots: Slot[] = [];
  const queue: Job[] = [];
  const loadMs: number[] = [];
  let versions: LandmarkPoolInfo["versions"] | null = null;
  let fatal: Error | null = null;
  let closed = false;
  let startFailures = 0;
  let nextId = 1;

  let settleReady!: { resolve: (info: LandmarkPoolInfo) => void; reject: (error: Error) => void };
  const readyPromise = new Promise<LandmarkPoolInfo>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  // ready() is optional for callers; an unobserved rejection must not crash the process.
  readyPromise.catch(() => undefined);

  function fail(error: Error): void {
    if (fatal) return;
    fatal = error;
    settleReady.reject(error);
    for (const job of queue.splice(0)) job.reject(error);
    for (const slot of slots) {
      slot.job?.reject(error);
      finish(slot);
      void retire(slot);
    }
  }

  function spawn(): Slot {
    const worker = new Worker(LANDMARK_WORKER_FILE, {
      workerData: { modelBasePath: options.modelBasePath, testHooks: options.testHooks === true },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, ready: false, job: null, timer: null, retiring: false };
    slot.timer = setTimeout(() => {
      if (!slot.ready)
        fail(
          new LandmarkError("LANDMARK_LOAD_TIMEOUT", `Face-landmark models did not load within ${loadTimeoutMs} ms.`),
        );
    }, loadTimeoutMs);
    worker.on("message", (msg: WorkerMessage) => onMessage(slot, msg));
    worker.on("error", (error) => onExit(slot, `error: ${error.message}`));
    worker.on("exit", (code) => onExit(slot, `exit code ${code}`));
    return slot;
  }

  function onMessage(slot: Slot, msg: WorkerMessage): void {
    switch (msg.type) {
      case "ready":
        finish(slot);
        slot.ready = true;
        startFailures = 0;
        loadMs.push(msg.loadMs);
        versions ??= msg.versions;
        if (slots.every((s) => s.ready) && loadMs.length >= size) {
          settleReady.resolve({ loadMs: loadMs.slice(0, size), versions });
        }
        dispatch();
        return;
      case "init-error":
        fail(new LandmarkModelLoadError(msg.error));
        return;
      case "result":
      case "error": {
        const job = slot.job;
        if (!job || job.id !== msg.id) return;
        finish(slot);
        if (msg.type === "result") job.resolve(msg.faces.map(toFace));
        else job.reject(new LandmarkError(msg.error.code, `Face landmarks failed: ${msg.error.message}`));
        dispatch();
        return;
      }
    }
  }

  function finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  function onExit(slot: Slot, detail: string): void {
    const index = slots.indexOf(slot);
    if (index === -1) return; // already handled (an "error" event is followed by "exit")
    slots.splice(index, 1);
    const job = slot.job;
    finish(slot);
    if (slot.retiring) return;
    job?.reject(new LandmarkWorkerCrashedError(detail));
    if (closed || fatal) return;
    if (!slot.ready && ++startFailures >= MAX_START_FAILURES) {
      fail(new LandmarkWorkerCrashedError(`${MAX_START_FAILURES} threads in a row failed to start; last: ${detail}`));
      return;
    }
    slots.push(spawn());
  }

  function retire(slot: Slot): Promise<number> {
    slot.retiring = true;
    return slot.worker.terminate();
  }

  function dispatch(): void {
    if (closed || fatal) return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.job || slot.retiring) continue;
      const job = queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => {
        if (slot.job !== job) return;
        finish(slot);
        job.reject(new LandmarkTimeoutError(timeoutMs));
        // Not `retiring`: the exit handler must spawn a replacement, but the job is already settled.
        void slot.worker.terminate();
      }, timeoutMs);
      const buffer = job.data.buffer as ArrayBuffer;
      slot.worker.postMessage(
        { type: "detect", id: job.id, width: job.width, height: job.height, data: buffer, crash: job.crash },
        [buffer],
      );
    }
  }

  for (let i = 0; i < size; i++) slots.push(spawn());

  return {
    size,
    ready: () => readyPromise,
    detectFaces(image, detectOptions = {}) {
      if (closed) return Promise.reject(new LandmarkPoolClosedError());
      if (fatal) return Promise.reject(fatal);
      const { width, height, data } = image;
      if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
        return Promise.reject(new LandmarkInputError("Image width and height must be positive integers."));
      }
      if ((image.channels ?? 3) !== 3 || data.byteLength !== width * height * 3) {
        return Promise.reject(new LandmarkInputError("Image data must be 8-bit RGB: width × height × 3 bytes."));
      }
      return new Promise<DetectedFace[]>((resolve, reject) => {
        // A private copy: the thread receives it by transfer, and the caller's buffer stays usable.
        queue.push({
          id: nextId++,
          width,
          height,
          data: new Uint8Array(data),
          crash: detectOptions.crashForTests === true,
          resolve,
          reject,
        });
        dispatch();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const error = new LandmarkPoolClosedError();
      for (const job of queue.splice(0)) job.reject(error);
      settleReady.reject(error);
      const ending = slots.map((slot) => {
        slot.job?.reject(error);
        finish(slot);
        return retire(slot);
      });
      await Promise.all(ending);
    },
  };
}
