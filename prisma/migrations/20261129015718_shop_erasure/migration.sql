-- CreateTable
CREATE TABLE "ShopErasure" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "erasedAt" DATETIME NOT NULL
);

