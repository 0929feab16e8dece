-- CreateTable
CREATE TABLE "ShopOnboarding" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "storefrontSeenAt" DATETIME,
    "noticeReviewedAt" DATETIME,
    "providerChosenAt" DATETIME,
    "rulesChosenAt" DATETIME
);

-- CreateTable
CREATE TABLE "StorefrontEventDay" (
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shop", "day", "event")
);

-- CreateTable
CREATE TABLE "DailyInsight" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "buckets" TEXT NOT NULL DEFAULT '{}',
    "computedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "DailyInsight_shop_day_key" ON "DailyInsight"("shop", "day");

