-- AlterTable
ALTER TABLE "AuditChainHead" ADD COLUMN     "brokenAt" INTEGER,
ADD COLUMN     "brokenReason" TEXT,
ADD COLUMN     "verifiedAt" TIMESTAMP(3),
ADD COLUMN     "verifiedLength" INTEGER;

