import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROOF_CHECKS_PER_NETWORK_PER_HOUR, QUALITY_RETRIES_PER_SUBJECT_PER_HOUR } from "../app/abuse/limits";
import { createRateLimits, setRateLimitsForTests, type RateLimits } from "../app/abuse/rate-limits.server";
import { analysisProvider } from "../app/analysis/provider.server";
import { PEER_ADDRESS_HEADER } from "../app/http/client-address";
import { action as consents } from "../app/routes/proxy.consents";
import { action as withdraw } from "../app/routes/proxy.consents.$id.withdraw";
import { action as eraseMe, loader as myData } from "../app/routes/proxy.my-data";
import { action as requests } from "../app/routes/proxy.requests";
import { action as scans } from "../app/routes/proxy.scans";
import { action as deleteScan, loader as readScan } from "../app/routes/proxy.scans.$id";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP } from "./support/shopify";

// Two shoppers' addresses (documentation ranges); the app keeps only keyed hashes of their networks.
const NETWORK_A = "203.0.113.41";
const NETWORK_B = "198.51.100.7";
/** Shopify's proxy and the host's reverse proxy: what X-Forwarded-For looks like under the default 2 hops. */
const SHOPIFY_EGRESS = "23.227.38.65";
const LOAD_BALANCER = "10.0.0.5";
const forwarded = (client: string, clientWrote?: string) => ({
  "x-forwarded-for": [clientWrote, client, SHOPIFY_EGRESS].filter(Boolean).join(", "),
  [PEER_ADDRESS_HEADER]: LOAD_BALANCER,
});
const subject = (name: string) => `anon_ratelimit_${name}_0123456789`;

/** The one-face crop of a face-api demo photo (read from node_modules, never committed): the quality gate accepts it. */
async function selfie(): Promise<Uint8Array<ArrayBuffer>> {
  const require = createRequire(import.meta.url);
  const group = readFileSync(
    join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo", "sample2.jpg"),
  );
  const meta = await sharp(group).metadata();
  const third = Math.floor((meta.width ?? 0) / 3);
  const crop = { left: 2 * third, top: 0, width: third, height: meta.height ?? 0 };
  return new Uint8Array(await sharp(group).extract(crop).jpeg({ quality: 92 }).toBuffer());
}

// The local engine's worker threads serve both engines' runs; closed once at the end.
afterAll(async () => (await analysisProvider()).close());

