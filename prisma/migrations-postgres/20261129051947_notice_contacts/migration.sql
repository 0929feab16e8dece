-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "grievanceAnswerDays" INTEGER NOT NULL DEFAULT 15,
ADD COLUMN     "processingContactEmail" TEXT,
ADD COLUMN     "processingContactName" TEXT,
ADD COLUMN     "processingContactPhone" TEXT;

