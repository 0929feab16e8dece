-- CreateTable
CREATE TABLE "AuditTrailEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "length" INTEGER NOT NULL DEFAULT 0,
    "headHash" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "AuditTrailEvent_shop_createdAt_idx" ON "AuditTrailEvent"("shop", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditTrailEvent_shop_position_key" ON "AuditTrailEvent"("shop", "position");


-- The audit trail is append-only (P21): not even the app may rewrite or remove an event.
-- Tampering that bypasses these triggers is what `npm run audit:verify` detects.
CREATE TRIGGER "AuditTrailEvent_no_update" BEFORE UPDATE ON "AuditTrailEvent"
BEGIN
  SELECT RAISE(ABORT, 'AuditTrailEvent is append-only');
END;

CREATE TRIGGER "AuditTrailEvent_no_delete" BEFORE DELETE ON "AuditTrailEvent"
BEGIN
  SELECT RAISE(ABORT, 'AuditTrailEvent is append-only');
END;
