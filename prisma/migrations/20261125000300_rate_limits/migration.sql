-- Rate limit counters (P15), shared by every app process that opens this database file.
-- The table belongs to rate-limiter-flexible's RateLimiterSQLite (its layout: key, points, expire
-- in epoch ms), not to a Prisma model: it is created here so nothing creates tables at runtime
-- (the app passes tableCreated: true), and it stays out of prisma/schema.prisma on purpose.
-- Keys are a scope plus a shop domain, an internal subject id or a keyed network hash: no personal data.
-- WITHOUT ROWID: the key is the only lookup, so the row lives in the key's own B-tree.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    points INTEGER NOT NULL DEFAULT 0,
    expire INTEGER
) WITHOUT ROWID;
