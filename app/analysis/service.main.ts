import { availableParallelism } from "node:os";
import { env, EnvError } from "../env.server";
import { createLocalEngine } from "./local-engine.server";
import { startAnalysisService } from "./service.server";

/**
 * `npm run analysis-api`: the built-in engine as a standalone analysis API on 127.0.0.1
 * (port from PORT, bearer key from ANALYSIS_API_KEY). Bundled by scripts/build-analysis-api.mjs.
 */
async function main(): Promise<void> {
  const e = env();
  if (!e.ANALYSIS_API_KEY) {
    console.error(
      "ANALYSIS_API_KEY is required: the bearer key clients must send (generate one: openssl rand -hex 32).",
    );
    process.exit(1);
  }
  const threads = Math.min(2, availableParallelism());
  const provider = await createLocalEngine({ size: threads });
  const server = await startAnalysisService({
    provider,
    apiKey: e.ANALYSIS_API_KEY,
    port: e.PORT,
    host: e.HOST,
    concurrency: threads,
    queueLimit: e.ANALYSIS_QUEUE_LIMIT,
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : e.PORT;
  console.log(`ScanShield analysis API listening on http://${e.HOST}:${port}`);
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    void provider.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
});
