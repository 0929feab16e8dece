import { describe, expect, it } from "vitest";
import { action as consents } from "../app/routes/proxy.consents";
import { loader as myData } from "../app/routes/proxy.my-data";
import { appProxySignature } from "../scripts/preview/app-proxy-signature.mjs";
import { useDatabase } from "./support/lifecycle";
import { SHOP, TEST_SECRET } from "./support/shopify";

/**
 * Shopify signs a repeated query parameter with its values joined by "," (shopify.dev, "Authenticate
 * app proxies"), while the app reads one value. A second `logged_in_customer_id` next to Shopify's own
 * would be signed, yet the app would act for the first: so it is refused, like a repeated `shop`.
 */
function signedUrl(path: string, pairs: [string, string][]): string {
  const query = new URLSearchParams([...pairs, ["path_prefix", "/apps/skin-scan"], ["timestamp", now()]]);
  query.append("signature", appProxySignature(query, TEST_SECRET));
  return `https://scanshield.test/proxy${path}?${query.toString()}`;
}
const now = () => String(Math.floor(Date.now() / 1000));

describe("repeated parameters in a signed app-proxy query", () => {
  const database = useDatabase("sqlite", { app: true });

  it("a correctly signed query with two logged_in_customer_id values is 400 invalid_signature and reads nothing", async () => {
    const url = signedUrl("/my-data", [
      ["shop", SHOP],
      ["logged_in_customer_id", "1001"],
      ["logged_in_customer_id", "1002"],
    ]);
    const response = await myData({ request: new Request(url), params: {}, context: {} });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_signature" } });
  });

  it("the same refusal as a repeated shop, and nothing is recorded", async () => {
    const consent = JSON.stringify({ noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"] });
    const post = (pairs: [string, string][]) =>
      consents({
        request: new Request(signedUrl("/consents", pairs), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: consent,
        }),
        params: {},
        context: {},
      });
    const repeatedShop = await post([
      ["shop", SHOP],
      ["shop", "other-store.myshopify.com"],
      ["logged_in_customer_id", "1001"],
    ]);
    const repeatedCustomer = await post([
      ["shop", SHOP],
      ["logged_in_customer_id", "1001"],
      ["logged_in_customer_id", "1002"],
    ]);
    for (const response of [repeatedShop, repeatedCustomer]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "invalid_signature" } });
    }
    expect(await database.client.consentRecord.count()).toBe(0);
    expect(await database.client.subject.count()).toBe(0);
    // The same query with one customer id is accepted: the signature helper is right.
    expect(
      (
        await post([
          ["shop", SHOP],
          ["logged_in_customer_id", "1001"],
        ])
      ).status,
    ).toBe(201);
  });
});
