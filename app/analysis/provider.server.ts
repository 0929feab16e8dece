import { env, type Env } from "../env.server";
import type { AnalysisProvider } from "./engine";
import { createLocalEngine } from "./local-engine.server";
import { createRemoteProvider } from "./remote-provider.server";

/** The app's analysis provider: the configured analysis API, or the built-in engine when none is set. */
export async function createAnalysisProvider(config: Env = env()): Promise<AnalysisProvider> {
  if (!config.ANALYSIS_API_URL) return createLocalEngine();
  if (!config.ANALYSIS_API_KEY) throw new Error("ANALYSIS_API_KEY is required when ANALYSIS_API_URL is set.");
  return createRemoteProvider({ url: config.ANALYSIS_API_URL, apiKey: config.ANALYSIS_API_KEY });
}

declare global {
  // One provider per process: the local engine's threads and models load once.
  var __scanshieldProvider: Promise<AnalysisProvider> | undefined;
}

/** The process's analysis provider, created on first use. */
export function analysisProvider(): Promise<AnalysisProvider> {
  globalThis.__scanshieldProvider ??= createAnalysisProvider().catch((error: unknown) => {
    globalThis.__scanshieldProvider = undefined;
    throw error;
  });
  return globalThis.__scanshieldProvider;
}
