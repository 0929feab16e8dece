import { migrate } from "./db/migrate.server";
import { env } from "./env.server";

/**
 * What server.mjs (the process entry) drives besides HTTP: schema migration, the background
 * worker, key rotation. Exported through entry.server.tsx so the HTTP server and the worker
 * share one module graph (and one database connection) in the same process.
 */
export const runtime = {
  migrate: () => migrate(env().DATABASE_URL),
  // Filled in by the jobs module.
  startBackgroundWork: async (): Promise<{ stop(): Promise<void> }> => ({ stop: async () => undefined }),
  rotateKeys: async (): Promise<Record<string, number>> => ({}),
};
