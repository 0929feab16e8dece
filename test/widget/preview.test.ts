import { gzipSync, brotliCompressSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "../../app/env.server";
import { appProxySignature } from "../../scripts/preview/app-proxy-signature.mjs";
import { previewConfig, startPreview } from "../../scripts/preview/server.mjs";

/**
 * The local storefront preview without a browser: it signs as Shopify's app proxy does, never lets the
 * browser choose the shop or the customer, renders the block's real Liquid, and fakes the theme's cart.
 */
describe("storefront preview", () => {
  it("signs with Shopify's own documented example (repeated keys joined by a comma)", () => {
    // shopify.dev, "Authenticate app proxies": secret "hush", and the signature Shopify sends.
    const query = new URLSearchParams(
      "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555",
    );
    expect(appProxySignature(query, "hush")).toBe("4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb");
  });

  it("uses the app's own development secret and preview shop by default, and SHOPIFY_API_SECRET when set", () => {
    expect(previewConfig({}).secret).toBe(parseEnv({}).SHOPIFY_API_SECRET);
    expect(previewConfig({ SHOPIFY_API_SECRET: "s3cret-value" }).secret).toBe("s3cret-value");
    // The shop `node server.mjs --seed-demo` gives a demo catalogue is the shop the preview signs for.
    expect(previewConfig({}).shop).toBe(parseEnv({}).PREVIEW_SHOP);
  });

  describe("forwarding", () => {
    let app: Server;
    let appUrl: string;
    const seen: { url: string; method: string; body: string; headers: Record<string, unknown> }[] = [];
    let preview: { server: Server; url: string };
    beforeAll(async () => {
      app = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          seen.push({ url: req.url ?? "", method: req.method ?? "", body, headers: req.headers });
          res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
          res.end(JSON.stringify({ error: { code: "rate_limited", message: "Slow down." } }));
        });
      });
      await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
      const address = app.address();
      appUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      preview = await startPreview({ ...previewConfig({}), port: 0, appUrl, secret: "preview-test-secret" });
    });
    afterAll(async () => {
      await new Promise((r) => preview.server.close(r));
      await new Promise((r) => app.close(r));
    });

    it("forwards /apps/skin-scan/* to /proxy/* signed, dropping any shop or customer the browser tries to set", async () => {
      const response = await fetch(
        `${preview.url}/apps/skin-scan/consents?x=1&x=2&shop=evil.myshopify.com&logged_in_customer_id=42&signature=abc`,
        { method: "POST", headers: { "content-type": "application/json", "x-subject-id": "s".repeat(20) }, body: "{}" },
      );
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("7");
      const call = seen.at(-1);
      const url = new URL(call?.url ?? "", appUrl);
      expect(url.pathname).toBe("/proxy/consents");
      expect(call?.method).toBe("POST");
      expect(call?.body).toBe("{}");
      expect(call?.headers["x-subject-id"]).toBe("s".repeat(20));
      expect(url.searchParams.getAll("x")).toEqual(["1", "2"]);
      expect(url.searchParams.get("shop")).toBe("scanshield-preview.myshopify.com");
      expect(url.searchParams.get("logged_in_customer_id")).toBe("");
      expect(url.searchParams.get("path_prefix")).toBe("/apps/skin-scan");
      const signature = url.searchParams.get("signature");
      url.searchParams.delete("signature");
      expect(signature).toBe(appProxySignature(url.searchParams, "preview-test-secret"));
    });

    it("a simulated signed-in customer reaches the app as Shopify's logged_in_customer_id", async () => {
      const page = await fetch(`${preview.url}/?customer=1001`);
      const cookie = page.headers.get("set-cookie")?.split(";")[0] ?? "";
      expect(await page.text()).toContain("Signed in as test customer 1001");
      await fetch(`${preview.url}/apps/skin-scan/my-data`, { headers: { cookie } });
      expect(new URL(seen.at(-1)?.url ?? "", appUrl).searchParams.get("logged_in_customer_id")).toBe("1001");
    });

    it("renders the block's Liquid in English and Hindi, and the page without it on request", async () => {
      const english = await (await fetch(preview.url)).text();
      expect(english).toContain("<skin-scan");
      expect(english).toContain('<script src="/assets/skin-scan.js" defer></script>');
      expect(english).not.toContain("translation missing");
      const hindi = await (await fetch(`${preview.url}/?locale=hi`)).text();
      expect(hindi).toContain("स्किन स्कैन शुरू करें");
      expect(hindi).not.toContain("translation missing");
      const without = await (await fetch(`${preview.url}/?block=0`)).text();
      expect(without).not.toContain("<skin-scan");
      expect(without).not.toContain("skin-scan.js");
    });

    it("fakes the theme's /cart/add.js and /cart.js", async () => {
      const added = await fetch(`${preview.url}/cart/add.js`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ items: [{ id: 2001, quantity: 1 }] }),
      });
      expect(added.status).toBe(200);
      expect((await (await fetch(`${preview.url}/cart.js`)).json()).item_count).toBe(1);
      const bad = await fetch(`${preview.url}/cart/add.js`, { method: "POST", body: JSON.stringify({ id: "x" }) });
      expect(bad.status).toBe(422);
    });
  });

  it("the widget's script stays within Shopify's 10 KB compressed budget, and its CSS is small", () => {
    const assets = join(import.meta.dirname, "..", "..", "extensions", "skin-scan", "assets");
    const js = readFileSync(join(assets, "skin-scan.js"));
    const css = readFileSync(join(assets, "skin-scan.css"));
    expect(gzipSync(js, { level: 9 }).length).toBeLessThanOrEqual(10_000);
    expect(brotliCompressSync(js).length).toBeLessThanOrEqual(10_000);
    expect(gzipSync(css, { level: 9 }).length).toBeLessThanOrEqual(5_000);
  });
});
