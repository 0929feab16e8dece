import { setTimeout as sleep } from "node:timers/promises";
import SQLite from "better-sqlite3";
import pg from "pg";
import {
  RateLimiterPostgres,
  RateLimiterRes,
  RateLimiterSQLite,
  type RateLimiterStoreAbstract,
} from "rate-limiter-flexible";
import { database } from "../db.server";
import type { Database } from "../db/client.server";
import { sqliteFile } from "../db/url";
import { describeError, logger } from "../logger.server";
import {
  consentsPerNetworkPerHour,
  DEFAULT_LIMITS,
  EVENTS_PER_NETWORK_PER_HOUR,
  PROOF_CHECKS_PER_NETWORK_PER_HOUR,
  QUALITY_RETRIES_PER_SUBJECT_PER_HOUR,
  RateLimitedError,
  REQUESTS_PER_NETWORK_PER_HOUR,
  type LimitedAction,
  type LimitScope,
  type ShopLimits,
} from "./limits";

/**
 * Rate limits for the storefront API (P15), counted with rate-limiter-flexible in the app's own
 * database so that every app process shares one count: on SQLite a second connection to the same
 * file (WAL), on PostgreSQL a small pool to the same database. The table comes from the checked-in
 * migrations (20261125000300_rate_limits); nothing here creates tables.
 *
 * Keys hold no personal data: a shop domain, an internal subject id (a cuid), or a shop plus the
 * keyed network hash that consent records already carry (clientNetwork() in app/http/). A request
 * whose network is unknown (no address at all) is counted too, in one shared "unknown" network.
 */
const TABLE = "rate_limits";

/**
 * One better-sqlite3 (one SQLite build) per process: package.json's overrides make Prisma's adapter
 * use the app's copy. Two builds in one process do not see each other's locks (POSIX locks are per
 * process), so closing one connection would checkpoint and delete the WAL under the other
 * (sqlite.org/howtocorrupt.html, 2.2 and 2.3); test/proxy-rate-limits.test.ts guards it.
 */
const MINUTE = 60;
const HOUR = 3600;
/** A shop's limits are read at most this often per process, so a scan does not pay a query for them. */
const SETTINGS_TTL_MS = 5_000;
const SETTINGS_CACHE_MAX = 10_000;
const SWEEP_EVERY_MS = 5 * 60_000;
/** SQLite busy retries, about 2 s in all: see withBusyRetry. */
const BUSY_RETRIES = 40;

