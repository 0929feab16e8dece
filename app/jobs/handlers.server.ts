import { CATALOGUE_SYNC_JOB, catalogueSyncHandler } from "../recommendations/catalogue-sync-job.server";
import type { Keyring } from "../crypto/keyring";
import { drainRemoteDeletions } from "../analysis/remote-deletion.server";
import { complianceHandlers } from "../privacy/compliance.server";
import { FLUSH_ERASURES_JOB } from "../privacy/erasure.server";
import { sweepRetention } from "../privacy/retention.server";
import type { JobHandler, PeriodicJob } from "./worker.server";

/**
 * Every domain job type the worker knows, and the ones it schedules itself. The admin's own jobs (the
 * dashboard's summaries) are in app/admin/dashboard-summaries.server.ts: domain code does not import the
 * admin, so app/runtime.server.ts adds them.
 */
export const RETENTION_SWEEP = "retention.sweep";
export const REMOTE_DELETIONS = "analysis.remote_deletions";
/** How often owed vendor deletions are retried; cheap when there are none. */
export const REMOTE_DELETIONS_EVERY_MS = 60_000;

export function jobHandlers(keyring: Keyring): Record<string, JobHandler> {
  return {
    ...complianceHandlers(keyring),
    [RETENTION_SWEEP]: {
      erasesPersonalData: true,
      run: async (_payload, { database, signal }) => {
        await sweepRetention(database, keyring, new Date(), signal);
      },
    },
    // The erasure itself already ran in the request; marking it lets the worker flush the WAL.
    [FLUSH_ERASURES_JOB]: { erasesPersonalData: true, run: async () => undefined },
    [CATALOGUE_SYNC_JOB]: catalogueSyncHandler(),
    [REMOTE_DELETIONS]: {
      run: async (_payload, { database, signal }) => {
        if ((await database.client.remoteDeletion.count()) === 0) return;
        await drainRemoteDeletions(database.client, keyring, { signal });
      },
    },
  };
}

export function periodicJobs(retentionEveryMs: number): PeriodicJob[] {
  return [
    { type: RETENTION_SWEEP, everyMs: retentionEveryMs },
    { type: REMOTE_DELETIONS, everyMs: REMOTE_DELETIONS_EVERY_MS },
  ];
}
