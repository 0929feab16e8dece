import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import { z } from "zod";
import type { Db } from "../db/client.server";
import { enqueueUnlessActive, isActiveJob, latestJobOf } from "../jobs/queue.server";
import { PermanentJobError, type JobHandler } from "../jobs/worker.server";
import { unauthenticated } from "../shopify.server";
import {
  CATALOGUE_SYNCED,
  CatalogueSyncError,
  fromAdminClient,
  syncCatalogue,
  type AdminGraphqlClient,
} from "./catalogue-sync.server";

/**
 * The merchant's "Sync products now" runs in the job queue, not in the request (issue 6): a store
 * with thousands of products takes minutes at Shopify's throttle, far beyond a request's timeout.
 * The worker has no request, so it reaches the Admin API with the shop's stored offline session.
 */
export const CATALOGUE_SYNC_JOB = "catalogue.sync";

const latestJob = (db: Db, shop: string) => latestJobOf(db, shop, CATALOGUE_SYNC_JOB);

/** Queues a sync unless one is already queued or running for the shop (two clicks that race make one job). */
export function requestCatalogueSync(db: Db, shop: string): Promise<{ jobId: string; created: boolean }> {
  return enqueueUnlessActive(db, {
    type: CATALOGUE_SYNC_JOB,
    payload: { shop },
    shop,
    // Throttling passes within minutes; anything else is permanent (see the handler).
    maxAttempts: 3,
  });
}

const lastRunDetails = z.object({
  saved: z.number(),
  removed: z.number(),
  warnings: z.array(z.string()).default([]),
});

/** Messages of these error classes are written for the merchant; any other failure gets a generic one. */
const READABLE_FAILURE = /^(?:PermanentJobError|CatalogueSyncError): (.+)$/s;

/** What the recommendations page shows about syncs: one running, the last full run, the last failure. */
export async function catalogueSyncState(db: Db, shop: string) {
  const [latest, lastRun] = await Promise.all([
    latestJob(db, shop),
    db.auditEvent.findFirst({
      where: { shop, action: CATALOGUE_SYNCED },
      orderBy: { createdAt: "desc" },
      select: { createdAt: true, details: true },
    }),
  ]);
  let details: z.infer<typeof lastRunDetails> | null = null;
  try {
    const parsed = lastRunDetails.safeParse(JSON.parse(lastRun?.details ?? "null"));
    if (parsed.success) details = parsed.data;
  } catch {
    // An unreadable record shows as a run without counts.
  }
  return {
    running: latest ? isActiveJob(latest) : false,
    failure:
      latest?.status === "failed"
        ? (READABLE_FAILURE.exec(latest.lastError ?? "")?.[1] ?? "The last sync failed. Try again in a few minutes.")
        : null,
    last: lastRun
      ? { at: lastRun.createdAt.toISOString(), ...(details ?? { saved: 0, removed: 0, warnings: [] }) }
      : null,
  };
}

export interface CatalogueSyncJobDeps {
  /** The Admin API client for a shop; by default from its stored offline session. */
  adminFor?: (shop: string) => Promise<{ admin: AdminGraphqlClient }>;
  sleep?: (ms: number) => Promise<void>;
}

const payloadShape = z.object({ shop: z.string().min(1).max(255) });

export const NO_OFFLINE_SESSION =
  "The app has no access to this store (it is not installed, or was uninstalled). Open the app from Shopify admin, then sync again.";

export function catalogueSyncHandler(deps: CatalogueSyncJobDeps = {}): JobHandler {
  const adminFor = deps.adminFor ?? ((shop: string) => unauthenticated.admin(shop));
  return {
    run: async (payload, { database, signal }) => {
      const parsed = payloadShape.safeParse(payload);
      if (!parsed.success) throw new PermanentJobError("The catalogue sync job names no shop.");
      const { shop } = parsed.data;
      let admin: AdminGraphqlClient;
      try {
        ({ admin } = await adminFor(shop));
      } catch (error) {
        // Retrying cannot create a session; the library's own message is replaced by one for the merchant.
        if (error instanceof SessionNotFoundError) throw new PermanentJobError(NO_OFFLINE_SESSION);
        throw error;
      }
      try {
        await syncCatalogue(database.client, shop, { graphql: fromAdminClient(admin), sleep: deps.sleep, signal });
      } catch (error) {
        // A refused query or an oversized catalogue fails the same way next time; throttling does not.
        if (error instanceof CatalogueSyncError && error.status !== 503) throw new PermanentJobError(error.message);
        throw error;
      }
    },
  };
}
