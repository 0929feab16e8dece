import { describe, expect, it } from "vitest";
import { flushRequestLog, routePattern } from "../app/proxy/request-log.server";
import { loader as notice } from "../app/routes/proxy.notice";
import { loader as scan } from "../app/routes/proxy.scans.$id";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { appProxyUrl, SHOP } from "./support/shopify";

describe("request log patterns", () => {
  it.each([
    ["/proxy/notice", "/proxy/notice"],
    ["/proxy/scans/cm3abc123", "/proxy/scans/:id"],
    ["/proxy/consents/cm3abc/withdraw", "/proxy/consents/:id/withdraw"],
    ["/proxy/my-data", "/proxy/my-data"],
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
