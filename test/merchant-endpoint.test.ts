import { createServer, isIP, type AddressInfo, type Server } from "node:net";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../app/analysis/circuit-breaker";
import {
  createEndpointGuard,
  endpointPolicy,
  HTTPS_ONLY,
  LOCAL_DEVELOPMENT_ENDPOINTS,
  PRODUCTION_ENDPOINTS,
  type EndpointPolicy,
  type Resolve,
} from "../app/analysis/endpoint-guard.server";
import type { AnalysisInput } from "../app/analysis/engine";
import { drainRemoteDeletions } from "../app/analysis/remote-deletion.server";
import { createRemoteProvider, RemoteAnalysisError } from "../app/analysis/remote-provider.server";
import { shopApiKeyContext } from "../app/crypto/contexts";
import { appKeyring } from "../app/crypto/keyring.server";
import { fakeVendor, type FakeVendor } from "./support/fake-vendor";
import { useDatabase } from "./support/lifecycle";
import { SHOP } from "./support/shopify";
import { consentAndScan } from "./support/shopper";

/**
 * Issue 10, item 7 (P16): the analysis URL is the merchant's choice, and the app sends it a photo and
 * a bearer key. It must not reach this server, the host's network or the cloud's metadata service,
 * whatever its DNS says when it is saved or later (DNS rebinding), and a redirect must never carry
 * the photo or the key anywhere else. There is no DNS here, so names resolve through a table.
 */

/** DNS as a table; each lookup of a name takes the next answer in its list (the last one repeats). */
function dnsTable(table: Record<string, string[][]>): Resolve {
  const asked = new Map<string, number>();
  return async (hostname) => {
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    const n = asked.get(hostname) ?? 0;
    asked.set(hostname, n + 1);
    const addresses = answers[Math.min(n, answers.length - 1)] ?? [];
    return addresses.map((address) => ({ address, family: isIP(address) }));
  };
}

