import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PNG_SIGNATURE, pngChunk, pngHeader, progressiveJpegBomb } from "./support/decode-bombs.mjs";
import { FREE_PLAN, usageMonth } from "../app/billing/plans";
import { incidentStep, recordIncident } from "../app/incidents/register.server";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { startServer, type RunningServer } from "./support/server";
import { appProxySignature } from "../scripts/preview/app-proxy-signature.mjs";
import { appProxyUrl, OTHER_SHOP, SHOP, TEST_SECRET } from "./support/shopify";

/**
 * "A 5xx is a bug": generated requests — every route, every method, signed and unsigned, valid and
 * foreign tokens and proofs, JSON, junk and binary bodies (oversized ones too, with a length or
 * chunked), decode bombs, repeated signed parameters, spoofed forwarding headers, odd headers and
 * query strings — thrown at the real server (server.mjs over the build,
 * SQLite, built-in engine) on 127.0.0.1. None may get a 5xx or a reset, and every answer of our own
 * routes is a JSON error with a code and a message. The routes of issues 12–14 are in it: widget
 * events, breach notices and their acknowledgement (P21), progress and kept photos (P19), and a shop
 * whose monthly allowance is used up (P20), whose scans must pause with a 402 whatever the body.
 */
/** A shop at its monthly scan allowance: a correctly signed scan with its own token is a 402. */
const PAUSED_SHOP = "paused-store.myshopify.com";
const ROUTES = [
  "/notice",
  "/consents",
  "/consents/{id}/withdraw",
  "/scans",
  "/scans/{id}",
  "/my-data",
  "/requests",
  "/recommendations",
  "/events",
  "/notices",
  "/notices/{id}/ack",
  "/progress",
  "/scans/{id}/photo",
];
const RUNS = 300;

