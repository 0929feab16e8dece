-- DPDP Rules 9 and 14: the contact for processing questions and the grievance answer time, published in
-- the notice. Plain ADD COLUMNs (Prisma's diff proposed copying the whole Shop table; not needed here).
ALTER TABLE "Shop" ADD COLUMN "processingContactName" TEXT;
ALTER TABLE "Shop" ADD COLUMN "processingContactEmail" TEXT;
ALTER TABLE "Shop" ADD COLUMN "processingContactPhone" TEXT;
ALTER TABLE "Shop" ADD COLUMN "grievanceAnswerDays" INTEGER NOT NULL DEFAULT 15;
