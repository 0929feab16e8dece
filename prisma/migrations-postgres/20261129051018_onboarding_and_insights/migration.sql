-- CreateTable
CREATE TABLE "ShopOnboarding" (
    "shop" TEXT NOT NULL,
    "storefrontSeenAt" TIMESTAMP(3),
    "noticeReviewedAt" TIMESTAMP(3),
    "providerChosenAt" TIMESTAMP(3),
    "rulesChosenAt" TIMESTAMP(3),

    CONSTRAINT "ShopOnboarding_pkey" PRIMARY KEY ("shop")
);

-- CreateTable
CREATE TABLE "StorefrontEventDay" (
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StorefrontEventDay_pkey" PRIMARY KEY ("shop","day","event")
);

-- CreateTable
CREATE TABLE "DailyInsight" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "buckets" TEXT NOT NULL DEFAULT '{}',
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DailyInsight_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DailyInsight_shop_day_key" ON "DailyInsight"("shop", "day");

