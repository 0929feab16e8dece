import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRateLimits, setRateLimitsForTests, type RateLimits } from "../app/abuse/rate-limits.server";
import { analysisProvider } from "../app/analysis/provider.server";
import { action as consents } from "../app/routes/proxy.consents";
import { action as requests } from "../app/routes/proxy.requests";
import { action as scans } from "../app/routes/proxy.scans";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP } from "./support/shopify";

// Two networks as Shopify's proxy reports them (documentation ranges); the app keeps only keyed hashes.
const NETWORK_A = "203.0.113.41";
const NETWORK_B = "198.51.100.7";
const subject = (name: string) => `anon_ratelimit_${name}_0123456789`;

// The local engine's worker threads serve both engines' runs; closed once at the end.
afterAll(async () => (await analysisProvider()).close());

describe.each(DATABASE_KINDS)("P15: rate limits through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  /** A tiny plain photo: the quality gate refuses it at once (no face), and a refused scan still counts. */
  let photo: Uint8Array<ArrayBuffer>;
  let limits: RateLimits;
  let skewMs = 0;

  beforeAll(async () => {
    photo = new Uint8Array(
      await sharp({ create: { width: 48, height: 48, channels: 3, background: "#c99a7a" } })
        .jpeg()
        .toBuffer(),
    );
  });
  beforeEach(async () => {
    // Counters live in the database like everything else; each test starts from none, with a fresh cache.
    await database.client.$executeRawUnsafe("DELETE FROM rate_limits");
    skewMs = 0;
    limits = createRateLimits(database, { now: () => Date.now() + skewMs });
    await setRateLimitsForTests(limits);
  });
  afterEach(() => limits.close());

  const setLimits = (shop: string, data: Record<string, number>) =>
    database.client.shop.upsert({ where: { shop }, create: { shop, ...data }, update: data });

  function consent(name: string, network: string, shop = SHOP) {
    return consents({
      request: new Request(appProxyUrl("/consents", {}, { shop }), {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": network },
        body: JSON.stringify({
          noticeVersion: 1,
          locale: "en",
          ageConfirmed: true,
          purposes: ["skin_analysis"],
          subjectId: subject(name),
        }),
      }),
      params: {},
      context: {},
    });
  }

  /** A shopper on a network: consents once, then scans as often as asked. */
  async function shopper(name: string, network: string, shop = SHOP) {
    const given = await consent(name, network, shop);
    expect(given.status).toBe(201);
    const { scanToken } = (await given.json()) as { scanToken: string };
    return () =>
      scans({
        request: new Request(appProxyUrl("/scans", {}, { shop }), {
          method: "POST",
          headers: { "content-type": "image/jpeg", "x-scan-token": scanToken, "x-forwarded-for": network },
          body: photo,
        }),
        params: {},
        context: {},
      });
  }

  async function expectLimited(response: Response, message: string, maxWait: number) {
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.message).toContain(message);
    const wait = Number(response.headers.get("retry-after"));
    expect(Number.isInteger(wait)).toBe(true);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(maxWait);
    expect(body.error.message).toContain(wait < 90 ? `${wait} second` : `${Math.ceil(wait / 60)} minutes`);
    // Nothing about who was refused: no address, no subject.
    for (const personal of ["203.0.113", "198.51.100", "anon_ratelimit"])
      expect(body.error.message).not.toContain(personal);
  }

  it("P15: a shopper's 11th scan in an hour gets 429 rate_limited with Retry-After, and is not stored", async () => {
    const scan = await shopper("eleven", NETWORK_A);
    for (let i = 0; i < 10; i++) expect((await scan()).status).toBe(201);
    await expectLimited(await scan(), "You have reached the limit of scans", 3600);
    expect(await database.client.scan.count()).toBe(10);
  });

  it("P15: another shopper on the same network is stopped by the network limit; another network is not", async () => {
    await setLimits(SHOP, { scansPerNetworkPerHour: 3 });
    const first = await shopper("first", NETWORK_A);
    for (let i = 0; i < 3; i++) expect((await first()).status).toBe(201);
    const second = await shopper("second", NETWORK_A);
    await expectLimited(await second(), "Too many scans have come from your network", 3600);
    const elsewhere = await shopper("elsewhere", NETWORK_B);
    expect((await elsewhere()).status).toBe(201);
    expect(await database.client.scan.count()).toBe(4);
  });

  it("P15: the shop limit caps the whole shop, and another shop is unaffected", async () => {
    await setLimits(SHOP, { scansPerShopPerMinute: 3 });
    const networks = ["192.0.2.10", "192.0.2.200", NETWORK_A, NETWORK_B];
    const shoppers = await Promise.all(networks.map((network, i) => shopper(`shop${i}`, network)));
    for (const scan of shoppers.slice(0, 3)) expect((await scan()).status).toBe(201);
    await expectLimited(await shoppers[3]!(), "This store is receiving too many scans", 60);
    const otherShop = await shopper("other", NETWORK_B, OTHER_SHOP);
    expect((await otherShop()).status).toBe(201);
    expect(await database.client.scan.count({ where: { shop: SHOP } })).toBe(3);
  });

  it("P15: a shop's lowered limit takes effect within seconds and counts the scans already made", async () => {
    const scan = await shopper("lowered", NETWORK_A);
    for (let i = 0; i < 2; i++) expect((await scan()).status).toBe(201);
    await setLimits(SHOP, { scansPerSubjectPerHour: 2 });
    skewMs = 6_000; // past the few seconds a shop's limits are cached
    await expectLimited(await scan(), "You have reached the limit of scans", 3600);
  });

  it("P15: two app processes over the same database share one count", async () => {
    await setLimits(SHOP, { scansPerSubjectPerHour: 4 });
    const [one, two] = [createRateLimits(database), createRateLimits(database)];
    try {
      const attempt = { shop: SHOP, subjectId: "cm_subject_shared_count", networkHint: null };
      for (const process of [one, two, one, two]) await process.checkScan(attempt);
      for (const process of [one, two]) {
        await expect(process.checkScan(attempt)).rejects.toMatchObject({ scope: "subject" });
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("a limiter closing its connection does not hide the app's later writes (one SQLite build per process)", async () => {
    const attempt = { shop: SHOP, subjectId: "cm_subject_reopened", networkHint: null };
    const before = createRateLimits(database);
    await before.checkScan(attempt);
    await before.close();
    await setLimits(SHOP, { scansPerSubjectPerHour: 1 });
    const after = createRateLimits(database);
    try {
      await expect(after.checkScan(attempt)).rejects.toMatchObject({ scope: "subject" });
    } finally {
      await after.close();
    }
  });

  it("P15: a shopper who is refused does not use up the shop's allowance", async () => {
    await setLimits(SHOP, { scansPerShopPerMinute: 2, scansPerSubjectPerHour: 1 });
    const eager = await shopper("eager", NETWORK_A);
    expect((await eager()).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await eager()).status).toBe(429);
    const patient = await shopper("patient", NETWORK_B);
    expect((await patient()).status).toBe(201);
  });

  it("P15: consents are limited per network (twice the network's scans per hour), and nothing is recorded", async () => {
    await setLimits(SHOP, { scansPerNetworkPerHour: 2 });
    for (let i = 0; i < 4; i++) expect((await consent(`consent${i}`, NETWORK_A)).status).toBe(201);
    await expectLimited(await consent("consent4", NETWORK_A), "Too many consents have come from your network", 3600);
    expect(await database.client.consentRecord.count()).toBe(4);
    expect((await consent("consent5", NETWORK_B)).status).toBe(201);
  });

  it("P15: rights requests are limited to 20 per network per hour; another network is not", async () => {
    const given = (await (await consent("rights", NETWORK_A)).json()) as { receipt: string };
    const file = (network: string) =>
      requests({
        request: new Request(appProxyUrl("/requests"), {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": network },
          body: JSON.stringify({ type: "access", subjectId: subject("rights"), receipt: given.receipt }),
        }),
        params: {},
        context: {},
      });
    for (let i = 0; i < 20; i++) expect((await file(NETWORK_A)).status).toBe(201);
    await expectLimited(await file(NETWORK_A), "Too many requests have come from your network", 3600);
    expect(await database.client.privacyRequest.count()).toBe(20);
    expect((await file(NETWORK_B)).status).toBe(201);
  });
});
