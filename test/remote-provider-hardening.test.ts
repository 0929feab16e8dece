import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CircuitBreaker } from "../app/analysis/circuit-breaker";
import type { AnalysisInput } from "../app/analysis/engine";
import { createRemoteProvider, parseRetryAfter, RemoteAnalysisError } from "../app/analysis/remote-provider.server";
import { shopApiKeyContext } from "../app/crypto/contexts";
import { appKeyring } from "../app/crypto/keyring.server";
import { useDatabase } from "./support/lifecycle";
import { acceptedAnswer, fakeVendor, type FakeVendor } from "./support/fake-vendor";
import { SHOP } from "./support/shopify";
import { consentAndScan } from "./support/shopper";

/**
 * Issue 4, scope item 4: the remote analysis provider under a vendor that refuses connections, is
 * overloaded, hangs, crashes or answers nonsense. A retry of POST /v1/analyses must never risk a
 * second analysis we would not know the id of (it could never be erased, P11), so the tests count
 * what the vendor actually received.
 */

let input: AnalysisInput;
beforeAll(async () => {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#c99a7a" } })
    .jpeg()
    .toBuffer();
  input = { rgb: { data: new Uint8Array(8 * 8 * 3), width: 8, height: 8 }, jpeg: new Uint8Array(jpeg) };
});

async function rejection(promise: Promise<unknown>): Promise<RemoteAnalysisError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RemoteAnalysisError)) throw new Error(`expected a RemoteAnalysisError, got ${String(error)}`);
  return error;
}

