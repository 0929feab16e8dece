import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import type { AnalysisProvider } from "./engine";
import { DomainError } from "../domain-error";
import { MAX_IMAGE_BYTES, normaliseImage } from "./image.server";

/**
 * The analysis API (PRODUCT.md) served over HTTP by the built-in engine, so the app can be pointed
 * at it exactly as at a vendor: `POST /v1/analyses` (bearer key, image body) and
 * `DELETE /v1/analyses/{id}`. Listens on 127.0.0.1 by default. Logs nothing about requests.
 */
const ANALYSIS_PATH = /^\/v1\/analyses\/?$/;
const ONE_ANALYSIS = /^\/v1\/analyses\/([^/]+)$/;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

const referenceQuery = z.object({
  reference: z
    .string()
    .regex(/^\d+,\d+,\d+,\d+$/, "must be x,y,width,height in pixels of the analysed image")
    .transform((v) => v.split(",").map(Number) as [number, number, number, number])
    .optional(),
  reflectance: z.coerce.number().gt(0).max(1).optional(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { "content-type": "application/json" } : {}), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > limit) {
      reject(new HttpError(413, "image_too_large", `The image is larger than ${limit / 2 ** 20} MB.`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, "image_too_large", `The image is larger than ${limit / 2 ** 20} MB.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function authorised(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = Buffer.from(header.startsWith("Bearer ") ? header.slice(7) : "");
  const expected = Buffer.from(apiKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * At most `concurrency` photos are decoded and analysed at once; the rest wait their turn, and past
 * `queueLimit` waiting the service answers 503 with Retry-After. Decoding a 12 MP photo takes tens
 * of MB, so this is what keeps a burst from growing memory without bound.
 */
function limiter(concurrency: number, queueLimit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) {
      if (waiting.length >= queueLimit)
        throw new HttpError(503, "busy", "The analysis service is busy; try again shortly.");
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export function analysisRequestHandler(
  provider: AnalysisProvider,
  apiKey: string,
  options: { concurrency?: number; queueLimit?: number } = {},
) {
  const limit = limiter(options.concurrency ?? 2, options.queueLimit ?? 32);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = String(req.headers["x-request-id"] ?? randomUUID()).slice(0, 64);
    const headers = { "x-request-id": requestId };
    try {
      const url = new URL(req.url ?? "/", "http://analysis.local");
      const one = ONE_ANALYSIS.exec(url.pathname);
      if (!ANALYSIS_PATH.test(url.pathname) && !one) throw new HttpError(404, "not_found", "No such endpoint.");
      const allowed = one ? "DELETE" : "POST";
      if (req.method !== allowed) {
        res.setHeader("allow", allowed);
        throw new HttpError(405, "method_not_allowed", `Use ${allowed} here.`);
      }
      if (!authorised(req, apiKey)) throw new HttpError(401, "unauthorized", "A valid bearer key is required.");

      if (one) {
        if (!/^[0-9a-f-]{36}$/i.test(one[1] ?? ""))
          throw new HttpError(400, "invalid_id", "Unknown analysis id format.");
        await provider.deleteAnalysis(one[1]!);
        return send(res, 204, undefined, headers);
      }

      const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (!IMAGE_TYPES.has(type)) {
        throw new HttpError(415, "unsupported_media_type", "Send the photo as image/jpeg, image/png or image/webp.");
      }
      const query = referenceQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) {
        throw new HttpError(
          400,
          "invalid_query",
          query.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; "),
        );
      }
      const body = await readBody(req, MAX_IMAGE_BYTES);
      const ref = query.data.reference;
      const outcome = await limit(async () => {
        const image = await normaliseImage(body);
        return provider.analyse({
          rgb: { data: image.raw, width: image.width, height: image.height },
          jpeg: image.jpeg,
          reference: ref && {
            x: ref[0],
            y: ref[1],
            width: ref[2],
            height: ref[3],
            reflectance: query.data.reflectance,
          },
        });
      });
      const { analysisId, ...rest } = outcome;
      return send(res, 200, { id: analysisId, ...rest }, headers);
    } catch (error) {
      // Image errors (a decode bomb, a busy decoder: image.server.ts) are DomainErrors with their own headers.
      if (error instanceof HttpError || error instanceof DomainError) {
        const retry: Record<string, string> = error.status === 503 ? { "retry-after": "2" } : {};
        const own = error instanceof DomainError ? error.headers : {};
        return send(
          res,
          error.status,
          { error: { code: error.code, message: error.message } },
          { ...headers, ...retry, ...own },
        );
      }
      // A bug: say so without detail (the photo or its metadata must never appear in an answer or a log).
      process.stderr.write(`analysis service error: ${error instanceof Error ? error.name : "unknown"}\n`);
      return send(
        res,
        500,
        { error: { code: "internal", message: "The analysis failed; please try again." } },
        headers,
      );
    }
  };
}

export function startAnalysisService(options: {
  provider: AnalysisProvider;
  apiKey: string;
  port: number;
  host?: string;
  concurrency?: number;
  queueLimit?: number;
}): Promise<Server> {
  const handler = analysisRequestHandler(options.provider, options.apiKey, {
    concurrency: options.concurrency,
    queueLimit: options.queueLimit,
  });
  const server = createServer((req, res) => void handler(req, res));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve(server));
  });
}
