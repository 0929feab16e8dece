import { randomUUID } from "node:crypto";
import { z } from "zod";
import { BreakerRegistry, type CircuitBreaker } from "./circuit-breaker";
import type { AnalysisInput, AnalysisOutcome, AnalysisProvider, EngineInfo } from "./engine";
import { BodyTooLargeError, readBodyLimited } from "../http/responses";
import { logger } from "../logger.server";
import { endpointRefusal, urlProblem, type EndpointGuard } from "./endpoint-guard.server";
import { DomainError } from "../domain-error";

/**
 * An analysis API over HTTP (PRODUCT.md contract), e.g. a vendor or `npm run analysis-api`.
 * Sends only the metadata-free JPEG with a random request id: no shop, customer, email or IP (P4).
 *
 * Hardening (issue 4): every attempt has a timeout and a validated, size-capped answer; a circuit
 * breaker per endpoint URL fails fast while the vendor is down; and retries happen only where they
 * cannot create an analysis we would never learn the id of (and so could never erase, P11):
 * - POST /v1/analyses is not idempotent. It is retried (at most twice) only when the request surely
 *   was not processed: the connection was never made (refused, DNS, unreachable), or the vendor said
 *   503/429 ("not now"). Never after a timeout, a dropped connection or any other 5xx: the vendor may
 *   have stored an analysis by then.
 * - DELETE is idempotent, so it is retried on any failure that may pass.
 */
const engineSchema = z.object({ name: z.string().min(1), version: z.string().min(1) });
const qualitySchema = z.object({
  ok: z.boolean(),
  reasons: z.array(z.string()),
  hints: z.array(z.string()),
  measured: z.record(z.string(), z.number()),
});
// The tone's range fields (issue 11) are optional, but a vendor that sends them must send sense:
// the widget shows them to the shopper. Other index fields pass as they come.
const toneRangeSchema = z
  .object({
    itaRange: z.tuple([z.number().min(-90).max(90), z.number().min(-90).max(90)]).optional(),
    groups: z
      .array(z.enum(["very light", "light", "intermediate", "tan", "brown", "dark"]))
      .max(6)
      .optional(),
    confidence: z.number().min(0).max(1).optional(),
    lightPinned: z.boolean().optional(),
    summary: z.string().max(500).optional(),
  })
  .passthrough();
const answerSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("accepted"),
    id: z.string().min(1).max(128),
    engine: engineSchema,
    quality: qualitySchema,
    measurement: z.object({
      indices: z.object({ skinTone: toneRangeSchema.optional() }).catchall(z.unknown()),
      whiteBalance: z.enum(["reference", "none"]),
      notes: z.array(z.string()),
    }),
  }),
  z.object({
    status: z.literal("refused"),
    id: z.string().min(1).max(128),
    engine: engineSchema,
    quality: qualitySchema,
  }),
]);

/** What the shopper is told to wait when nothing better is known. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** A vendor asking for more than this is still passed on, but no shopper is told to wait longer. */
const MAX_RETRY_AFTER_SECONDS = 600;
const MAX_RETRIES = 2;
/** A Retry-After longer than this is not waited out inside a shopper's request: we give up at once. */
const RETRY_AFTER_CAP_MS = 2_000;
const BACKOFF_BASE_MS = 200;
/** A measurement is a few KB; anything far larger is not an answer to our question. */
const MAX_ANSWER_BYTES = 1_000_000;

/**
 * The vendor is down or misbehaving: not our bug, so a 503 to the shopper, with Retry-After only when
 * waiting can help. The message says what went wrong for the log; the shopper reads a plain sentence.
 */
export class RemoteAnalysisError extends DomainError {
  /** When trying again may help: how long to wait first. Undefined when it will not help. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    message: string,
    /** Worth trying again later (vendor down, overloaded, timed out). */
    readonly retryable: boolean,
    retryAfterSeconds?: number,
  ) {
    const wait = retryable
      ? Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS)))
      : undefined;
    super(503, "analysis_unavailable", message, wait === undefined ? {} : { "retry-after": String(wait) });
    this.retryAfterSeconds = wait;
  }

  override body() {
    const message =
      this.retryAfterSeconds === undefined
        ? "The skin analysis is unavailable at the moment."
        : "The skin analysis is unavailable; please try again.";
    return { error: { code: this.code, message } };
  }
}

