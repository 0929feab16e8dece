-- Hand-written (no schema change): `npm run db:migration` has nothing to diff for a trigger.
-- An audit chain's head row is never deleted (P21): it anchors the chain's end, and an append with
-- its head gone would start a second chain at position 1. Appends still recover from a head removed
-- behind these triggers (app/privacy/audit-trail.server.ts) and verification reports it.
CREATE FUNCTION "scanshield_audit_chain_head_kept"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'AuditChainHead rows are never deleted';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditChainHead_no_delete" BEFORE DELETE ON "AuditChainHead"
FOR EACH ROW EXECUTE FUNCTION "scanshield_audit_chain_head_kept"();

CREATE TRIGGER "AuditChainHead_no_truncate" BEFORE TRUNCATE ON "AuditChainHead"
FOR EACH STATEMENT EXECUTE FUNCTION "scanshield_audit_chain_head_kept"();
