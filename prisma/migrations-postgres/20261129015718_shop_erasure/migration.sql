-- CreateTable
CREATE TABLE "ShopErasure" (
    "shop" TEXT NOT NULL,
    "erasedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopErasure_pkey" PRIMARY KEY ("shop")
);