export interface RateLimits {
  /** One scan: consumes a point per subject, per network and per shop; throws RateLimitedError. */
  checkScan(input: { shop: string; subjectId: string; networkHint: string | null }): Promise<void>;
  /**
   * After a scan the quality gate refused: gives the subject's point back, for the first
   * QUALITY_RETRIES_PER_SUBJECT_PER_HOUR refusals of the hour. Returns whether it did.
   */
  forgiveQualityRefusal(input: { shop: string; subjectId: string }): Promise<boolean>;
  /** One consent: 2 × scansPerNetworkPerHour per network per hour. */
  checkConsent(input: { shop: string; networkHint: string | null }): Promise<void>;
  /** One rights request: a fixed 20 per network per hour. */
  checkRequest(input: { shop: string; networkHint: string | null }): Promise<void>;
  /** One call that checks a shopper's proof, matched or not: PROOF_CHECKS_PER_NETWORK_PER_HOUR per network. */
  checkProof(input: { shop: string; networkHint: string | null }): Promise<void>;
  /** One widget event (POST /proxy/events): EVENTS_PER_NETWORK_PER_HOUR per network. */
  checkEvent(input: { shop: string; networkHint: string | null }): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimitsOptions {
  /** How long a shop's limits are cached in memory; 5 s unless a test says otherwise. */
  settingsTtlMs?: number;
  /** The cache's clock (the counters use the database rows' own expiry times). */
  now?: () => number;
}

interface Store {
  limiter(options: { keyPrefix: string; points: number; duration: number }): RateLimiterStoreAbstract;
  settings(shop: string): Promise<ShopLimits | undefined>;
  sweep(): Promise<void>;
  close(): Promise<void>;
}

const SETTINGS_COLUMNS = `"scansPerShopPerMinute", "scansPerSubjectPerHour", "scansPerNetworkPerHour"`;
const common = { tableName: TABLE, tableCreated: true, clearExpiredByTimeout: false } as const;

function sqliteStore(url: string): Store {
  // No busy wait inside SQLite: better-sqlite3 would block the whole event loop, and a Prisma
  // transaction open on this process's other connection could then never finish. withBusyRetry
  // waits between attempts instead.
  const sqlite = new SQLite(sqliteFile(url), { timeout: 0 });
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // Like the web process's own connection: checkpoints are the worker's job.
  sqlite.pragma("wal_autocheckpoint = 20000");
  const settings = sqlite.prepare<[string], ShopLimits>(`SELECT ${SETTINGS_COLUMNS} FROM "Shop" WHERE "shop" = ?`);
  const sweep = sqlite.prepare<[number]>(`DELETE FROM ${TABLE} WHERE expire < ?`);
  return {
    limiter: (options) =>
      new RateLimiterSQLite({ ...common, ...options, storeClient: sqlite, storeType: "better-sqlite3" }),
    settings: async (shop) => settings.get(shop),
    sweep: async () => void sweep.run(Date.now()),
    close: async () => void sqlite.close(),
  };
}

function postgresStore(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 4, allowExitOnIdle: true });
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on("error", (error) => logger.warn("rate limit store connection lost", { error: describeError(error) }));
  return {
    limiter: (options) => new RateLimiterPostgres({ ...common, ...options, storeClient: pool, storeType: "pool" }),
    settings: async (shop) =>
      (await pool.query<ShopLimits>(`SELECT ${SETTINGS_COLUMNS} FROM "Shop" WHERE "shop" = $1`, [shop])).rows[0],
    sweep: async () => void (await pool.query(`DELETE FROM ${TABLE} WHERE expire < $1`, [Date.now()])),
    close: () => pool.end(),
  };
}

const isBusy = (error: unknown) => /^SQLITE_BUSY/.test(String((error as { code?: unknown } | null)?.code ?? ""));

/** Retries a store call that met another writer of the SQLite file (this process or another). */
async function withBusyRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isBusy(error) || attempt >= BUSY_RETRIES) throw error;
      await sleep(Math.min(2 ** attempt, 50));
    }
  }
}

interface Step {
  scope: LimitScope;
  limiter: RateLimiterStoreAbstract;
  key: string;
}

