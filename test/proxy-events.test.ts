import { beforeEach, describe, expect, it } from "vitest";
import { createRateLimits, setRateLimitsForTests } from "../app/abuse/rate-limits.server";
import { EVENTS_PER_NETWORK_PER_HOUR } from "../app/abuse/limits";
import { BODY_LIMITS } from "../app/http/body-limits";
import { flushRequestLog } from "../app/proxy/request-log.server";
import { action, loader } from "../app/routes/proxy.events";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP } from "./support/shopify";

/**
 * POST /proxy/events (issue 13): the widget reports that it was opened, that a recommended product
 * was viewed, or that one was added to the cart. Only the event's name is accepted and only a daily
 * count per shop is kept: no subject, receipt, customer, network or page is stored anywhere.
 */
const args = (request: Request) => ({ request, params: {}, context: {} });

function post(
  body: string,
  options: { type?: string | null; shop?: string; customerId?: string; forwardedFor?: string; url?: string } = {},
): Request {
  const headers: Record<string, string> = {};
  if (options.type !== null) headers["content-type"] = options.type ?? "application/json";
  if (options.forwardedFor) headers["x-forwarded-for"] = options.forwardedFor;
  return new Request(
    options.url ?? appProxyUrl("/events", {}, { shop: options.shop, customerId: options.customerId }),
    {
      method: "POST",
      headers,
      body,
    },
  );
}
const event = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ event: name, ...extra });

describe.each(DATABASE_KINDS)("widget events through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  beforeEach(async () => {
    await setRateLimitsForTests(createRateLimits(database));
    await database.client.$executeRawUnsafe(`DELETE FROM rate_limits`);
  });

  const counters = () => database.client.storefrontEventDay.findMany({ orderBy: [{ shop: "asc" }, { event: "asc" }] });

  it("counts each allowed event per shop and UTC day, and answers 204 with nothing to cache", async () => {
    for (const name of ["widget_opened", "widget_opened", "product_viewed", "added_to_cart"]) {
      const response = await action(args(post(event(name), { customerId: "7401", forwardedFor: "203.0.113.9" })));
      expect(response.status).toBe(204);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
    expect((await action(args(post(event("widget_opened"), { shop: OTHER_SHOP })))).status).toBe(204);
    const today = new Date().toISOString().slice(0, 10);
    expect(await counters()).toEqual([
      { shop: SHOP, day: today, event: "added_to_cart", count: 1 },
      { shop: SHOP, day: today, event: "product_viewed", count: 1 },
      { shop: SHOP, day: today, event: "widget_opened", count: 2 },
      { shop: OTHER_SHOP, day: today, event: "widget_opened", count: 1 },
    ]);
  });

  it("stores no identifier: the shopper's customer id and network appear in no table, and no subject is made", async () => {
    // Rows the earlier tests left in the request log's buffer.
    await flushRequestLog();
    await database.client.requestLog.deleteMany();
    const customerId = "987654321";
    await action(args(post(event("widget_opened"), { customerId, forwardedFor: "198.51.100.77" })));
    await flushRequestLog();
    // The only rows: the counter and the request log's route pattern (no query, no ids).
    const logs = await database.client.requestLog.findMany();
    expect(logs.map((l) => [l.route, l.method, l.status])).toEqual([["/proxy/events", "POST", 204]]);
    expect(await database.client.subject.count()).toBe(0);
    expect(await database.client.consentRecord.count()).toBe(0);
    const everything = JSON.stringify([await counters(), logs, await database.client.shopOnboarding.findMany()]);
    expect(everything).not.toContain(customerId);
    expect(everything).not.toContain("198.51.100");
    // The counter table has no column an identifier could go in.
    expect(Object.keys((await counters())[0] ?? {}).sort()).toEqual(["count", "day", "event", "shop"]);
  });

  it.each([
    ["an unknown event", event("checkout_completed"), 400, "invalid_event"],
    ["an identifier beside the event", event("widget_opened", { subjectId: "abc" }), 400, "invalid_event"],
    [
      "a product beside the event",
      event("product_viewed", { productId: "gid://shopify/Product/1" }),
      400,
      "invalid_event",
    ],
    ["no event", "{}", 400, "invalid_event"],
    ["a list", "[]", 400, "invalid_event"],
    ["an event that is not a string", JSON.stringify({ event: 1 }), 400, "invalid_event"],
    ["a body that is not JSON", "event=widget_opened", 400, "invalid_json"],
  ])("refuses %s with a clear 4xx and counts nothing", async (_name, body, status, code) => {
    const response = await action(args(post(body)));
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
    expect(await counters()).toEqual([]);
  });

  it("refuses another content type (415), another method (405), a large body (413) and an unsigned request (400)", async () => {
    const plain = await action(args(post(event("widget_opened"), { type: "text/plain" })));
    expect(plain.status).toBe(415);
    const get = await loader(args(new Request(appProxyUrl("/events"))));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const large = await action(args(post(event("widget_opened", { pad: "x".repeat(BODY_LIMITS.proxyEvent) }))));
    expect(large.status).toBe(413);
    const unsigned = await action(
      args(post(event("widget_opened"), { url: "https://scanshield.test/proxy/events?shop=" + SHOP })),
    );
    expect(unsigned.status).toBe(400);
    expect((await unsigned.json()).error.code).toBe("invalid_signature");
    expect(await counters()).toEqual([]);
  });

  it("P15: is rate limited per network like the other storefront routes (429 with Retry-After)", async () => {
    const from = { forwardedFor: "203.0.113.50, 10.0.0.1" };
    for (let i = 0; i < EVENTS_PER_NETWORK_PER_HOUR; i++) {
      expect((await action(args(post(event("widget_opened"), from)))).status).toBe(204);
    }
    const refused = await action(args(post(event("widget_opened"), from)));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await refused.json()).error.code).toBe("rate_limited");
    // Another network is not affected.
    expect((await action(args(post(event("widget_opened"), { forwardedFor: "198.51.100.1, 10.0.0.1" })))).status).toBe(
      204,
    );
    const [row] = await counters();
    expect(row?.count).toBe(EVENTS_PER_NETWORK_PER_HOUR + 1);
  });
});
