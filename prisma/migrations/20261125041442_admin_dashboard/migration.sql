-- CreateTable
CREATE TABLE "DailyStat" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "scans" INTEGER NOT NULL DEFAULT 0,
    "refused" INTEGER NOT NULL DEFAULT 0,
    "refusalReasons" TEXT NOT NULL DEFAULT '{}',
    "grants" INTEGER NOT NULL DEFAULT 0,
    "withdrawals" INTEGER NOT NULL DEFAULT 0,
    "retentionOptIns" INTEGER NOT NULL DEFAULT 0,
    "trainingOptIns" INTEGER NOT NULL DEFAULT 0,
    "noticeViews" INTEGER NOT NULL DEFAULT 0,
    "computedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "DailyStat_shop_day_key" ON "DailyStat"("shop", "day");

-- CreateIndex
CREATE INDEX "StoredImage_shop_expiresAt_idx" ON "StoredImage"("shop", "expiresAt");

