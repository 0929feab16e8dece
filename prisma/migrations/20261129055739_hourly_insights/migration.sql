-- CreateTable
CREATE TABLE "HourlyInsight" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "hour" TEXT NOT NULL,
    "buckets" TEXT NOT NULL DEFAULT '{}',
    "computedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "HourlyInsight_shop_hour_key" ON "HourlyInsight"("shop", "hour");

