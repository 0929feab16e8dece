-- Subject."anonymousId" now holds the keyed digest of the widget's subject secret, never the secret
-- (docs/decisions/0006-shopper-proof-for-rights.md). Rows written before held the widget's id in plain
-- text. A digest cannot be computed in SQL (it needs PSEUDONYM_KEY), and an old id could no longer
-- prove anything (the widget replaces it with a new secret), so the plain ids are cleared. The subjects
-- and everything under them stay, for retention, compliance webhooks and the merchant's rights inbox.
UPDATE "Subject" SET "anonymousId" = NULL WHERE "anonymousId" IS NOT NULL;
