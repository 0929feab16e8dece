-- CreateTable
CREATE TABLE "ShopPlan" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "shopGid" TEXT,
    "developmentStore" BOOLEAN NOT NULL DEFAULT false,
    "subscriptionId" TEXT,
    "planName" TEXT,
    "planHandle" TEXT,
    "status" TEXT,
    "subscriptionUpdatedAt" TIMESTAMP(3),
    "checkedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopPlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScanUsage" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "scans" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ScanUsage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ShopPlan_shop_key" ON "ShopPlan"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "ScanUsage_shop_month_key" ON "ScanUsage"("shop", "month");

