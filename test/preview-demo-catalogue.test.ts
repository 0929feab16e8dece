import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../app/recommendations/demo-catalogue";
import { startPreview } from "../scripts/preview/server.mjs";

/**
 * The local storefront preview's demo catalogue (`node server.mjs --seed-demo`): every product a newcomer
 * sees recommended has a name, a price and a product shot that the preview serves, so the widget's product
 * cards show an image, as on a real store.
 */
describe("the preview's demo catalogue", () => {
  let preview: Server;
  let url: string;
  beforeAll(async () => {
    const started = await startPreview({
      host: "127.0.0.1",
      port: 0,
      appUrl: "http://127.0.0.1:9",
      secret: "unused",
      shop: "demo.myshopify.com",
    });
    preview = started.server;
    url = started.url;
  });
  afterAll(() => new Promise((resolve) => preview?.close(resolve)));

  it.each(DEMO_CATALOGUE.map((p) => [p.title, p] as const))(
    "%s has a price, an image the preview serves and alt text for it",
    async (_, product) => {
      expect(product.price).toMatch(/^\d+\.\d{2}$/);
      // What the drawing shows, for the product card's img alt (not the product's name again).
      expect(product.imageAlt).toMatch(/^[A-Z][\w %,]+ labelled [A-Z0-9 %]+$/);
      expect(product.imageUrl).toMatch(/^\/demo-products\/[a-z0-9-]+\.svg$/);
      const response = await fetch(`${url}${product.imageUrl}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/svg+xml");
      expect(await response.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 300 300"/);
    },
  );

  it("serves nothing else from the folder's path", async () => {
    expect((await fetch(`${url}/demo-products/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${url}/demo-products/missing.svg`)).status).toBe(404);
  });
});
