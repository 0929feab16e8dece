-- CreateTable
CREATE TABLE "HourlyInsight" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "hour" TEXT NOT NULL,
    "buckets" TEXT NOT NULL DEFAULT '{}',
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HourlyInsight_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HourlyInsight_shop_hour_key" ON "HourlyInsight"("shop", "hour");

