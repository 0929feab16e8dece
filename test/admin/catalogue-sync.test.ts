import { describe, expect, it } from "vitest";
import { CATALOGUE_SYNC_JOB, NO_OFFLINE_SESSION } from "../../app/recommendations/catalogue-sync-job.server";
import { syncCatalogue, waitForPoints, type GraphqlAnswer } from "../../app/recommendations/catalogue-sync.server";
import { recommendationsFor } from "../../app/recommendations/recommend.server";
import { action, loader } from "../../app/routes/app.recommendations";
import { action as productDelete } from "../../app/routes/webhooks.products.delete";
import { action as productUpdate } from "../../app/routes/webhooks.products.update";
import { adminRequest, call } from "../support/admin";
import { useFakeShopify } from "../support/fake-shopify";
import { DATABASE_KINDS } from "../support/database";
import { runJobs } from "../support/jobs";
import { useDatabase } from "../support/lifecycle";
import { OTHER_SHOP, SHOP, storeOfflineSession, webhookHmac } from "../support/shopify";
import * as recorded from "./fixtures/shopify-products";

const GRAPHQL_PATH = "/admin/api/2026-10/graphql.json";

interface Seen {
  variables: Record<string, unknown>;
  token: string | undefined;
}

describe.each(DATABASE_KINDS)("catalogue sync on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const shopify = useFakeShopify();

  /** Queues Shopify's answers, in order, for the shop's Admin GraphQL endpoint; records what was asked. */
  function answers(list: unknown[], shop = SHOP): Seen[] {
    const seen: Seen[] = [];
    const pool = shopify.agent().get(`https://${shop}`);
    for (const body of list) {
      pool.intercept({ path: GRAPHQL_PATH, method: "POST" }).reply((request) => {
        const headers = request.headers as Record<string, string>;
        seen.push({
          variables: JSON.parse(String(request.body)).variables,
          token: headers["X-Shopify-Access-Token"] ?? headers["x-shopify-access-token"],
        });
        return {
          statusCode: 200,
          data: JSON.stringify(body),
          responseOptions: { headers: { "content-type": "application/json" } },
        };
      });
    }
    return seen;
  }

  const sync = async (shop = SHOP) =>
    call(action, await adminRequest("/app/recommendations", { form: { intent: "sync" }, shop }));
  const page = async (shop = SHOP) => call(loader, await adminRequest("/app/recommendations", { shop }));
  /** A product cached by a sync long ago (epoch), so a later run's writes and removals show. */
  const cachedLongAgo = (shop: string, shopifyId: string, handle: string, title: string) =>
    database.client.product.create({ data: { shop, shopifyId, handle, title, syncedAt: new Date(0) } });
  const syncJobs = (shop = SHOP) =>
    database.client.job.findMany({ where: { type: CATALOGUE_SYNC_JOB, shop }, orderBy: { createdAt: "asc" } });

  it("the sync button answers at once without calling the Admin API and queues one job; a second click adds none", async () => {
    await storeOfflineSession(database.client, SHOP);
    const seen = answers([recorded.page2]);

    const first = await sync();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      ok: true,
      toast: "Catalogue sync started: products update in a minute or two",
    });
    const second = await sync();
    expect(await second.json()).toMatchObject({ ok: true });

    expect(seen).toEqual([]);
    const jobs = await syncJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ status: "queued", shop: SHOP });
    expect(JSON.parse(jobs[0]?.payload ?? "")).toEqual({ shop: SHOP });
    expect(await database.client.job.count()).toBe(1);
    expect((await page()).sync).toMatchObject({ running: true, failure: null, last: null });
  });

  it("running the job syncs every page through the Admin API with the stored offline token, waiting as Shopify's throttle asks", async () => {
    await storeOfflineSession(database.client, SHOP);
    // A product deleted in Shopify since the last sync.
    await cachedLongAgo(SHOP, "gid://shopify/Product/1", "gone", "Gone");
    const seen = answers([recorded.page1, recorded.throttled, recorded.page2]);
    await sync();

    await runJobs(database);

    expect(seen.map((s) => s.variables.after)).toEqual([
      null,
      recorded.page1.data.products.pageInfo.endCursor,
      recorded.page1.data.products.pageInfo.endCursor,
    ]);
    expect(seen.every((s) => s.token === "shpat_test_token")).toBe(true);
    shopify.agent().assertNoPendingInterceptors();
    expect((await syncJobs())[0]).toMatchObject({ status: "done", attempts: 1, lastError: null });

    const serum = await database.client.product.findFirstOrThrow({
      where: { shop: SHOP, shopifyId: recorded.serum.id },
      include: { terms: true },
    });
    expect(serum).toMatchObject({
      price: "1250.00",
      currency: "INR",
      variantId: "44123456789013",
      available: true,
      imageUrl: recorded.serum.featuredMedia.preview.image.url,
      imageAlt: "Amber glass dropper bottle of Calming Serum",
    });
    expect(serum.terms.map((t) => t.term).sort()).toEqual([
      "collection:bestsellers",
      "collection:calming",
      "metafield:skin.concern=redness",
      "tag:skin-scan:redness",
      "tag:vegan",
    ]);
    const draft = await database.client.product.findFirstOrThrow({ where: { shopifyId: recorded.draftProduct.id } });
    expect(draft.available).toBe(false);
    expect(await database.client.product.count({ where: { shopifyId: "gid://shopify/Product/1" } })).toBe(0);

    // The outcome is recorded for the page: counts only, by the system.
    const audit = await database.client.auditEvent.findFirstOrThrow({
      where: { shop: SHOP, action: "catalogue.synced" },
    });
    expect(audit.actor).toBe("system");
    // 1.5 s for page 2's points after page 1, then 0.5 s more after the THROTTLED answer.
    expect(JSON.parse(audit.details ?? "")).toEqual({
      pages: 2,
      saved: 3,
      removed: 1,
      skipped: 0,
      waitedMs: 2000,
      warnings: [],
    });
    const shown = await page();
    expect(shown.sync).toMatchObject({ running: false, failure: null, last: { saved: 3, removed: 1, warnings: [] } });
    expect(shown.catalogue.products).toBe(3);
    expect(shown.catalogue.lastSyncedAt).not.toBeNull();

    // Scans now recommend from the cache without calling Shopify.
    const recs = await recommendationsFor(database.client, SHOP, { bands: { redness: "high" }, toneGroup: null });
    expect(recs.map((r) => r.title)).toEqual(["Calming Serum"]);
    // The product card's image comes with the merchant's alt text.
    expect(recs[0]).toMatchObject({
      imageUrl: recorded.serum.featuredMedia.preview.image.url,
      imageAlt: "Amber glass dropper bottle of Calming Serum",
    });

    // The last sync has finished, so the button starts a new one.
    expect(await (await sync()).json()).toMatchObject({
      toast: "Catalogue sync started: products update in a minute or two",
    });
    expect((await syncJobs()).map((j) => j.status)).toEqual(["done", "queued"]);
  });

  it("a shop with no offline session fails the job permanently with a safe message and writes nothing", async () => {
    await storeOfflineSession(database.client, SHOP);
    await cachedLongAgo(SHOP, recorded.serum.id, "calming-serum", "Calming Serum");
    const seen = answers([recorded.page2]);
    await sync();
    // Uninstalled before the worker got to it: app/uninstalled deletes the offline session.
    await database.client.session.deleteMany({ where: { shop: SHOP } });

    await runJobs(database);

    const [job] = await syncJobs();
    expect(job).toMatchObject({ status: "failed", attempts: 1, lastError: `PermanentJobError: ${NO_OFFLINE_SESSION}` });
    expect(job?.lastError).not.toContain("shpat");
    expect(seen).toEqual([]);
    expect(await database.client.product.findMany({ where: { shop: SHOP }, select: { syncedAt: true } })).toEqual([
      { syncedAt: new Date(0) },
    ]);
    expect(await database.client.auditEvent.count({ where: { action: "catalogue.synced" } })).toBe(0);
    // Reopened from Shopify admin (a new offline session), the page says why the last sync failed.
    await storeOfflineSession(database.client, SHOP);
    expect((await page()).sync).toMatchObject({ running: false, failure: NO_OFFLINE_SESSION });
  });

  it("a refused query (ACCESS_DENIED, no data) fails the job permanently with a clear message and removes nothing", async () => {
    await storeOfflineSession(database.client, SHOP);
    await cachedLongAgo(SHOP, recorded.serum.id, "calming-serum", "Calming Serum");
    answers([recorded.accessDenied]);
    await sync();
    await runJobs(database);

    const message = "Shopify refused the product query (ACCESS_DENIED). Check the app's access to products.";
    expect((await syncJobs())[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect((await page()).sync).toMatchObject({ running: false, failure: message });
    expect(await database.client.product.count({ where: { shop: SHOP } })).toBe(1);
  });

  it("the job touches only its own shop: another shop's products, jobs and page stay as they were", async () => {
    await storeOfflineSession(database.client, SHOP);
    await storeOfflineSession(database.client, OTHER_SHOP);
    await cachedLongAgo(OTHER_SHOP, "gid://shopify/Product/1", "theirs", "Theirs");
    // Only this shop's Admin API answers; a call to the other shop would fail the job.
    answers([recorded.page2]);
    await sync();
    expect((await page(OTHER_SHOP)).sync).toMatchObject({ running: false, last: null });

    await runJobs(database);

    expect((await syncJobs())[0]?.status).toBe("done");
    expect(await syncJobs(OTHER_SHOP)).toEqual([]);
    expect(await database.client.product.count({ where: { shop: SHOP } })).toBe(1);
    expect(
      await database.client.product.findMany({ where: { shop: OTHER_SHOP }, select: { handle: true, syncedAt: true } }),
    ).toEqual([{ handle: "theirs", syncedAt: new Date(0) }]);
    expect(await database.client.auditEvent.count({ where: { shop: OTHER_SHOP } })).toBe(0);
    expect((await page(OTHER_SHOP)).sync).toMatchObject({ running: false, last: null });
    // A queued sync for one shop does not stop the other from starting its own.
    await sync(OTHER_SHOP);
    expect(await syncJobs(OTHER_SHOP)).toHaveLength(1);
  });

  it("a stopping worker ends the sync between pages: nothing is removed and no run is recorded", async () => {
    await cachedLongAgo(SHOP, "gid://shopify/Product/1", "gone", "Gone");
    const controller = new AbortController();
    const pages: GraphqlAnswer[] = [recorded.page1, recorded.page2];
    const run = syncCatalogue(database.client, SHOP, {
      graphql: async () => pages.shift() ?? {},
      sleep: async () => controller.abort(),
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(pages).toEqual([recorded.page2]);
    expect(await database.client.product.count({ where: { shopifyId: "gid://shopify/Product/1" } })).toBe(1);
    expect(await database.client.auditEvent.count()).toBe(0);
  });

  it("partial data (a refused field) still syncs the products and reports the warning", async () => {
    const calls: GraphqlAnswer[] = [recorded.partialMetafieldsDenied];
    const result = await syncCatalogue(database.client, SHOP, {
      graphql: async () => calls.shift() ?? {},
      sleep: async () => undefined,
    });
    expect(result).toMatchObject({ pages: 1, saved: 1, warnings: ["Access denied for metafields field."] });
  });

  it("gives up with a clear error when Shopify keeps throttling", async () => {
    const waits: number[] = [];
    const sync = syncCatalogue(database.client, SHOP, {
      graphql: async () => recorded.throttled,
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(sync).rejects.toMatchObject({ status: 503, code: "shopify_throttled" });
    expect(waits).toEqual(Array(8).fill(500));
    expect(waitForPoints({ currentlyAvailable: 100, restoreRate: 50 }, 200)).toBe(2000);
  });

  function productWebhook(topic: "products/update" | "products/delete", payload: unknown, secret?: string) {
    const body = JSON.stringify(payload);
    return new Request(`https://scanshield.test/webhooks/${topic}`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": webhookHmac(body, secret),
        "x-shopify-shop-domain": SHOP,
        "x-shopify-webhook-id": crypto.randomUUID(),
        "x-shopify-event-id": crypto.randomUUID(),
        "x-shopify-api-version": "2026-10",
        "x-shopify-triggered-at": new Date().toISOString(),
      },
    });
  }

  it("products/update re-reads the product into the cache; products/delete removes it; a bad signature is 401", async () => {
    await storeOfflineSession(database.client, SHOP);
    // The merchant also gave the image alt text (on the media; the preview image repeats it), over two lines.
    const featuredMedia = {
      alt: "Clear gel\n  in a frosted jar",
      preview: { image: { url: "https://cdn.shopify.com/s/files/1/0000/0001/files/gel.jpg", altText: null } },
    };
    const seen = answers([
      recorded.oneProduct({ ...recorded.mattifier, featuredMedia, tags: ["skin-scan:shine", "new-tag"] }),
    ]);
    const payload = { id: 8123456789020, admin_graphql_api_id: recorded.mattifier.id, title: "Oil Control Gel" };
    const updated = await productUpdate({
      request: productWebhook("products/update", payload),
      params: {},
      context: {},
    });
    expect(updated.status).toBe(200);
    expect(seen[0]?.variables).toEqual({ id: recorded.mattifier.id });
    const row = await database.client.product.findFirstOrThrow({
      where: { shopifyId: recorded.mattifier.id },
      include: { terms: true },
    });
    expect(row.terms.map((t) => t.term)).toContain("tag:new-tag");
    expect(row).toMatchObject({ imageUrl: featuredMedia.preview.image.url, imageAlt: "Clear gel in a frosted jar" });

    const forged = await productDelete({
      request: productWebhook("products/delete", { id: 8123456789020 }, "not-the-secret"),
      params: {},
      context: {},
    });
    expect(forged.status).toBe(401);
    expect(await database.client.product.count()).toBe(1);

    const deleted = await productDelete({
      request: productWebhook("products/delete", { id: 8123456789020 }),
      params: {},
      context: {},
    });
    expect(deleted.status).toBe(200);
    expect(await database.client.product.count()).toBe(0);
  });

  it("shows coverage: concerns with no buyable product, per shop", async () => {
    await storeOfflineSession(database.client, SHOP);
    await storeOfflineSession(database.client, OTHER_SHOP);
    answers([recorded.page2]);
    answers(
      [
        {
          ...recorded.page2,
          data: { products: { ...recorded.page2.data.products, nodes: [recorded.serum, recorded.mattifier] } },
        },
      ],
      OTHER_SHOP,
    );
    await sync();
    await sync(OTHER_SHOP);
    await runJobs(database);
    const mine = await call(loader, await adminRequest("/app/recommendations"));
    expect(mine.usingDefaults).toBe(true);
    // The only product tagged for under-eye is a draft: nothing a shopper can buy covers any concern.
    expect(mine.uncovered).toEqual(["redness", "unevenness", "shine", "under_eye"]);
    const theirs = await call(loader, await adminRequest("/app/recommendations", { shop: OTHER_SHOP }));
    expect(theirs.uncovered).toEqual(["unevenness", "under_eye"]);

    const saved = await call(
      action,
      await adminRequest("/app/recommendations", {
        json: { rules: [{ concern: "redness", band: "moderate", matchType: "metafield", matchValue: "skin.concern" }] },
      }),
    );
    expect(saved.status).toBe(400);
    expect((await saved.json()).errors).toEqual({ "rules.0.matchValue": "Write a metafield as namespace.key=value." });
  });
});
