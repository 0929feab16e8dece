import pg from "pg";
import { describe, expect, it } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { openDatabase, type Database } from "../app/db/client.server";
import { eraseShop } from "../app/privacy/erasure.server";
import { ERASURE_CLOCK_MARGIN_MS, flushRequestLog, routePattern } from "../app/proxy/request-log.server";
import { loader as notice } from "../app/routes/proxy.notice";
import { loader as scan } from "../app/routes/proxy.scans.$id";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP } from "./support/shopify";

describe("request log patterns", () => {
  it.each([
    ["/proxy/notice", "/proxy/notice"],
    ["/proxy/scans/cm3abc123", "/proxy/scans/:id"],
    ["/proxy/consents/cm3abc/withdraw", "/proxy/consents/:id/withdraw"],
    ["/proxy/my-data", "/proxy/my-data"],
    // The routes of issues 12-14 under their own names, the ids still masked.
    ["/proxy/notices", "/proxy/notices"],
    ["/proxy/notices/cm3notice/ack", "/proxy/notices/:id/ack"],
    ["/proxy/scans/cm3abc123/photo", "/proxy/scans/:id/photo"],
    ["/proxy/progress", "/proxy/progress"],
    ["/proxy/events", "/proxy/events"],
  ])("%s is logged as %s", (path, pattern) => expect(routePattern(path)).toBe(pattern));
});

describe.each(DATABASE_KINDS)("the storefront API's request log on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  it("P12: records route pattern, method, status and duration per request, and nothing that identifies a shopper", async () => {
    const args = (url: string, headers: Record<string, string> = {}) => ({
      request: new Request(url, { headers: { "x-forwarded-for": "198.51.100.23", ...headers } }),
      params: { id: "cm3secretscanid" },
      context: {},
    });
    expect((await notice(args(appProxyUrl("/notice", { locale: "hi" }, { customerId: "424242" })))).status).toBe(200);
    const missing = await scan(
      args(appProxyUrl("/scans/cm3secretscanid"), {
        "x-subject-id": "anon_secret_subject_01",
        "x-consent-receipt": "SS-SECRET01",
      }),
    );
    expect(missing.status).toBe(404);
    await flushRequestLog();

    const rows = await database.client.requestLog.findMany({ orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.shop, r.route, r.method, r.status])).toEqual([
      [SHOP, "/proxy/notice", "GET", 200],
      [SHOP, "/proxy/scans/:id", "GET", 404],
    ]);
    expect(rows.every((r) => r.durationMs >= 0)).toBe(true);
    const text = JSON.stringify(rows);
    for (const secret of ["424242", "cm3secretscanid", "anon_secret", "SS-SECRET01", "198.51.100", "locale"]) {
      expect(text).not.toContain(secret);
    }
  });
});

/** A storefront request through the real proxy edge, whose log row then waits in memory. */
async function bufferRow(shop: string) {
  const request = new Request(appProxyUrl("/notice", { locale: "en" }, { shop }));
  expect((await notice({ request, params: {}, context: {} })).status).toBe(200);
}

describe.each(DATABASE_KINDS)("P12: a request-log row never outlives shop/redact, on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const keyring = appKeyring();
  const shopRows = async (shop: string) => database.client.requestLog.count({ where: { shop } });

  /** The worker erases in a process of its own in production: its own connection to the database. */
  async function worker<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const other = await openDatabase(database.url);
    try {
      return await work(other);
    } finally {
      await other.close();
    }
  }

  it.each([
    ["the flush, then the erasure", "flush-erase"],
    ["the erasure, then the flush", "erase-flush"],
    ["both at the same time", "together"],
  ])("a row buffered before the erasure is gone afterwards: %s", async (_order, order) => {
    await bufferRow(SHOP);
    await bufferRow(OTHER_SHOP);
    const erase = () => worker((db) => eraseShop(db, keyring, SHOP));
    if (order === "flush-erase") await flushRequestLog().then(erase);
    if (order === "erase-flush") await erase().then(flushRequestLog);
    if (order === "together") await Promise.all([flushRequestLog(), erase()]);
    await flushRequestLog();
    expect(await shopRows(SHOP)).toBe(0);
    // Other shops' metrics are kept.
    expect(await shopRows(OTHER_SHOP)).toBe(1);
  });

  it("a shop installed again long after its erasure has its metrics written as usual", async () => {
    await worker((db) => eraseShop(db, keyring, SHOP));
    // GIVEN the erasure was longer ago than the clock margin
    await database.client.shopErasure.update({
      where: { shop: SHOP },
      data: { erasedAt: new Date(Date.now() - ERASURE_CLOCK_MARGIN_MS - 60_000) },
    });
    await bufferRow(SHOP);
    await flushRequestLog();
    expect(await shopRows(SHOP)).toBe(1);
  });

  // PostgreSQL only: SQLite has a single writer, so a flush and an erasure never interleave there.
  if (kind === "postgresql")
    it("PostgreSQL: whichever of a flush in flight and the erasure takes the table first, the row is gone", async () => {
      // A third connection holds the table so both queue behind it in a chosen order, then lets go.
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      const waiting = async () =>
        Number(
          (
            await holder.query(
              `SELECT count(*) AS n FROM pg_locks WHERE relation = '"RequestLog"'::regclass AND NOT granted`,
            )
          ).rows[0].n,
        );
      const queued = async (n: number) => {
        while ((await waiting()) < n) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      try {
        for (const first of ["flush", "erase"] as const) {
          await bufferRow(SHOP);
          await holder.query(`BEGIN; LOCK TABLE "RequestLog" IN SHARE MODE`);
          const started: Promise<unknown>[] = [];
          for (const step of first === "flush" ? ["flush", "erase"] : ["erase", "flush"]) {
            started.push(step === "flush" ? flushRequestLog() : worker((db) => eraseShop(db, keyring, SHOP)));
            await queued(started.length);
          }
          await holder.query("COMMIT");
          await Promise.all(started);
          expect(await shopRows(SHOP)).toBe(0);
        }
      } finally {
        await holder.end();
      }
    });
});
