-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "imageAlt" TEXT;

