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
