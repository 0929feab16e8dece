-- Consent records are proof (P7): rows may be added or erased (P11), never rewritten.
-- A withdrawal is a new row with action = 'withdraw'.
CREATE TRIGGER "ConsentRecord_append_only" BEFORE UPDATE ON "ConsentRecord"
BEGIN
  SELECT RAISE(ABORT, 'ConsentRecord is append-only: record a withdrawal as a new row');
END;
