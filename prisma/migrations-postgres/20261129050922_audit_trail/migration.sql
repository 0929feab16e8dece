-- CreateTable
CREATE TABLE "AuditTrailEvent" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditTrailEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "shop" TEXT NOT NULL,
    "length" INTEGER NOT NULL DEFAULT 0,
    "headHash" TEXT NOT NULL,

    CONSTRAINT "AuditChainHead_pkey" PRIMARY KEY ("shop")
);

-- CreateIndex
CREATE INDEX "AuditTrailEvent_shop_createdAt_idx" ON "AuditTrailEvent"("shop", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditTrailEvent_shop_position_key" ON "AuditTrailEvent"("shop", "position");


-- The audit trail is append-only (P21): not even the app may rewrite or remove an event.
-- Tampering that bypasses these triggers is what `npm run audit:verify` detects.
CREATE FUNCTION "scanshield_audit_trail_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'AuditTrailEvent is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditTrailEvent_no_update" BEFORE UPDATE OR DELETE ON "AuditTrailEvent"
FOR EACH ROW EXECUTE FUNCTION "scanshield_audit_trail_append_only"();

CREATE TRIGGER "AuditTrailEvent_no_truncate" BEFORE TRUNCATE ON "AuditTrailEvent"
FOR EACH STATEMENT EXECUTE FUNCTION "scanshield_audit_trail_append_only"();