/** Creates the limits over `db`'s database; each call opens its own connection (close() ends it). */
export function createRateLimits(db: Pick<Database, "kind" | "url">, options: RateLimitsOptions = {}): RateLimits {
  const store = db.kind === "sqlite" ? sqliteStore(db.url) : postgresStore(db.url);
  const ttl = options.settingsTtlMs ?? SETTINGS_TTL_MS;
  const now = options.now ?? Date.now;

  // One limiter per (prefix, points, duration): the points come from the shop's settings. The
  // prefix alone names the counter, so a changed setting applies to the count already made.
  const limiters = new Map<string, RateLimiterStoreAbstract>();
  const limiter = (keyPrefix: string, points: number, duration: number) => {
    const id = `${keyPrefix}/${points}/${duration}`;
    let found = limiters.get(id);
    if (!found) limiters.set(id, (found = store.limiter({ keyPrefix, points, duration })));
    return found;
  };

  const cached = new Map<string, { limits: ShopLimits; until: number }>();
  async function limitsFor(shop: string): Promise<ShopLimits> {
    const hit = cached.get(shop);
    if (hit && hit.until > now()) return hit.limits;
    const limits = (await store.settings(shop)) ?? DEFAULT_LIMITS;
    if (cached.size >= SETTINGS_CACHE_MAX) cached.clear();
    cached.set(shop, { limits, until: now() + ttl });
    return limits;
  }

  /**
   * Consumes one point per step, narrowest scope first (subject, network, shop). A shopper who is
   * already refused stops at their own counter, so they cannot drain the budget their network or
   * the whole shop shares; when a broader scope refuses, the narrower points just taken are given
   * back, since that attempt was never served.
   */
  async function consume(action: LimitedAction, shop: string, steps: Step[]): Promise<void> {
    const taken: Step[] = [];
    for (const step of steps) {
      try {
        await withBusyRetry(() => step.limiter.consume(step.key));
        taken.push(step);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        await Promise.all(taken.map((t) => withBusyRetry(() => t.limiter.reward(t.key))));
        logger.info("rate limited", { shop, action, scope: step.scope });
        throw new RateLimitedError(step.scope, action, refusal.msBeforeNext);
      }
    }
  }

  // A request with no known address shares one "unknown" network per shop: it is counted, never free.
  const network = (prefix: string, points: number, shop: string, hint: string | null): Step => ({
    scope: "network",
    limiter: limiter(prefix, points, HOUR),
    key: `${shop}:${hint ?? "unknown"}`,
  });

  const timer = setInterval(() => {
    withBusyRetry(() => store.sweep()).catch((error: unknown) =>
      logger.warn("rate limit sweep failed", { error: describeError(error) }),
    );
  }, SWEEP_EVERY_MS);
  timer.unref();

  return {
    async checkScan({ shop, subjectId, networkHint }) {
      const limits = await limitsFor(shop);
      await consume("scan", shop, [
        { scope: "subject", limiter: limiter("scan_subject", limits.scansPerSubjectPerHour, HOUR), key: subjectId },
        network("scan_network", limits.scansPerNetworkPerHour, shop, networkHint),
        { scope: "shop", limiter: limiter("scan_shop", limits.scansPerShopPerMinute, MINUTE), key: shop },
      ]);
    },
    async forgiveQualityRefusal({ shop, subjectId }) {
      const limits = await limitsFor(shop);
      const retries = limiter("scan_quality_retry", QUALITY_RETRIES_PER_SUBJECT_PER_HOUR, HOUR);
      try {
        await withBusyRetry(() => retries.consume(subjectId));
      } catch (used) {
        if (used instanceof RateLimiterRes) return false;
        throw used;
      }
      await withBusyRetry(() => limiter("scan_subject", limits.scansPerSubjectPerHour, HOUR).reward(subjectId));
      return true;
    },
    async checkConsent({ shop, networkHint }) {
      const limits = await limitsFor(shop);
      await consume("consent", shop, [
        network("consent_network", consentsPerNetworkPerHour(limits), shop, networkHint),
      ]);
    },
    async checkRequest({ shop, networkHint }) {
      await consume("request", shop, [network("request_network", REQUESTS_PER_NETWORK_PER_HOUR, shop, networkHint)]);
    },
    async checkProof({ shop, networkHint }) {
      await consume("proof", shop, [network("proof_network", PROOF_CHECKS_PER_NETWORK_PER_HOUR, shop, networkHint)]);
    },
    async checkEvent({ shop, networkHint }) {
      await consume("event", shop, [network("event_network", EVENTS_PER_NETWORK_PER_HOUR, shop, networkHint)]);
    },
    async close() {
      clearInterval(timer);
      await store.close();
    },
  };
}

declare global {
  // One set of limits per open database (tests switch databases); survives Vite's module reloads.
  var __scanshieldRateLimits: WeakMap<Database, RateLimits> | undefined;
}

/** The process's rate limits, over the database the app is using. */
export async function rateLimits(): Promise<RateLimits> {
  const db = await database();
  const all = (globalThis.__scanshieldRateLimits ??= new WeakMap());
  let limits = all.get(db);
  if (!limits) all.set(db, (limits = createRateLimits(db)));
  return limits;
}

/** Tests install limits of their own (a clock, a fresh cache) for the app's current database. */
export async function setRateLimitsForTests(limits: RateLimits): Promise<void> {
  const all = (globalThis.__scanshieldRateLimits ??= new WeakMap());
  all.set(await database(), limits);
}