/**
 * How one attempt failed, which decides whether to retry it:
 * - "unsent": no connection was made, so the vendor never saw the request;
 * - "busy": the vendor answered 503 or 429, i.e. it declined to do the work;
 * - "failed": anything after the request may have been read (timeout, dropped connection, other 5xx,
 *   an answer in the wrong shape);
 * - "rejected": the vendor is healthy but refuses this request (4xx): retrying will not help.
 */
type FailureKind = "unsent" | "busy" | "failed" | "rejected";

class AttemptFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly error: RemoteAnalysisError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

// Codes that mean the connection was never established (DNS or TCP connect).
const UNSENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

function neverConnected(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const { code, syscall, cause, errors } = e as {
      code?: unknown;
      syscall?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if ((typeof code === "string" && UNSENT_CODES.has(code)) || syscall === "connect") return true;
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return false;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// One breaker per endpoint URL for the whole process: providers are made per shop (P16), and a new
// provider object must not forget that its vendor is down.
const breakers = new BreakerRegistry();

export interface RemoteProviderOptions {
  url: string;
  apiKey: string;
  /** Per attempt, including reading the answer. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Defaults to the process-wide breaker of this URL. */
  breaker?: CircuitBreaker;
  /** For tests: how backoff waits, and the jitter source. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * For a URL the merchant chose (P16): connect only to addresses its policy allows, checked after
   * DNS on every connection (issue 10, item 7). Without it (ANALYSIS_API_URL, set by the operator)
   * any address is reached. Redirects are never followed either way.
   */
  guard?: EndpointGuard;
}

export function createRemoteProvider(options: RemoteProviderOptions): AnalysisProvider {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const breaker = options.breaker ?? breakers.for(base);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  // Logged and shown as the engine version: the vendor's host, never a path, key or photo.
  const host = new URL(base).host;
  const engine: EngineInfo = { name: "remote", version: host };
  const guard = options.guard;
  // What the URL alone tells (scheme, a literal IP): refused before anything is sent.
  const refusedUrl = guard ? urlProblem(base, guard.policy) : undefined;

  /** One HTTP exchange; `handle` turns the response into a value or throws an AttemptFailure. */
  async function attempt<T>(
    path: string,
    init: RequestInit,
    requestId: string,
    caller: AbortSignal | undefined,
    handle: (response: Response) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = caller ? AbortSignal.any([caller, timeout]) : timeout;
    if (refusedUrl) throw refused(refusedUrl);
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${options.apiKey}`, "x-request-id": requestId, ...init.headers },
        signal,
        // A redirect could point anywhere (an internal service): never re-send the photo or the key.
        redirect: "manual",
        // Node's fetch takes an undici dispatcher; the DOM's RequestInit type does not know it.
        ...(guard ? ({ dispatcher: guard.dispatcher } as RequestInit) : {}),
      });
    } catch (error) {
      if (caller?.aborted) throw error;
      const refusal = endpointRefusal(error);
      if (refusal) throw refused(refusal.message);
      if (neverConnected(error)) {
        throw new AttemptFailure("unsent", new RemoteAnalysisError("The analysis API is unreachable.", true));
      }
      const message = timeout.aborted
        ? "The analysis API did not answer in time."
        : "The connection to the analysis API failed.";
      throw new AttemptFailure("failed", new RemoteAnalysisError(message, true));
    }
    try {
      return await handle(response);
    } catch (error) {
      if (error instanceof AttemptFailure || caller?.aborted) throw error;
      // The answer was cut off or took too long to arrive.
      throw new AttemptFailure(
        "failed",
        new RemoteAnalysisError("The analysis API's answer was cut off or late.", true),
      );
    }
  }

  /** The endpoint is not one the app may reach: the vendor is not at fault, and retrying cannot help. */
  function refused(reason: string): AttemptFailure {
    return new AttemptFailure(
      "rejected",
      new RemoteAnalysisError(`The analysis API's address is refused: ${reason}`, false),
    );
  }

  /** Fails for a non-2xx status, with the kind that decides retrying. */
  async function failForStatus(response: Response, what: string): Promise<never> {
    await response.body?.cancel().catch(() => undefined);
    const status = response.status;
    const message =
      status >= 300 && status < 400
        ? `The analysis API answered ${status}${what}, a redirect; redirects are not followed.`
        : `The analysis API answered ${status}${what}.`;
    if (status === 503 || status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      const error = new RemoteAnalysisError(
        message,
        true,
        retryAfterMs === undefined ? undefined : retryAfterMs / 1000,
      );
      throw new AttemptFailure("busy", error, retryAfterMs);
    }
    if (status >= 500) throw new AttemptFailure("failed", new RemoteAnalysisError(message, true));
    throw new AttemptFailure("rejected", new RemoteAnalysisError(message, false));
  }

  /**
   * Runs attempts through the breaker. `mayRetry` says which failures are safe to repeat.
   * The same X-Request-Id is reused for every attempt of one call: it is random per photo (so it
   * reveals nothing, P4), and should a vendor have seen an earlier attempt after all, it can tell
   * the repeat is the same request and de-duplicate instead of keeping a second copy.
   */
  async function withRetries<T>(
    mayRetry: (kind: FailureKind) => boolean,
    caller: AbortSignal | undefined,
    run: (requestId: string) => Promise<T>,
  ): Promise<T> {
    const requestId = randomUUID();
    for (let retry = 0; ; retry++) {
      const admission = breaker.admit();
      if (!admission.allowed) {
        throw new RemoteAnalysisError(
          "The analysis API is failing; calls are paused for a moment.",
          true,
          admission.retryAfterMs / 1000,
        );
      }
      try {
        const value = await run(requestId);
        admission.permit.success();
        return value;
      } catch (error) {
        if (!(error instanceof AttemptFailure)) {
          admission.permit.release(); // our caller gave up: says nothing about the vendor
          throw error;
        }
        // A 4xx means the vendor is up and answering; only real failures trip the breaker.
        if (error.kind === "rejected") admission.permit.success();
        else {
          const before = breaker.state();
          admission.permit.failure();
          if (before !== "open" && breaker.state() === "open") {
            logger.warn("analysis API circuit opened", { host, coolDownMs: breaker.coolDownMs });
          }
        }
        const waitMs = error.retryAfterMs ?? 0;
        if (retry >= MAX_RETRIES || !mayRetry(error.kind) || waitMs > RETRY_AFTER_CAP_MS) throw error.error;
        // Jittered exponential backoff (about 200 ms, then 400 ms), or the vendor's Retry-After if longer.
        const backoff = BACKOFF_BASE_MS * 2 ** retry * (0.5 + random());
        await sleep(Math.max(waitMs, backoff));
        if (caller?.aborted) throw error.error;
      }
    }
  }

  return {
    engine,
    apiUrl: base,
    async analyse(input: AnalysisInput, signal?: AbortSignal): Promise<AnalysisOutcome> {
      const postSafe = (kind: FailureKind) => kind === "unsent" || kind === "busy";
      return withRetries(postSafe, signal, (requestId) =>
        attempt(
          "/v1/analyses",
          {
            method: "POST",
            headers: { "content-type": "image/jpeg" },
            body: new Blob([new Uint8Array(input.jpeg)], { type: "image/jpeg" }),
          },
          requestId,
          signal,
          async (response) => {
            if (!response.ok) return failForStatus(response, "");
            let json: unknown = null;
            try {
              json = JSON.parse(new TextDecoder().decode(await readBodyLimited(response, MAX_ANSWER_BYTES)));
            } catch (error) {
              // Too large or not JSON: reported as the wrong shape below. A cut-off body is a failure.
              if (!(error instanceof BodyTooLargeError || error instanceof SyntaxError)) throw error;
              await response.body?.cancel().catch(() => undefined);
            }
            const parsed = answerSchema.safeParse(json);
            if (!parsed.success) {
              // Counts against the breaker, but retrying the photo would not fix the vendor.
              throw new AttemptFailure(
                "failed",
                new RemoteAnalysisError("The analysis API sent an answer in an unexpected shape.", false),
              );
            }
            const { id, ...rest } = parsed.data;
            return { analysisId: id, ...rest } as AnalysisOutcome;
          },
        ),
      );
    },
    async deleteAnalysis(analysisId) {
      const deleteSafe = (kind: FailureKind) => kind !== "rejected";
      await withRetries(deleteSafe, undefined, (requestId) =>
        attempt(
          `/v1/analyses/${encodeURIComponent(analysisId)}`,
          { method: "DELETE" },
          requestId,
          undefined,
          async (response) => {
            // 404: already gone, which is what we wanted.
            if (!response.ok && response.status !== 404) return failForStatus(response, " to a deletion");
            await response.body?.cancel().catch(() => undefined);
          },
        ),
      );
    },
    close: async () => undefined,
  };
}
