-- Consent records are proof (P7): rows may be added or erased (P11), never rewritten.
-- A withdrawal is a new row with action = 'withdraw'.
CREATE FUNCTION "scanshield_consent_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ConsentRecord is append-only: record a withdrawal as a new row';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "ConsentRecord_append_only" BEFORE UPDATE ON "ConsentRecord"
FOR EACH ROW EXECUTE FUNCTION "scanshield_consent_append_only"();