describe("remote provider: retries only where they cannot duplicate an analysis", () => {
  let vendor: FakeVendor;
  let base: string;
  let waits: number[];
  beforeEach(async () => {
    vendor = fakeVendor();
    base = await vendor.start();
    waits = [];
  });
  afterEach(() => vendor.stop());

  /** A provider with a breaker of its own (so tests do not trip each other's) that records its waits. */
  function provider(options: { timeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {}) {
    return createRemoteProvider({
      url: base,
      apiKey: "vendor-secret-key",
      timeoutMs: options.timeoutMs,
      breaker: new CircuitBreaker(),
      sleep: async (ms) => {
        waits.push(ms);
        await options.sleep?.(ms);
      },
    });
  }

  it("a refused connection (nothing was sent) is retried, then succeeds", async () => {
    await vendor.stop();
    const remote = provider({ sleep: async () => void (await vendor.start()) });
    const outcome = await remote.analyse(input);
    expect(outcome.status).toBe("accepted");
    expect(waits).toHaveLength(1);
    expect(vendor.requests("POST")).toHaveLength(1);
  });

  it("503 with Retry-After is retried after the vendor's wait, with the same random request id", async () => {
    vendor.reply({ status: 503, headers: { "retry-after": "1" } });
    const outcome = await provider().analyse(input);
    expect(outcome.status).toBe("accepted");
    const posts = vendor.requests("POST");
    expect(posts).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(1000);
    expect(posts[1]?.headers["x-request-id"]).toBe(posts[0]?.headers["x-request-id"]);
    expect(posts[0]?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("429 is retried too, but at most twice: the shopper then gets a retryable error", async () => {
    vendor.reply({ status: 429 }, { status: 503 }, { status: 429, headers: { "retry-after": "2" } });
    const error = await rejection(provider().analyse(input));
    expect(vendor.requests("POST")).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(error).toMatchObject({ retryable: true, retryAfterSeconds: 2 });
  });

  it.each([
    ["120", 120],
    ["86400", 600],
  ])(
    "a Retry-After too long to wait inside a shopper's request (%s s) is passed on, at most 10 minutes, instead of waited out",
    async (header, told) => {
      vendor.reply({ status: 503, headers: { "retry-after": header } });
      const error = await rejection(provider().analyse(input));
      expect(vendor.requests("POST")).toHaveLength(1);
      expect(error).toMatchObject({ retryable: true, retryAfterSeconds: told });
    },
  );

  it.each([
    ["3", 3000],
    ["Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
    ["Wed, 21 Oct 2015 07:27:00 GMT", 0],
    ["soon", undefined],
    [null, undefined],
  ])("reads Retry-After %s as %s ms", (header, ms) => {
    expect(parseRetryAfter(header, Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(ms);
  });

  it("a timeout is NOT retried: the vendor sees exactly one POST", async () => {
    vendor.reply("hang");
    const error = await rejection(provider({ timeoutMs: 1_000 }).analyse(input));
    expect(error).toMatchObject({ retryable: true, message: "The analysis API did not answer in time." });
    expect(vendor.requests("POST")).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("a connection dropped after the photo was sent is NOT retried (the vendor may have stored it)", async () => {
    vendor.reply("drop");
    const error = await rejection(provider().analyse(input));
    expect(error.retryable).toBe(true);
    expect(vendor.requests("POST")).toHaveLength(1);
  });

  it("500 is NOT retried", async () => {
    vendor.reply({ status: 500 });
    const error = await rejection(provider().analyse(input));
    expect(error).toMatchObject({ retryable: true, retryAfterSeconds: 5 });
    expect(vendor.requests("POST")).toHaveLength(1);
  });

  it.each([
    ["a wrong shape", JSON.stringify({ ...acceptedAnswer(), quality: { ok: "yes" } })],
    ["not JSON", "<html>gateway</html>"],
    ["an oversized body", JSON.stringify({ ...acceptedAnswer(), padding: "x".repeat(1_100_000) })],
  ])("an answer with %s is a non-retryable error, not a result", async (_what, body) => {
    vendor.reply({ status: 200, headers: { "content-type": "application/json" }, body });
    const error = await rejection(provider().analyse(input));
    expect(error).toMatchObject({ retryable: false, retryAfterSeconds: undefined });
    expect(vendor.requests("POST")).toHaveLength(1);
  });

  it("401 (our key) is not retried and not worth retrying", async () => {
    vendor.reply({ status: 401 });
    const error = await rejection(provider().analyse(input));
    expect(error).toMatchObject({ retryable: false, retryAfterSeconds: undefined });
    expect(vendor.requests("POST")).toHaveLength(1);
  });

  it("DELETE is idempotent, so it is retried on 500 and on a dropped connection", async () => {
    vendor.reply({ status: 500 }, "drop");
    await expect(provider().deleteAnalysis("ana_1")).resolves.toBeUndefined();
    const deletes = vendor.requests("DELETE");
    expect(deletes.map((d) => d.url)).toEqual(Array(3).fill("/v1/analyses/ana_1"));
  });

  it("DELETE gives up after two retries, and 404 (already gone) counts as done", async () => {
    vendor.reply({ status: 502 }, { status: 502 }, { status: 502 }, { status: 404 });
    const error = await rejection(provider().deleteAnalysis("ana_2"));
    expect(error.retryable).toBe(true);
    expect(vendor.requests("DELETE")).toHaveLength(3);
    await expect(provider().deleteAnalysis("ana_2")).resolves.toBeUndefined();
    expect(vendor.requests("DELETE")).toHaveLength(4);
  });
});

describe("remote provider: circuit breaker per endpoint", () => {
  let vendor: FakeVendor;
  let base: string;
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vendor = fakeVendor();
    base = await vendor.start();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await vendor.stop();
  });

  it("is shared by every provider for the same URL: a new provider object does not reset it", async () => {
    const first = createRemoteProvider({ url: base, apiKey: "shop-one-key" });
    vendor.reply(...Array(5).fill({ status: 500 }));
    for (let i = 0; i < 5; i++) await rejection(first.analyse(input));
    const second = createRemoteProvider({ url: `${base}/`, apiKey: "shop-two-key" });
    const error = await rejection(second.analyse(input));
    expect(error).toMatchObject({ retryable: true, retryAfterSeconds: 30 });
    expect(vendor.requests("POST")).toHaveLength(5);
    // Deletions to that URL wait too (the outbox will try again later).
    await rejection(second.deleteAnalysis("ana_3"));
    expect(vendor.received).toHaveLength(5);
  });

  it("4xx answers mean the vendor is up: they never open it", async () => {
    const remote = createRemoteProvider({ url: base, apiKey: "revoked-key" });
    vendor.reply(...Array(6).fill({ status: 401 }));
    for (let i = 0; i < 6; i++) expect((await rejection(remote.analyse(input))).retryable).toBe(false);
    expect((await remote.analyse(input)).status).toBe("accepted");
    expect(vendor.requests("POST")).toHaveLength(7);
  });

  it("answers in the wrong shape count as failures", async () => {
    const remote = createRemoteProvider({ url: base, apiKey: "k" });
    vendor.reply(...Array(5).fill({ status: 200, body: "{}" }));
    for (let i = 0; i < 5; i++) expect((await rejection(remote.analyse(input))).retryable).toBe(false);
    expect(await rejection(remote.analyse(input))).toMatchObject({ retryable: true, retryAfterSeconds: 30 });
    expect(vendor.requests("POST")).toHaveLength(5);
  });
});

describe("the shopper, through POST /proxy/scans, while the vendor is down", () => {
  const database = useDatabase("sqlite", { app: true });
  const vendor = fakeVendor();
  let shopUrl = "";
  let photo: Buffer;
  let shopper = 0;

  beforeAll(async () => {
    shopUrl = `${await vendor.start()}/in`;
    photo = await sharp({ create: { width: 900, height: 1200, channels: 3, background: "#c99a7a" } })
      .jpeg()
      .toBuffer();
  });
  afterAll(() => vendor.stop());
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const sealed = appKeyring().seal("vendor-secret-key", shopApiKeyContext(SHOP));
    await database.client.shop.create({
      data: {
        shop: SHOP,
        analysisApiUrl: shopUrl,
        analysisRegion: "in",
        analysisApiKeyKeyId: sealed.keyId,
        analysisApiKeyCiphertext: new Uint8Array(sealed.envelope),
      },
    });
  });
  afterEach(() => void vi.useRealTimers());

  /** A signed consent and a signed scan, as a new logged-in shopper each time. */
  async function scan() {
    shopper++;
    const { response, body } = await consentAndScan({
      photo,
      customerId: String(9100 + shopper),
      forwardedFor: `198.51.100.${shopper}`,
    });
    return { status: response.status, retryAfter: response.headers.get("retry-after"), body };
  }

  it("the breaker opens after 5 failures: no more calls to the vendor, and 503 with the remaining cool-down; a trial closes it", async () => {
    vendor.reply(...Array(5).fill({ status: 500 }));
    for (let i = 0; i < 5; i++) {
      expect(await scan()).toMatchObject({
        status: 503,
        retryAfter: "5",
        body: { error: { code: "analysis_unavailable" } },
      });
    }
    expect(vendor.requests("POST")).toHaveLength(5);

    // GIVEN an open breaker, WHEN shoppers keep scanning, THEN the vendor hears nothing and each
    // shopper is told exactly how long the pause still lasts.
    expect(await scan()).toMatchObject({
      status: 503,
      retryAfter: "30",
      body: { error: { code: "analysis_unavailable" } },
    });
    vi.setSystemTime(Date.now() + 12_000);
    expect(await scan()).toMatchObject({ status: 503, retryAfter: "18" });
    expect(vendor.requests("POST")).toHaveLength(5);

    // After the cool-down one trial goes through; the vendor is back, so the breaker closes.
    vi.setSystemTime(Date.now() + 18_000);
    const trial = await scan();
    expect(trial.status).toBe(201);
    expect(trial.body.engine).toEqual({ name: "vendor", version: "7.1" });
    expect((await scan()).status).toBe(201);
    expect(vendor.requests("POST")).toHaveLength(7);
    expect(await database.client.scan.count()).toBe(2);
  });

  it("a vendor answering nonsense gets the shopper a 503 without Retry-After, and no scan is stored", async () => {
    vendor.reply({ status: 200, headers: { "content-type": "application/json" }, body: '{"status":"accepted"}' });
    const result = await scan();
    expect(result).toMatchObject({ status: 503, retryAfter: null, body: { error: { code: "analysis_unavailable" } } });
    expect(await database.client.scan.count()).toBe(0);
  });

  it("P4: a photo retried after a 503 goes with the same random request id and still nothing about the shop or shopper", async () => {
    vendor.reply({ status: 503, headers: { "retry-after": "1" } });
    const before = vendor.requests("POST").length;
    const result = await scan();
    expect(result.status).toBe(201);
    const posts = vendor.requests("POST").slice(before);
    expect(posts).toHaveLength(2);
    expect(posts[0]?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]?.headers["x-request-id"]).toBe(posts[0]?.headers["x-request-id"]);
    const everything = JSON.stringify(posts.map((p) => ({ url: p.url, headers: p.headers })));
    for (const personal of [SHOP, String(9100 + shopper), "198.51.100", "lotus"]) {
      expect(everything).not.toContain(personal);
    }
  });
});
