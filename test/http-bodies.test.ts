import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawExchange, type RawAnswer } from "./support/raw-http";
import { startServer, type RunningServer } from "./support/server";
import { appProxyUrl, SHOP, TEST_SECRET } from "./support/shopify";

/**
 * The HTTP edge (server/http-edge.mjs) on the real server: bodies are limited by route before any
 * route or authentication runs, a refusal is a clean 413 in the error shape (never a reset), a
 * request that never finishes is dropped after the configured timeout, and bad input of every kind
 * is a 4xx with nothing but a line of its own in the log.
 */
const REQUEST_TIMEOUT_MS = 1_500;
const WAIT_MS = 15_000;
/** What an endless body may send before the test gives up on an answer (old code buffered it all). */
const ENDLESS_CAP = 64 * 1024 * 1024;

describe("request bodies and bad input at the HTTP edge", () => {
  let server: RunningServer;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-bodies-"));
    server = await startServer({
      DATABASE_URL: `file:${join(dir, "bodies.db")}`,
      SHOPIFY_API_SECRET: TEST_SECRET,
      JOBS_IN_PROCESS: "false",
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_HEADERS_TIMEOUT_MS: "1000",
    });
    port = Number(new URL(server.baseUrl).port);
    // The built-in engine loads its models after the server listens (tens of MB): measured memory must be
    // the bodies', so the load is over first.
    for (let waited = 0; !/analysis engine (loaded|failed)/.test(server.output()) && waited < 60_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The server's resident memory, from the kernel. */
  const rssBytes = () =>
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.process.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

  const signedPath = (path: string, shop = SHOP) =>
    appProxyUrl(path, {}, { shop }).replace("https://scanshield.test", "");

  const webhookHeaders = (topic: string) =>
    [
      "content-type: application/json",
      `x-shopify-topic: ${topic}`,
      "x-shopify-hmac-sha256: bm90IGEgcmVhbCBzaWduYXR1cmU=",
      `x-shopify-shop-domain: ${SHOP}`,
      "x-shopify-webhook-id: 3f7c1a2e-0000-4000-8000-000000000001",
      "x-shopify-api-version: 2025-10",
    ].join("\r\n");

  // Every kind of route a body can reach before authentication: webhooks, login, the storefront API.
  const TARGETS = [
    { name: "products/update webhook", path: "/webhooks/products/update", headers: webhookHeaders("products/update") },
    {
      name: "customers/redact webhook",
      path: "/webhooks/customers/redact",
      headers: webhookHeaders("customers/redact"),
    },
    { name: "login form", path: "/auth/login", headers: "content-type: application/x-www-form-urlencoded" },
    { name: "storefront JSON (consents)", path: "/consents", signed: true, headers: "content-type: application/json" },
    // The routes of issues 13 and 14: plan changes (P20), widget events (1 KiB) and breach-notice acknowledgements (P21).
    {
      name: "app_subscriptions/update webhook",
      path: "/webhooks/app_subscriptions/update",
      headers: webhookHeaders("app_subscriptions/update"),
    },
    { name: "storefront event", path: "/events", signed: true, headers: "content-type: application/json" },
    {
      name: "breach-notice acknowledgement",
      path: "/notices/cmnotice0000000000000000/ack",
      signed: true,
      headers: "content-type: application/json",
    },
  ];

  const head = (target: (typeof TARGETS)[number], framing: string) =>
    `POST ${target.signed ? signedPath(target.path) : target.path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n` +
    `${target.headers}\r\n${framing}\r\n\r\n`;

  function expectCleanRefusal(answer: RawAnswer, code = "payload_too_large") {
    expect(answer.resetBeforeAnswer, "the connection was reset before the 413 arrived").toBe(false);
    expect(answer.status).toBe(413);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code, message: expect.any(String) } });
    // The server will not read the rest: it says so, and closes the connection after the answer.
    expect(answer.headers.connection).toBe("close");
  }

  it.each(TARGETS)(
    "a declared 10 MB body to the $name is a 413 in the error shape before anything reads it, not a reset",
    async (target) => {
      const answer = await rawExchange({
        port,
        head: head(target, "content-length: 10000000"),
        body: { kind: "endless", chunked: false, maxBytes: 10_000_000 },
        waitMs: WAIT_MS,
      });
      expectCleanRefusal(answer);
    },
    30_000,
  );

  it.each(TARGETS)(
    "an endless chunked body to the $name is a 413 as soon as it passes the limit, and the server buffers none of it",
    async (target) => {
      const before = rssBytes();
      const answer = await rawExchange({
        port,
        head: head(target, "transfer-encoding: chunked"),
        body: { kind: "endless", chunked: true, maxBytes: ENDLESS_CAP },
        waitMs: WAIT_MS,
      });
      expectCleanRefusal(answer);
      // The answer came long before the client could send the cap (it stops writing once answered).
      expect(answer.bytesSent).toBeLessThan(ENDLESS_CAP);
      // Memory, not time: nothing of the body is kept (old code held the whole body, then more).
      expect(rssBytes() - before).toBeLessThan(32 * 1024 * 1024);
    },
    30_000,
  );

  it("a photo over 5 MB is refused at the edge with the photo's own code, before the scan route reads it", async () => {
    const answer = await rawExchange({
      port,
      head:
        `POST ${signedPath("/scans")} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: image/jpeg\r\n` +
        "x-scan-token: not-a-token\r\ntransfer-encoding: chunked\r\n\r\n",
      body: { kind: "endless", chunked: true, maxBytes: ENDLESS_CAP },
      waitMs: WAIT_MS,
    });
    expectCleanRefusal(answer, "image_too_large");
  }, 30_000);

  it("a refused connection is let go: the server closes it once the client stops, and the next request is served", async () => {
    const answer = await rawExchange({
      port,
      head: head(TARGETS[2]!, "transfer-encoding: chunked"),
      body: { kind: "endless", chunked: true, maxBytes: ENDLESS_CAP },
      waitMs: WAIT_MS,
    });
    expect(answer.status).toBe(413);
    expect(answer.closedByServer).toBe(true);
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  }, 30_000);

  it(`a body that stops half-way is dropped after HTTP_REQUEST_TIMEOUT_MS (${REQUEST_TIMEOUT_MS} ms here) with a 408`, async () => {
    const answer = await rawExchange({
      port,
      head:
        `POST ${signedPath("/consents")} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n` +
        "content-type: application/json\r\ncontent-length: 1000\r\n\r\n",
      body: { kind: "stall", bytes: '{"noticeVersion":' },
      waitMs: WAIT_MS,
    });
    expect(answer.closedByServer).toBe(true);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "request_timeout" } });
  }, 30_000);

  it("headers that never end are dropped after HTTP_HEADERS_TIMEOUT_MS with a 408", async () => {
    const answer = await rawExchange({
      port,
      head: `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-slow: `,
      waitMs: WAIT_MS,
    });
    expect(answer.closedByServer).toBe(true);
    expect(answer.status).toBe(408);
  }, 30_000);

  it.each([
    { name: "a request line that is not HTTP", head: "GARBAGE\r\n\r\n", status: 400, code: "bad_request" },
    {
      name: "headers over Node's 16 KB",
      head: `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`,
      status: 431,
      code: "headers_too_large",
    },
    {
      name: "broken chunk framing in the middle of a body",
      head: `POST ${signedPath("/consents")} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`,
      status: 400,
      code: "bad_request",
    },
  ])("$name is a $status in the error shape, and the connection is closed", async ({ head, status, code }) => {
    const answer = await rawExchange({ port, head, waitMs: WAIT_MS });
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code } });
    expect(answer.closedByServer).toBe(true);
  });

  describe("bad input is a 4xx, never a 5xx, and writes no stack trace", () => {
    const CASES: { name: string; send: () => Promise<Response>; status: number; code: string | null }[] = [
      {
        name: "malformed %-encoding in a page path",
        send: () => fetch(`${server.baseUrl}/%E0%A4%A`),
        status: 400,
        code: "invalid_path",
      },
      {
        name: "malformed %-encoding in an admin path",
        send: () => fetch(`${server.baseUrl}/app/requests/%zz`),
        status: 400,
        code: "invalid_path",
      },
      {
        name: "a lone % in a storefront path",
        send: () => fetch(`${server.baseUrl}/proxy/%`),
        status: 400,
        code: "invalid_path",
      },
      {
        name: "malformed %-encoding in a webhook path",
        send: () => fetch(`${server.baseUrl}/webhooks/%ff%`, { method: "POST", body: "{}" }),
        status: 400,
        code: "invalid_path",
      },
      {
        name: "a page that does not exist",
        send: () => fetch(`${server.baseUrl}/no-such-page`),
        status: 404,
        code: null,
      },
      {
        name: "a method a route does not take",
        send: () => fetch(`${server.baseUrl}/healthz`, { method: "PUT" }),
        status: 405,
        code: null,
      },
      {
        name: "a correctly signed storefront request whose shop is no shop domain",
        send: () => fetch(`${server.baseUrl}${signedPath("/notice", "evil.example")}`),
        status: 400,
        code: "invalid_shop",
      },
      {
        name: "a signed storefront request with an empty shop",
        send: () => fetch(`${server.baseUrl}${signedPath("/my-data", "")}`),
        status: 400,
        code: "invalid_shop",
      },
      {
        name: "a malformed multipart login body",
        send: () =>
          fetch(`${server.baseUrl}/auth/login`, {
            method: "POST",
            headers: { "content-type": "multipart/form-data; boundary=----x" },
            body: "not multipart at all",
          }),
        status: 400,
        code: null,
      },
      {
        name: "a multipart login body without a boundary",
        send: () =>
          fetch(`${server.baseUrl}/auth/login`, {
            method: "POST",
            headers: { "content-type": "multipart/form-data" },
            body: "shop=x",
          }),
        status: 400,
        code: null,
      },
      {
        name: "a login form whose shop is a file",
        send: () => {
          const form = new FormData();
          form.set("shop", new Blob(["lotus-skin"]), "shop.txt");
          return fetch(`${server.baseUrl}/auth/login`, { method: "POST", body: form });
        },
        status: 400,
        code: null,
      },
      {
        name: "a login posted as text/plain",
        send: () => fetch(`${server.baseUrl}/auth/login`, { method: "POST", body: "shop=lotus-skin" }),
        status: 415,
        code: null,
      },
    ];

    it.each(CASES)("$name → $status", async ({ send, status, code }) => {
      const response = await send();
      const text = await response.text();
      expect(response.status, text.slice(0, 300)).toBe(status);
      if (code) expect(JSON.parse(text)).toMatchObject({ error: { code, message: expect.any(String) } });
    });

    it("the log has no stack trace and no unhandled error for any of them", () => {
      const log = server.output();
      expect(log).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(log).not.toMatch(/unhandled request error|Unexpected Server Error|ErrorResponseImpl|URIError|TypeError/);
    });
  });
});
