-- AlterTable
ALTER TABLE "AuditChainHead" ADD COLUMN "brokenAt" INTEGER;
ALTER TABLE "AuditChainHead" ADD COLUMN "brokenReason" TEXT;
ALTER TABLE "AuditChainHead" ADD COLUMN "verifiedAt" DATETIME;
ALTER TABLE "AuditChainHead" ADD COLUMN "verifiedLength" INTEGER;

