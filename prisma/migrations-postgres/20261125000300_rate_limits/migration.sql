-- Rate limit counters (P15), shared by every app instance that uses this database.
-- The table belongs to rate-limiter-flexible's RateLimiterPostgres (its layout: key, points, expire
-- in epoch ms), not to a Prisma model: it is created here so nothing creates tables at runtime
-- (the app passes tableCreated: true), and it stays out of prisma/schema.prisma on purpose.
-- Keys are a scope plus a shop domain, an internal subject id or a keyed network hash: no personal data.
-- UNLOGGED: counters are disposable (a crash empties them, which only resets the windows), and
-- skipping the WAL keeps each scan's three updates cheap.
CREATE UNLOGGED TABLE rate_limits (
    key VARCHAR(255) PRIMARY KEY,
    points INTEGER NOT NULL DEFAULT 0,
    expire BIGINT
);
