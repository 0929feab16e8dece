// @ts-check
/**
 * A `fetch` replacement for model loaders that must never go online (issue 3, "Never online").
 *
 * It serves `file://` URLs and absolute filesystem paths from disk and refuses everything else
 * (http, https, data, blob, relative paths …) with a loud `NetworkForbiddenError`. The face-landmark
 * worker installs it as `globalThis.fetch` before the detector loads, so no code in that thread can
 * reach the network by accident.
 *
 * Plain JavaScript on purpose: the worker thread runs without a build step and imports this file
 * directly; `offline-fetch.ts` re-exports it with types for the rest of the app.
 */
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export class NetworkForbiddenError extends Error {
  /** @param {string} target */
  constructor(target) {
    super(
      `Network access is forbidden here: refused to fetch ${describe(target)}. ` +
        "The analysis engine loads its models from disk only (file:// URLs or absolute paths).",
    );
    this.name = "NetworkForbiddenError";
    /** @readonly */
    this.code = "NETWORK_FORBIDDEN";
  }
}

export class OfflineFetchPathError extends Error {
  /** @param {string} path */
  constructor(path) {
    super(`Refused to read ${path}: it is outside the directories this offline fetch may serve.`);
    this.name = "OfflineFetchPathError";
    /** @readonly */
    this.code = "OFFLINE_FETCH_PATH";
  }
}

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".wasm": "application/wasm",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".txt": "text/plain",
};

/**
 * A short, safe description of a refused target: data: URLs are never echoed whole.
 * @param {string} target
 */
function describe(target) {
  if (/^data:/i.test(target)) return "a data: URL";
  return target.length > 200 ? `${target.slice(0, 200)}…` : target;
}

/**
 * @param {unknown} input
 * @returns {string}
 */
function targetOf(input) {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  if (typeof Request !== "undefined" && input instanceof Request) return input.url;
  if (input && typeof input === "object" && "url" in input && typeof input.url === "string") return input.url;
  return String(input);
}

/**
 * Maps a fetch target to a local path, or throws NetworkForbiddenError.
 * @param {string} target
 * @returns {string}
 */
export function localPathOf(target) {
  if (/^file:/i.test(target)) {
    try {
      return fileURLToPath(target);
    } catch {
      throw new NetworkForbiddenError(target);
    }
  }
  // A plain absolute path (POSIX, or a Windows drive path). Anything with a scheme is refused, and so
  // is "//host/…" (a scheme-relative URL to a browser) and a UNC network path such as \\host\share.
  if (/^[\\/]{2}/.test(target)) throw new NetworkForbiddenError(target);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(target) || /^[a-z]:[\\/]/i.test(target)) {
    if (isAbsolute(target)) return resolve(target);
  }
  throw new NetworkForbiddenError(target);
}

/**
 * @param {string} path
 * @param {string} root
 */
function isInside(path, root) {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * @typedef {object} OfflineFetchOptions
 * @property {string[]} [roots] Directories (absolute paths) that may be served; omitted = any local file.
 */

/**
 * Creates a fetch-compatible function that reads from disk only.
 * @param {OfflineFetchOptions} [options]
 * @returns {(input: string | URL | Request, init?: RequestInit) => Promise<Response>}
 */
export function createOfflineFetch(options = {}) {
  const roots = options.roots?.map((root) => resolve(root));
  return async function offlineFetch(input, init) {
    const target = targetOf(input);
    const path = localPathOf(target);
    if (roots && !roots.some((root) => isInside(path, root))) throw new OfflineFetchPathError(path);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      return new Response(null, { status: 405, statusText: "Method Not Allowed" });
    }
    let body;
    try {
      body = await readFile(path);
    } catch (error) {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") {
        return new Response(null, { status: 404, statusText: "Not Found" });
      }
      throw error;
    }
    const headers = {
      "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
      "content-length": String(body.byteLength),
    };
    return new Response(method === "HEAD" ? null : body, { status: 200, statusText: "OK", headers });
  };
}

/** Serves any local file; refuses the network. */
export const offlineFetch = createOfflineFetch();
