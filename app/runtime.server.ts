import { adminJobHandlers } from "./admin/dashboard-summaries.server";
import { appKeyring } from "./crypto/keyring.server";
import { reencryptAll } from "./crypto/rotation.server";
import { database, openAsWorker } from "./db.server";
import { migrate } from "./db/migrate.server";
import { env } from "./env.server";
import { jobHandlers, periodicJobs } from "./jobs/handlers.server";
import { startWorker } from "./jobs/worker.server";
import { analysisProvider } from "./analysis/provider.server";
import { describeError, logger } from "./logger.server";
import { recordKeyRotation, verifyAllAuditChains } from "./privacy/audit-trail.server";
import { buildTrainingExport } from "./privacy/training-export.server";
import { DEMO_CATALOGUE } from "./recommendations/demo-catalogue";
import { saveProduct } from "./recommendations/recommend.server";
import { seedDemoAdmin, type DemoAdminSeed } from "./local-admin/demo-data.server";

/**
 * What server.mjs (the process entry) drives besides HTTP: schema migration, the background
 * worker, key rotation. Exported through entry.server.tsx so the HTTP server and the worker
 * share one module graph (and one database connection) in the same process.
 */
export const runtime = {
  migrate: async () => {
    const applied = await migrate(env().DATABASE_URL);
    if (applied.length > 0) logger.info("database migrated", { applied: applied.join(",") });
    return applied;
  },

  /**
   * With no analysis API configured, the built-in engine's thread starts and loads its models (and warms
   * up) now, not on the first shopper's scan. Not awaited by the server: it listens meanwhile, and a scan
   * that arrives first waits for the same load. A failure is logged; the next scan tries again.
   */
  preloadAnalysis: async (): Promise<void> => {
    if (env().ANALYSIS_API_URL) return;
    const started = performance.now();
    try {
      await analysisProvider();
      logger.info("analysis engine loaded", { ms: Math.round(performance.now() - started) });
    } catch (error) {
      logger.error("analysis engine failed to load", { error: describeError(error) });
    }
  },

  startBackgroundWork: async (): Promise<{ stop(): Promise<void> }> => {
    const e = env();
    openAsWorker();
    const worker = startWorker({
      database: await database(),
      handlers: { ...jobHandlers(appKeyring()), ...adminJobHandlers() },
      pollMs: e.JOB_POLL_INTERVAL_MS,
      leaseMs: e.JOB_LEASE_MS,
      periodic: periodicJobs(e.RETENTION_SWEEP_INTERVAL_MS),
      busyShare: e.JOB_BUSY_SHARE,
    });
    logger.info("worker started", { workerId: worker.id });
    return worker;
  },

  /**
   * The local preview's shop gets the demo catalogue (idempotent), and no other shop is touched. With the
   * local admin on (development only), also a month of demo activity for its dashboard and plan page.
   */
  seedDemo: async (): Promise<{ shop: string; products: number; admin?: DemoAdminSeed }> => {
    const db = await database();
    const shop = env().PREVIEW_SHOP;
    for (const entry of DEMO_CATALOGUE) await saveProduct(db.client, shop, entry);
    const admin = env().LOCAL_ADMIN ? await seedDemoAdmin(db.client, appKeyring(), shop) : undefined;
    await db.close();
    return { shop, products: DEMO_CATALOGUE.length, admin };
  },

  /** P13: the anonymised results of opted-in scans, for model work outside the app. */
  exportTraining: async () => {
    const db = await database();
    const document = await buildTrainingExport(db.client);
    await db.close();
    return document;
  },

  rotateKeys: async (): Promise<Record<string, number>> => {
    const db = await database();
    const counts = await reencryptAll(db.client, appKeyring());
    await recordKeyRotation(db.client, counts);
    await db.close();
    return counts;
  },

  /** P21: walks every shop's audit chain and records each outcome; npm run audit:verify prints them. */
  verifyAudit: async () => {
    const db = await database();
    const results = await verifyAllAuditChains(db.client);
    await db.close();
    return results;
  },
};