describe("the storefront API under generated requests", () => {
  let server: RunningServer;
  let database: TestDatabase;
  const known = {
    consentId: "",
    receipt: "",
    scanToken: "",
    subjectId: "anon_fuzz_subject_000001",
    noticeId: "",
    pausedToken: "",
  };

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    server = await startServer({
      DATABASE_URL: database.url,
      SHOPIFY_API_SECRET: TEST_SECRET,
      JOBS_IN_PROCESS: "false",
      LOG_LEVEL: "warn",
    });
    // Real values for generated requests to reuse, so they get past the signature and the token.
    const consent = async (shop: string) => {
      const response = await fetch(rebase(appProxyUrl("/consents", {}, { shop })), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          noticeVersion: 1,
          locale: "en",
          ageConfirmed: true,
          purposes: ["skin_analysis"],
          subjectId: known.subjectId,
        }),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as { consentId: string; receipt: string; scanToken: string };
    };
    Object.assign(known, await consent(SHOP));
    known.pausedToken = (await consent(PAUSED_SHOP)).scanToken;
    // P20: the paused shop has used its whole allowance this month.
    await database.client.scanUsage.create({
      data: { shop: PAUSED_SHOP, month: usageMonth(new Date()), scans: FREE_PLAN.monthlyScans },
    });
    // P21: a published breach notice for the known shopper, so its id reaches the acknowledgement.
    const incident = await recordIncident(database.client, SHOP, {
      discoveredAt: new Date(),
      occurredFrom: new Date(Date.now() - 3_600_000),
      occurredTo: new Date(Date.now() + 60_000),
      dataKinds: ["consents"],
      scope: "created",
      narrative: { summary: "A test breach.", contact: "The store's privacy desk" },
    });
    await incidentStep(database.client, SHOP, incident.id, "publish_notices");
    const shown = await fetch(rebase(appProxyUrl("/notices")), { headers: { "x-subject-id": known.subjectId } });
    expect(shown.status).toBe(200);
    known.noticeId = ((await shown.json()) as { notices: { id: string }[] }).notices[0]!.id;
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await database?.destroy();
  });

  const rebase = (url: string) => url.replace("https://scanshield.test", server.baseUrl);

  /** Text beyond ASCII: any grapheme (Devanagari, emoji, combining marks, RTL) and control characters. */
  const wild = (maxLength: number) =>
    fc.oneof(
      fc.string({ unit: "grapheme", maxLength }),
      fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength }),
      fc.constantFrom("\u202Eevil", "हिन्दी", "a\u0000b", "\uFEFF", "👩🏽‍🔬".repeat(20)),
    );
  const id = () =>
    fc.oneof(
      wild(80),
      fc.constant(known.consentId),
      fc.constant(known.noticeId),
      fc.string({ maxLength: 80 }),
      fc.constantFrom("..", "%2e%2e", "%00", "a".repeat(300), "💥", "null"),
    );
  const json = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        noticeVersion: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1)),
        locale: fc.oneof(fc.constantFrom("en", "hi", "zz-ZZZZZZZZZ", "", "en\u0000"), fc.string()),
        ageConfirmed: fc.oneof(fc.boolean(), fc.string(), fc.constant(null)),
        purposes: fc.oneof(fc.array(fc.constantFrom("skin_analysis", "model_training", "x")), fc.anything()),
        subjectId: fc.oneof(fc.constant(known.subjectId), fc.string()),
        receipt: fc.oneof(fc.constant(known.receipt), fc.string()),
        type: fc.oneof(fc.constantFrom("grievance", "erasure", "access", "nomination"), fc.string()),
        message: fc.oneof(fc.string({ maxLength: 3000 }), wild(3000)),
        contactEmail: fc.oneof(fc.emailAddress(), fc.string()),
        concerns: fc.oneof(fc.array(fc.constantFrom("redness", "shine", "x")), fc.anything()),
        event: fc.oneof(fc.constantFrom("widget_opened", "product_viewed", "added_to_cart"), fc.string(), wild(40)),
      },
      { requiredKeys: [] },
    ),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    json.map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 500 }),
    fc.uint8Array({ maxLength: 4096 }),
    fc.constantFrom(
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), // a JPEG that ends at once
      Buffer.from("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x02", "latin1"), // a "bomb" header
      Buffer.from("GIF89a<script>alert(1)</script>"),
      progressiveJpegBomb({ width: 3000, height: 3000 }), // a decode bomb: 124 KB, thousands of scans
      Buffer.concat([
        PNG_SIGNATURE,
        pngChunk("IHDR", pngHeader({ width: 6320, height: 6320, bitDepth: 16, interlace: 1 })),
      ]),
    ),
    // Just past a limit: a widget event (1 KiB), the storefront's JSON (16 KiB), a webhook's (256 KiB), a photo's (5 MB).
    fc
      .constantFrom(1024 + 1, 16 * 1024 + 1, 256 * 1024 + 1, 5 * 1024 * 1024 + 1)
      .map((size) => Buffer.alloc(size, "{")),
  );
  const request = fc.record({
    route: fc.constantFrom(...ROUTES),
    id: id(),
    method: fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH"),
    signing: fc.constantFrom("valid", "valid", "valid", "none", "tampered", "stale", "other-shop", "paused-shop"),
    customerId: fc.option(fc.oneof(fc.constant("8801"), fc.string({ maxLength: 30 })), { nil: undefined }),
    query: fc.dictionary(
      fc.constantFrom("locale", "x", "shop", "format"),
      fc.oneof(fc.string({ maxLength: 40 }), wild(40)),
      {
        maxKeys: 3,
      },
    ),
    token: fc.option(
      fc.oneof(fc.constant(known.scanToken), fc.constant(known.pausedToken), fc.string({ maxLength: 200 })),
      { nil: undefined },
    ),
    proof: fc.option(
      fc.record({
        subjectId: fc.oneof(fc.constant(known.subjectId), fc.string({ maxLength: 70 })),
        receipt: fc.oneof(fc.constant(known.receipt), fc.string({ maxLength: 30 })),
      }),
      { nil: undefined },
    ),
    contentType: fc.constantFrom("application/json", "image/jpeg", "text/plain", "multipart/form-data", ""),
    body,
    // A body streamed without a length (chunked) is counted as it arrives instead of declared.
    chunked: fc.boolean(),
    // A parameter given twice, signed as Shopify signs it (values joined by ","): Shopify's own
    // parameters must then be refused, since the app would read only one of the values.
    repeated: fc.option(
      fc.record({
        name: fc.constantFrom("shop", "logged_in_customer_id", "timestamp", "locale"),
        value: fc.oneof(fc.constant(OTHER_SHOP), fc.constant("1002"), fc.string({ maxLength: 20 })),
      }),
      { nil: undefined },
    ),
    // Forwarding headers as a client may write them: none of them may choose the client's network.
    forwarded: fc.option(
      fc.record({
        header: fc.constantFrom("x-forwarded-for", "x-scanshield-peer-address", "forwarded", "x-real-ip"),
        value: fc.oneof(
          fc.ipV4(),
          fc.ipV6(),
          fc
            .array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), { maxLength: 40 })
            .map((a) => a.join(", ")),
          fc.constantFrom("::ffff:10.0.0.1", "unknown", "", "1.2.3.4:80", "[::1]:443", "fe80::1%eth0", "0".repeat(500)),
        ),
      }),
      { nil: undefined },
    ),
  });

  type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

  function send(r: Generated) {
    const path = r.route.replace("{id}", encodeURIComponent(r.id));
    const signed = appProxyUrl(path, r.query, {
      customerId: r.customerId,
      shop: r.signing === "other-shop" ? OTHER_SHOP : r.signing === "paused-shop" ? PAUSED_SHOP : SHOP,
      timestamp: r.signing === "stale" ? Math.floor(Date.now() / 1000) - 3600 : undefined,
    });
    let url = rebase(signed);
    if (r.repeated) {
      const target = new URL(url);
      target.searchParams.delete("signature");
      target.searchParams.append(r.repeated.name, r.repeated.value);
      target.searchParams.append("signature", appProxySignature(target.searchParams, TEST_SECRET));
      url = target.toString();
    }
    if (r.signing === "none") url = url.replace(/signature=[0-9a-f]+/, "");
    if (r.signing === "tampered")
      url = url.replace(/signature=([0-9a-f])/, (_m, c) => `signature=${c === "0" ? "1" : "0"}`);
    const headers: Record<string, string> = {};
    // Header values must be ByteStrings; fetch refuses others before anything is sent.
    const safe = (v: string) => v.replace(/[^\x20-\x7e]/g, "?");
    if (r.contentType) headers["content-type"] = r.contentType;
    if (r.token !== undefined) headers["x-scan-token"] = safe(r.token);
    if (r.forwarded) headers[r.forwarded.header] = safe(r.forwarded.value);
    if (r.proof) {
      headers["x-subject-id"] = safe(r.proof.subjectId);
      headers["x-consent-receipt"] = safe(r.proof.receipt);
    }
    const withBody = r.method !== "GET" && r.body !== undefined;
    if (!withBody || !r.chunked) return fetch(url, { method: r.method, headers, body: withBody ? r.body : undefined });
    const bytes = typeof r.body === "string" ? new TextEncoder().encode(r.body) : new Uint8Array(r.body!);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.byteLength; at += 64 * 1024) controller.enqueue(bytes.slice(at, at + 64 * 1024));
        controller.close();
      },
    });
    return fetch(url, { method: r.method, headers, body: stream, duplex: "half" } as RequestInit);
  }

  /** Requests every run makes first (fast-check's examples), then the generated ones. */
  const examples = (): [Generated][] => {
    const base: Generated = {
      route: "/scans",
      id: "",
      method: "POST",
      signing: "paused-shop",
      customerId: undefined,
      query: {},
      token: known.pausedToken,
      proof: undefined,
      contentType: "image/jpeg",
      body: progressiveJpegBomb({ width: 3000, height: 3000 }),
      chunked: false,
      repeated: undefined,
      forwarded: undefined,
    };
    const proof = { subjectId: known.subjectId, receipt: known.receipt };
    const list: Generated[] = [
      // P20: a paused shop's scan, with a photo sent whole, streamed, and never ending in time.
      base,
      { ...base, chunked: true },
      { ...base, body: Buffer.alloc(5 * 1024 * 1024 + 1, 0xff), chunked: true },
      // P21: one's own notice acknowledged, without and with the JSON type; another shop's signature.
      {
        ...base,
        route: "/notices/{id}/ack",
        id: known.noticeId,
        signing: "valid",
        proof,
        contentType: "application/json",
        body: "{}",
      },
      {
        ...base,
        route: "/notices/{id}/ack",
        id: known.noticeId,
        signing: "valid",
        proof,
        contentType: "text/plain",
        body: "{}",
      },
      {
        ...base,
        route: "/notices/{id}/ack",
        id: known.noticeId,
        signing: "other-shop",
        proof,
        contentType: "application/json",
        body: "{}",
      },
      // Widget events: a known one, one with an identifier riding along, one past the 1 KiB limit, chunked.
      {
        ...base,
        route: "/events",
        signing: "valid",
        token: undefined,
        contentType: "application/json",
        body: '{"event":"widget_opened"}',
      },
      {
        ...base,
        route: "/events",
        signing: "valid",
        token: undefined,
        contentType: "application/json",
        body: '{"event":"widget_opened","customer":"8801"}',
      },
      {
        ...base,
        route: "/events",
        signing: "valid",
        token: undefined,
        contentType: "application/json",
        body: Buffer.alloc(1025, " "),
        chunked: true,
      },
      // P19: progress and a photo with the shopper's proof, another shop's, and a spoofed network.
      { ...base, route: "/progress", method: "GET", signing: "valid", proof, body: undefined },
      {
        ...base,
        route: "/scans/{id}/photo",
        id: known.consentId,
        method: "GET",
        signing: "valid",
        proof,
        body: undefined,
      },
      {
        ...base,
        route: "/progress",
        method: "GET",
        signing: "other-shop",
        proof,
        body: undefined,
        forwarded: { header: "x-forwarded-for", value: "127.0.0.1" },
      },
    ];
    return list.map((e) => [e]);
  };

  it("no generated request gets a 5xx, and our own refusals are JSON errors with a code", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const response = await send(r);
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        const text = await response.text();
        expect(response.status, `${r.method} ${r.route}: ${text.slice(0, 300)}`).toBeLessThan(500);
        // A correctly signed query that repeats the shop or the customer is never served (a 400, or the
        // 404 or 413 that an unknown path or an oversized body meets first).
        if (r.signing === "valid" && r.repeated && ["shop", "logged_in_customer_id"].includes(r.repeated.name)) {
          expect(response.status, `repeated ${r.repeated.name}`).toBeGreaterThanOrEqual(400);
        }
        // P20: the paused shop's own token, correctly signed, pauses (402) before the photo is read,
        // whatever the photo; only a body declared past the photo limit meets its 413 first.
        if (
          r.route === "/scans" &&
          r.method === "POST" &&
          r.signing === "paused-shop" &&
          !r.repeated &&
          r.token === known.pausedToken
        ) {
          expect([402, 413], `paused scan: ${text.slice(0, 300)}`).toContain(response.status);
        }
        if (response.status >= 400 && response.headers.get("content-type")?.includes("application/json")) {
          const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          expect(typeof parsed.error?.code).toBe("string");
          expect(typeof parsed.error?.message).toBe("string");
        }
      }),
      { numRuns: RUNS, examples: examples() },
    );
    // The run must have reached past the signature into the routes, not only bounced off it.
    const ours = [...seen.entries()].filter(([status]) => ![400, 404, 405].includes(status));
    expect(ours.length).toBeGreaterThan(0);
    // Oversized bodies, declared or chunked, got their 413 (a reset would have failed the fetch).
    expect(seen.get(413) ?? 0).toBeGreaterThan(0);
    expect(seen.get(402) ?? 0).toBeGreaterThan(0);
    expect(server.output()).not.toMatch(/unexpected error|TypeError|ReferenceError/);
    // Nothing a shopper sent or proves themselves with reaches the log.
    for (const secret of [known.subjectId, known.receipt, known.scanToken, known.pausedToken]) {
      expect(server.output()).not.toContain(secret);
    }
  }, 180_000);
});
