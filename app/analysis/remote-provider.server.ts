import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { AnalysisInput, AnalysisOutcome, AnalysisProvider, EngineInfo } from "./engine";

/**
 * An analysis API over HTTP (PRODUCT.md contract), e.g. a vendor or `npm run analysis-api`.
 * Sends only the metadata-free JPEG with a random request id: no shop, customer, email or IP (P4).
 * Timeouts and a validated answer here; retries and a circuit breaker come with the scan pipeline.
 */
const engineSchema = z.object({ name: z.string().min(1), version: z.string().min(1) });
const qualitySchema = z.object({
  ok: z.boolean(),
  reasons: z.array(z.string()),
  hints: z.array(z.string()),
  measured: z.record(z.string(), z.number()),
});
const answerSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("accepted"),
    id: z.string().min(1).max(128),
    engine: engineSchema,
    quality: qualitySchema,
    measurement: z.object({
      indices: z.record(z.string(), z.unknown()),
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

export class RemoteAnalysisError extends Error {
  override name = "RemoteAnalysisError";
  constructor(
    message: string,
    /** Worth trying again later (vendor down, overloaded, timed out). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function createRemoteProvider(options: {
  url: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): AnalysisProvider {
  const base = options.url.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const engine: EngineInfo = { name: "remote", version: new URL(base).host };

  async function call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${options.apiKey}`, "x-request-id": randomUUID(), ...init.headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new RemoteAnalysisError(
        timedOut ? "The analysis API did not answer in time." : "The analysis API is unreachable.",
        true,
      );
    }
  }

  return {
    engine,
    apiUrl: base,
    async analyse(input: AnalysisInput): Promise<AnalysisOutcome> {
      const response = await call("/v1/analyses", {
        method: "POST",
        headers: { "content-type": "image/jpeg" },
        body: new Blob([new Uint8Array(input.jpeg)], { type: "image/jpeg" }),
      });
      if (!response.ok) {
        throw new RemoteAnalysisError(
          `The analysis API answered ${response.status}.`,
          response.status >= 500 || response.status === 429,
        );
      }
      const parsed = answerSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success)
        throw new RemoteAnalysisError("The analysis API sent an answer in an unexpected shape.", false);
      const { id, ...rest } = parsed.data;
      return { analysisId: id, ...rest } as AnalysisOutcome;
    },
    async deleteAnalysis(analysisId) {
      const response = await call(`/v1/analyses/${encodeURIComponent(analysisId)}`, { method: "DELETE" });
      if (!response.ok && response.status !== 404) {
        throw new RemoteAnalysisError(
          `The analysis API answered ${response.status} to a deletion.`,
          response.status >= 500,
        );
      }
    },
    close: async () => undefined,
  };
}
