import { adminJobHandlers } from "../../app/admin/dashboard-summaries.server";
import type { Database } from "../../app/db/client.server";
import { appKeyring } from "../../app/crypto/keyring.server";
import { jobHandlers } from "../../app/jobs/handlers.server";
import { startWorker } from "../../app/jobs/worker.server";

/** Runs the real worker with the real handlers until no job is due, then stops it. */
export async function runJobs(database: Database): Promise<void> {
  const worker = startWorker({
    database,
    handlers: { ...jobHandlers(appKeyring()), ...adminJobHandlers() },
    pollMs: 5,
    leaseMs: 30_000,
  });
  await worker.idle();
  await worker.stop();
}

/** Row counts of every table, to prove a request changed nothing (or exactly what it should). */
export async function tableCounts(database: Database): Promise<Record<string, number>> {
  const db = database.client;
  return {
    session: await db.session.count(),
    shop: await db.shop.count(),
    noticeVersion: await db.noticeVersion.count(),
    subject: await db.subject.count(),
    consentRecord: await db.consentRecord.count(),
    scan: await db.scan.count(),
    storedImage: await db.storedImage.count(),
    privacyRequest: await db.privacyRequest.count(),
    dataExport: await db.dataExport.count(),
    remoteDeletion: await db.remoteDeletion.count(),
    webhookDelivery: await db.webhookDelivery.count(),
    job: await db.job.count(),
    auditEvent: await db.auditEvent.count(),
    requestLog: await db.requestLog.count(),
    product: await db.product.count(),
    productTerm: await db.productTerm.count(),
    recommendationRule: await db.recommendationRule.count(),
  };
}