describe.each(DATABASE_KINDS)("P15: rate limits through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  /** A tiny plain photo: the quality gate refuses it at once (no face). */
  let photo: Uint8Array<ArrayBuffer>;
  /** A real face the quality gate accepts. */
  let face: Uint8Array<ArrayBuffer>;
  let limits: RateLimits;
  let skewMs = 0;

  beforeAll(async () => {
    photo = new Uint8Array(
      await sharp({ create: { width: 48, height: 48, channels: 3, background: "#c99a7a" } })
        .jpeg()
        .toBuffer(),
    );
    face = await selfie();
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

  function consent(name: string, network: string | Record<string, string>, shop = SHOP) {
    return consents({
      request: new Request(appProxyUrl("/consents", {}, { shop }), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(typeof network === "string" ? forwarded(network) : network),
        },
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

  /** A shopper on a network: consents once, then scans as often as asked (a photo the gate refuses, unless told). */
  async function shopper(name: string, network: string, shop = SHOP) {
    const given = await consent(name, network, shop);
    expect(given.status).toBe(201);
    const { scanToken } = (await given.json()) as { scanToken: string };
    return (body: Uint8Array<ArrayBuffer> = photo) =>
      scans({
        request: new Request(appProxyUrl("/scans", {}, { shop }), {
          method: "POST",
          headers: { "content-type": "image/jpeg", "x-scan-token": scanToken, ...forwarded(network) },
          body,
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
    for (let i = 0; i < 10; i++) expect((await scan(face)).status).toBe(201);
    await expectLimited(await scan(face), "You have reached the limit of scans", 3600);
    expect(await database.client.scan.count()).toBe(10);
  }, 60_000);

  it("P15: photos refused for quality are a few free retries before the shopper's hourly limit bites", async () => {
    await setLimits(SHOP, { scansPerSubjectPerHour: 2 });
    const scan = await shopper("retries", NETWORK_A);
    for (let i = 0; i < QUALITY_RETRIES_PER_SUBJECT_PER_HOUR; i++) {
      const refused = await scan();
      expect(refused.status).toBe(201);
      expect(await refused.json()).toMatchObject({ status: "refused" });
    }
    // The free retries are used up: refused or not, the next two count, and the one after is refused.
    for (let i = 0; i < 2; i++) expect((await scan()).status).toBe(201);
    await expectLimited(await scan(), "You have reached the limit of scans", 3600);
    expect(await database.client.scan.count()).toBe(QUALITY_RETRIES_PER_SUBJECT_PER_HOUR + 2);
  });

  it("P15: an accepted photo is never free: the limit counts it whatever came before", async () => {
    await setLimits(SHOP, { scansPerSubjectPerHour: 1 });
    const scan = await shopper("accepted", NETWORK_A);
    expect((await scan()).status).toBe(201); // refused for quality: free
    expect((await scan(face)).status).toBe(201);
    await expectLimited(await scan(face), "You have reached the limit of scans", 3600);
  }, 30_000);

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
    for (let i = 0; i < 2; i++) expect((await scan(face)).status).toBe(201);
    await setLimits(SHOP, { scansPerSubjectPerHour: 2 });
    skewMs = 6_000; // past the few seconds a shop's limits are cached
    await expectLimited(await scan(face), "You have reached the limit of scans", 3600);
  }, 30_000);

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
    expect((await eager(face)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await eager(face)).status).toBe(429);
    const patient = await shopper("patient", NETWORK_B);
    expect((await patient(face)).status).toBe(201);
  }, 30_000);

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
          headers: { "content-type": "application/json", ...forwarded(network) },
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
  it("P15: rotating what the client writes into X-Forwarded-For does not bypass the network limit", async () => {
    await setLimits(SHOP, { scansPerNetworkPerHour: 1 }); // 2 consents per network per hour
    // A different /24 and /48 on the left each time, as a script rotating the header would write.
    const spoofed = (i: number) => forwarded(NETWORK_A, `198.18.${i}.1, 2001:db8:${i}::1`);
    for (let i = 0; i < 2; i++) expect((await consent(`rotate${i}`, spoofed(i))).status).toBe(201);
    await expectLimited(await consent("rotate2", spoofed(2)), "Too many consents have come from your network", 3600);
    expect((await consent("rotate3", NETWORK_B)).status).toBe(201);
  });

  it("P15: a request with no X-Forwarded-For at all is still counted", async () => {
    await setLimits(SHOP, { scansPerNetworkPerHour: 1 });
    const cases: Record<string, string>[] = [{}, { [PEER_ADDRESS_HEADER]: LOAD_BALANCER }];
    for (const headers of cases) {
      await database.client.$executeRawUnsafe("DELETE FROM rate_limits");
      for (let i = 0; i < 2; i++) expect((await consent(`bare${i}`, headers)).status).toBe(201);
      await expectLimited(await consent("bare2", headers), "Too many consents have come from your network", 3600);
    }
    expect((await consent("bare3", NETWORK_B)).status).toBe(201);
  });

  it("P15: two spellings of one IPv6 /48 share a count; another /48 does not", async () => {
    await setLimits(SHOP, { scansPerNetworkPerHour: 1 });
    expect((await consent("v6a", "2001:db8:1::5")).status).toBe(201);
    expect((await consent("v6b", "2001:0DB8:0001:0000:0000:0000:0000:0007")).status).toBe(201);
    await expectLimited(await consent("v6c", "[2001:db8:1:ffff::9]:443"), "Too many consents", 3600);
    expect((await consent("v6d", "2001:db8:2::5")).status).toBe(201);
  });

  it("P15: ::ffff:203.0.113.5 and 203.0.113.9 are one /24; IPv4-mapped addresses of two /24s are two", async () => {
    await setLimits(SHOP, { scansPerNetworkPerHour: 1 });
    expect((await consent("mapped1", "::ffff:203.0.113.5")).status).toBe(201);
    expect((await consent("mapped2", "203.0.113.9")).status).toBe(201);
    await expectLimited(await consent("mapped3", "::ffff:203.0.113.77"), "Too many consents", 3600);
    expect((await consent("mapped4", "::ffff:198.51.100.7")).status).toBe(201);
  });

  it("P15: calls that check a shopper's proof are counted per network, failed proofs too", async () => {
    const stranger = { "x-subject-id": subject("stranger"), "x-consent-receipt": "SS-ABCDEFGH" };
    const call = (
      handler: typeof myData,
      path: string,
      method: string,
      network: string,
      extra: { body?: string; params?: Record<string, string> } = {},
    ) =>
      handler({
        request: new Request(appProxyUrl(path), {
          method,
          headers: { "content-type": "application/json", ...stranger, ...forwarded(network) },
          body: extra.body,
        }),
        params: extra.params ?? {},
        context: {},
      });
    // A guesser's wrong proofs: each answered 404, each counted.
    for (let i = 0; i < PROOF_CHECKS_PER_NETWORK_PER_HOUR; i++)
      expect((await call(myData, "/my-data", "GET", NETWORK_A)).status).toBe(404);
    // Every endpoint that checks a proof shares the one count.
    const limited = "Too many requests about shopper data have come from your network";
    await expectLimited(await call(myData, "/my-data", "GET", NETWORK_A), limited, 3600);
    await expectLimited(await call(eraseMe, "/my-data", "DELETE", NETWORK_A), limited, 3600);
    await expectLimited(await call(readScan, "/scans/s1", "GET", NETWORK_A, { params: { id: "s1" } }), limited, 3600);
    await expectLimited(
      await call(deleteScan, "/scans/s1", "DELETE", NETWORK_A, { params: { id: "s1" } }),
      limited,
      3600,
    );
    const proofBody = JSON.stringify({ subjectId: subject("stranger"), receipt: "SS-ABCDEFGH" });
    await expectLimited(
      await call(withdraw, "/consents/c1/withdraw", "POST", NETWORK_A, { body: proofBody, params: { id: "c1" } }),
      limited,
      3600,
    );
    await expectLimited(
      await call(requests, "/requests", "POST", NETWORK_A, {
        body: JSON.stringify({ type: "access", ...JSON.parse(proofBody) }),
      }),
      limited,
      3600,
    );
    // Another network is not affected.
    expect((await call(myData, "/my-data", "GET", NETWORK_B)).status).toBe(404);
  }, 60_000);
});
