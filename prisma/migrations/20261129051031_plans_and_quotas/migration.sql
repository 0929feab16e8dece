-- CreateTable
CREATE TABLE "ShopPlan" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "shopGid" TEXT,
    "developmentStore" BOOLEAN NOT NULL DEFAULT false,
    "subscriptionId" TEXT,
    "planName" TEXT,
    "planHandle" TEXT,
    "status" TEXT,
    "subscriptionUpdatedAt" DATETIME,
    "checkedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ScanUsage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "scans" INTEGER NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE UNIQUE INDEX "ShopPlan_shop_key" ON "ShopPlan"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "ScanUsage_shop_month_key" ON "ScanUsage"("shop", "month");