/** A TCP listener on 127.0.0.1 that counts connections: proof that nothing reached it at all. */
function tcpListener() {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  return {
    connections: () => connections,
    start: () =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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

function guardedProvider(url: string, policy: EndpointPolicy, resolve: Resolve) {
  return createRemoteProvider({
    url,
    apiKey: "vendor-secret-key",
    breaker: new CircuitBreaker(),
    sleep: async () => undefined,
    guard: createEndpointGuard({ policy, resolve }),
  });
}

// What the merchant (and the log) is told for each class of address.
const REFUSED: [what: string, address: string, said: string][] = [
  ["loopback", "127.0.0.1", "this server itself (a loopback address)"],
  ["loopback elsewhere in 127/8", "127.3.2.1", "this server itself (a loopback address)"],
  ["IPv6 loopback", "::1", "this server itself (a loopback address)"],
  ["IPv4-mapped loopback", "::ffff:127.0.0.1", "this server itself (a loopback address)"],
  ["private 10/8", "10.0.0.5", "a private network address"],
  ["private 172.16/12", "172.20.1.1", "a private network address"],
  ["private 192.168/16", "192.168.0.10", "a private network address"],
  ["IPv4-mapped private", "::ffff:10.0.0.5", "a private network address"],
  ["unique local fc00::/7", "fd00::5", "a private network address"],
  ["cloud metadata 169.254.169.254", "169.254.169.254", "a link-local address, where cloud metadata services live"],
  ["IPv6 link-local", "fe80::1", "a link-local address, where cloud metadata services live"],
  ["0.0.0.0/8", "0.0.0.0", "an unspecified address (0.0.0.0 or ::)"],
  ["carrier-grade NAT 100.64/10", "100.64.0.1", "a carrier-grade NAT address, which is not on the public internet"],
  ["multicast", "224.0.0.251", "a multicast address"],
  ["IPv6 multicast", "ff02::1", "a multicast address"],
  ["broadcast", "255.255.255.255", "the broadcast address"],
  ["documentation", "192.0.2.1", "a reserved address that is not on the public internet"],
];

describe("P16: the merchant's analysis URL, checked where the connection is made", () => {
  const listener = tcpListener();
  let port = 0;
  beforeAll(async () => void (port = await listener.start()));
  afterAll(() => listener.stop());

  it.each(REFUSED)(
    "a name resolving to %s (%s) is refused before connecting, and not retried",
    async (_what, address, said) => {
      const url = `https://analysis.vendor.test:${port}/in`;
      const remote = guardedProvider(url, PRODUCTION_ENDPOINTS, dnsTable({ "analysis.vendor.test": [[address]] }));
      const error = await rejection(remote.analyse(input));
      expect(error).toMatchObject({ retryable: false, retryAfterSeconds: undefined });
      expect(error.message).toContain(`analysis.vendor.test points to ${said}.`);
      expect(listener.connections()).toBe(0);
    },
  );

  it.each(REFUSED.filter(([what]) => !what.startsWith("loopback") && !what.includes("loopback")))(
    "%s (%s) is refused outside production too",
    async (_what, address) => {
      const url = `http://analysis.vendor.test:${port}/in`;
      const remote = guardedProvider(
        url,
        LOCAL_DEVELOPMENT_ENDPOINTS,
        dnsTable({ "analysis.vendor.test": [[address]] }),
      );
      expect((await rejection(remote.analyse(input))).retryable).toBe(false);
      expect(listener.connections()).toBe(0);
    },
  );

  it("a name that answers one public and one private address is refused", async () => {
    const resolve = dnsTable({ "analysis.vendor.test": [["93.184.216.34", "10.0.0.5"]] });
    const remote = guardedProvider(`https://analysis.vendor.test:${port}`, PRODUCTION_ENDPOINTS, resolve);
    expect((await rejection(remote.analyse(input))).message).toContain("a private network address");
  });

  it("DNS rebinding: a name public when saved and loopback when used is refused at connect time", async () => {
    const url = `https://analysis.vendor.test:${port}/in`;
    const resolve = dnsTable({ "analysis.vendor.test": [["93.184.216.34"], [`127.0.0.1`]] });
    const guard = createEndpointGuard({ policy: PRODUCTION_ENDPOINTS, resolve });
    // GIVEN the save-time check saw a public address
    expect(await guard.problem(url)).toBeUndefined();
    // WHEN a scan goes there after the name was pointed at this machine
    const remote = createRemoteProvider({ url, apiKey: "k", breaker: new CircuitBreaker(), guard });
    const error = await rejection(remote.analyse(input));
    // THEN the connection is never made
    expect(error.message).toContain("points to this server itself");
    expect(listener.connections()).toBe(0);
  });

  it("a literal internal address in a URL saved before this check is refused before connecting", async () => {
    for (const url of [`https://169.254.169.254/latest/meta-data`, `https://[::ffff:127.0.0.1]:${port}/`]) {
      const remote = guardedProvider(url, PRODUCTION_ENDPOINTS, dnsTable({}));
      expect((await rejection(remote.analyse(input))).retryable).toBe(false);
      await rejection(remote.deleteAnalysis("ana_1"));
    }
    expect(listener.connections()).toBe(0);
  });
});

describe("P16: production refuses plain http; development allows this machine only", () => {
  let vendor: FakeVendor;
  let base: string;
  beforeEach(async () => {
    vendor = fakeVendor();
    base = await vendor.start();
  });
  afterEach(() => vendor.stop());

  it("production is NODE_ENV=production", () => {
    expect(endpointPolicy("production")).toBe(PRODUCTION_ENDPOINTS);
    expect(endpointPolicy("development")).toBe(LOCAL_DEVELOPMENT_ENDPOINTS);
    expect(endpointPolicy("test")).toBe(LOCAL_DEVELOPMENT_ENDPOINTS);
  });

  it("production: http:// is refused at save time and at connect time, to a public host or to the local vendor", async () => {
    const resolve = dnsTable({ "analysis.vendor.test": [["93.184.216.34"]], localhost: [["127.0.0.1"]] });
    const guard = createEndpointGuard({ policy: PRODUCTION_ENDPOINTS, resolve });
    expect(await guard.problem("http://analysis.vendor.test/in")).toBe(HTTPS_ONLY);
    expect(await guard.problem(base)).toContain("points to this server itself");
    expect(await guard.problem("https://localhost/in")).toContain("points to this server itself");
    expect(await guard.problem("https://analysis.vendor.test/in")).toBeUndefined();

    for (const url of [base, "http://analysis.vendor.test/in", `http://localhost:${new URL(base).port}`]) {
      const error = await rejection(guardedProvider(url, PRODUCTION_ENDPOINTS, resolve).analyse(input));
      expect(error.retryable).toBe(false);
    }
    expect(vendor.received).toHaveLength(0);
  });

  it("outside production, the local vendor on this machine is reached over http through the guard", async () => {
    const port = new URL(base).port;
    const resolve = dnsTable({ localhost: [["127.0.0.1"]] });
    for (const url of [`http://localhost:${port}/in`, `http://127.0.0.1:${port}/in`]) {
      const remote = guardedProvider(url, LOCAL_DEVELOPMENT_ENDPOINTS, resolve);
      expect((await remote.analyse(input)).status).toBe("accepted");
    }
    expect(vendor.requests("POST").map((r) => [r.url, r.headers.host])).toEqual([
      ["/in/v1/analyses", `localhost:${port}`],
      ["/in/v1/analyses", `127.0.0.1:${port}`],
    ]);
  });

  it("outside production, plain http is for this machine only: a name is refused even when it resolves to 127.0.0.1", async () => {
    const resolve = dnsTable({ "local-vendor.test": [["127.0.0.1"]] });
    const guard = createEndpointGuard({ policy: LOCAL_DEVELOPMENT_ENDPOINTS, resolve });
    expect(await guard.problem(`http://local-vendor.test:${new URL(base).port}`)).toBe(HTTPS_ONLY);
    expect(vendor.received).toHaveLength(0);
  });

  it("outside production, plain http to a public host is still refused", async () => {
    const resolve = dnsTable({ "analysis.vendor.test": [["93.184.216.34"]] });
    const guard = createEndpointGuard({ policy: LOCAL_DEVELOPMENT_ENDPOINTS, resolve });
    expect(await guard.problem("http://analysis.vendor.test/in")).toBe(HTTPS_ONLY);
    const remote = guardedProvider("http://analysis.vendor.test/in", LOCAL_DEVELOPMENT_ENDPOINTS, resolve);
    expect((await rejection(remote.analyse(input))).retryable).toBe(false);
  });
});

describe("P4/P14: a redirect never carries the photo or the key anywhere", () => {
  let vendor: FakeVendor;
  let elsewhere: FakeVendor;
  let base: string;
  let target: string;
  beforeEach(async () => {
    vendor = fakeVendor();
    elsewhere = fakeVendor();
    base = await vendor.start();
    target = await elsewhere.start();
  });
  afterEach(async () => {
    await vendor.stop();
    await elsewhere.stop();
  });

  it.each([301, 302, 303, 307, 308])(
    "a %i answer to the photo is an error, and the server it points to receives nothing",
    async (status) => {
      vendor.reply({ status, headers: { location: `${target}/v1/analyses` } });
      const remote = createRemoteProvider({ url: base, apiKey: "vendor-secret-key", breaker: new CircuitBreaker() });
      const error = await rejection(remote.analyse(input));
      expect(error).toMatchObject({ retryable: false });
      expect(error.message).toContain("a redirect; redirects are not followed");
      expect(vendor.requests("POST")).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
    },
  );

  it("a redirect answer to a deletion (which carries the key) is not followed either", async () => {
    vendor.reply(...Array(3).fill({ status: 307, headers: { location: `${target}/v1/analyses/ana_1` } }));
    const remote = createRemoteProvider({ url: base, apiKey: "vendor-secret-key", breaker: new CircuitBreaker() });
    await rejection(remote.deleteAnalysis("ana_1"));
    expect(elsewhere.received).toHaveLength(0);
  });
});

describe("P11/P16: the remote-deletion outbox keeps to the same rules", () => {
  const database = useDatabase("sqlite");
  let vendor: FakeVendor;
  let elsewhere: FakeVendor;
  let base: string;
  let target: string;
  beforeEach(async () => {
    vendor = fakeVendor();
    elsewhere = fakeVendor();
    base = await vendor.start();
    target = await elsewhere.start();
  });
  afterEach(async () => {
    await vendor.stop();
    await elsewhere.stop();
  });

  it("a redirect is not followed with the key, and the deletion stays owed", async () => {
    vendor.reply({ status: 308, headers: { location: `${target}/v1/analyses/ana_1` } });
    await database.client.remoteDeletion.create({ data: { apiUrl: base, remoteAnalysisId: "ana_1" } });
    await expect(drainRemoteDeletions(database.client, appKeyring())).rejects.toThrow("still owed");
    expect(vendor.requests("DELETE")).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    expect(await database.client.remoteDeletion.count()).toBe(1);
  });

  it("a merchant's URL that now resolves to an internal address is not called", async () => {
    const guard = createEndpointGuard({
      policy: PRODUCTION_ENDPOINTS,
      resolve: dnsTable({ "analysis.vendor.test": [["127.0.0.1"]] }),
    });
    const apiUrl = `https://analysis.vendor.test:${new URL(base).port}`;
    await database.client.remoteDeletion.create({ data: { apiUrl, remoteAnalysisId: "ana_2" } });
    await expect(drainRemoteDeletions(database.client, appKeyring(), { guard })).rejects.toThrow("still owed");
    expect(vendor.received).toHaveLength(0);
    const row = await database.client.remoteDeletion.findFirstOrThrow();
    expect(row.lastError).toContain("points to this server itself");
  });
});

describe("P16: the shopper, when the shop's URL points inside", () => {
  const database = useDatabase("sqlite", { app: true });
  const vendor = fakeVendor();
  let port = "";
  let photo: Buffer;
  beforeAll(async () => {
    port = new URL(await vendor.start()).port;
    photo = await sharp({ create: { width: 900, height: 1200, channels: 3, background: "#c99a7a" } })
      .jpeg()
      .toBuffer();
  });
  afterAll(() => vendor.stop());

  it("a scan for a shop whose saved URL is 0.0.0.0 (which Linux connects to this machine) gets a 503, and nothing is sent or stored", async () => {
    const sealed = appKeyring().seal("vendor-secret-key", shopApiKeyContext(SHOP));
    await database.client.shop.create({
      data: {
        shop: SHOP,
        // Saved before this check existed; the listener behind it stands for any internal service.
        analysisApiUrl: `http://0.0.0.0:${port}/in`,
        analysisApiKeyKeyId: sealed.keyId,
        analysisApiKeyCiphertext: new Uint8Array(sealed.envelope),
      },
    });
    const { response, body } = await consentAndScan({ photo, customerId: "7402", forwardedFor: "198.51.100.4" });
    expect([response.status, body]).toMatchObject([503, { error: { code: "analysis_unavailable" } }]);
    expect(JSON.stringify(body)).not.toContain("0.0.0.0");
    expect(vendor.received).toHaveLength(0);
    expect(await database.client.scan.count()).toBe(0);
  });
});
