import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { quotaState } from "../../app/billing/quota.server";
import { action } from "../../app/routes/webhooks.app_subscriptions.update";
import { DATABASE_KINDS } from "../support/database";
import { useFakeShopify } from "../support/fake-shopify";
import { useDatabase } from "../support/lifecycle";
import { SHOP, storeOfflineSession, webhookHmac } from "../support/shopify";

/**
 * P20: app_subscriptions/update, signed exactly as Shopify signs a webhook (base64 HMAC-SHA256 of the
 * raw body with the app's secret, and Shopify's delivery headers), keeps the stored plan current so
 * the scan path never asks Shopify. A payload about another shop than the delivery's is refused.
 */
const SHOP_GID = "gid://shopify/Shop/954889";
const GRAPHQL_PATH = "/admin/api/2026-10/graphql.json";
const OLD = "gid://shopify/AppSubscription/1029266947";
const NEW = "gid://shopify/AppSubscription/1029266948";

/** The payload as Shopify documents it for app_subscriptions/update. */
const payload = (over: Partial<Record<string, string>> = {}) => ({
  app_subscription: {
    admin_graphql_api_id: NEW,
    name: "Growth",
    status: "ACTIVE",
    admin_graphql_api_shop_id: SHOP_GID,
    created_at: "2026-11-20T10:00:00-05:00",
    updated_at: "2026-11-20T10:00:05-05:00",
    currency: "USD",
    capped_amount: "0.0",
    plan_handle: "growth",
    price: "49.00",
    interval: "every_30_days",
    ...over,
  },
});

function delivery(body: unknown, options: { shop?: string; secret?: string } = {}): Request {
  const raw = JSON.stringify(body);
  return new Request("https://scanshield.test/webhooks/app_subscriptions/update", {
    method: "POST",
    body: raw,
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "app_subscriptions/update",
      "x-shopify-hmac-sha256": webhookHmac(raw, options.secret),
      "x-shopify-shop-domain": options.shop ?? SHOP,
      "x-shopify-webhook-id": randomUUID(),
      "x-shopify-event-id": randomUUID(),
      "x-shopify-api-version": "2026-10",
      "x-shopify-triggered-at": new Date().toISOString(),
    },
  });
}

const send = async (request: Request) => {
  const response = await action({ request, params: {}, context: {} });
  return { status: response.status, body: response.status === 200 ? null : await response.json() };
};

describe.each(DATABASE_KINDS)("app_subscriptions/update on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const shopify = useFakeShopify();

  const known = (data: Record<string, unknown> = {}) =>
    database.client.shopPlan.create({ data: { shop: SHOP, shopGid: SHOP_GID, ...data } });
  const stored = () => database.client.shopPlan.findUnique({ where: { shop: SHOP } });
  const allowance = async () => (await quotaState(database.client, SHOP, "2026-11")).plan.monthlyScans;

  it("P20: a signed update for the shop's own id sets the plan, and the scan allowance follows without asking Shopify; a redelivery changes nothing", async () => {
    await known();
    expect(await allowance()).toBe(100);

    expect(await send(delivery(payload()))).toEqual({ status: 200, body: null });
    expect(await stored()).toMatchObject({
      subscriptionId: NEW,
      planName: "Growth",
      planHandle: "growth",
      status: "ACTIVE",
      subscriptionUpdatedAt: new Date("2026-11-20T15:00:05Z"),
    });
    expect(await allowance()).toBe(5_000);

    expect((await send(delivery(payload()))).status).toBe(200);
    expect(await stored()).toMatchObject({ subscriptionId: NEW, planName: "Growth", status: "ACTIVE" });
  });

  it("P20: a payload about another shop than the delivery's shop domain is refused with 400 and changes nothing", async () => {
    await known({ subscriptionId: OLD, planName: "Starter", status: "ACTIVE" });
    const replayed = await send(delivery(payload({ admin_graphql_api_shop_id: "gid://shopify/Shop/548380009" })));
    expect(replayed.status).toBe(400);
    expect(replayed.body).toEqual({
      error: { code: "shop_mismatch", message: "The payload is about another shop than the one this delivery is for." },
    });
    expect(await stored()).toMatchObject({ subscriptionId: OLD, planName: "Starter", status: "ACTIVE" });
  });

  it("P20: a wrong signature is 401, a payload that is not an app subscription is 400, and neither writes anything", async () => {
    await known();
    const forged = await send(delivery(payload(), { secret: "not-the-app-secret" }));
    expect(forged.status).toBe(401);
    const garbled = await send(delivery({ app_subscription: { name: "Growth" } }));
    expect(garbled).toMatchObject({ status: 400, body: { error: { code: "invalid_payload" } } });
    expect(await stored()).toMatchObject({ subscriptionId: null, planName: null, status: null });
  });

  it("P20: a shop whose id is not stored yet: the id is read from Shopify once with the offline session, then the payload must match it", async () => {
    await storeOfflineSession(database.client, SHOP);
    const asked: string[] = [];
    shopify
      .agent()
      .get(`https://${SHOP}`)
      .intercept({ path: GRAPHQL_PATH, method: "POST" })
      .reply((request) => {
        asked.push(JSON.parse(String(request.body)).query);
        return {
          statusCode: 200,
          data: JSON.stringify({ data: { shop: { id: SHOP_GID, plan: { partnerDevelopment: false } } } }),
          responseOptions: { headers: { "content-type": "application/json" } },
        };
      });

    const other = await send(delivery(payload({ admin_graphql_api_shop_id: "gid://shopify/Shop/548380009" })));
    expect(other.status).toBe(400);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("partnerDevelopment");
    // The shop's id is now known: no second question to Shopify.
    expect(await send(delivery(payload()))).toEqual({ status: 200, body: null });
    expect(asked).toHaveLength(1);
    expect(await stored()).toMatchObject({ shopGid: SHOP_GID, planName: "Growth", status: "ACTIVE" });
  });

  it("P20: an update for a shop with no offline session (not installed) is acknowledged and stores nothing", async () => {
    expect(await send(delivery(payload()))).toEqual({ status: 200, body: null });
    expect(await stored()).toBeNull();
  });

  it("P20: out of order: the old plan's cancellation after an upgrade keeps the upgrade; an older change never wins; cancelling the current plan returns to the free allowance", async () => {
    await known({
      subscriptionId: OLD,
      planName: "Starter",
      status: "ACTIVE",
      subscriptionUpdatedAt: new Date("2026-11-01T00:00:00Z"),
    });
    // The upgrade to Growth arrives, then the replaced Starter's cancellation.
    expect((await send(delivery(payload()))).status).toBe(200);
    const cancelledOld = payload({
      admin_graphql_api_id: OLD,
      name: "Starter",
      status: "CANCELLED",
      plan_handle: "starter",
      updated_at: "2026-11-20T10:00:06-05:00",
    });
    expect((await send(delivery(cancelledOld))).status).toBe(200);
    expect(await stored()).toMatchObject({ subscriptionId: NEW, planName: "Growth", status: "ACTIVE" });
    expect(await allowance()).toBe(5_000);

    // A delayed, older activation of Starter does not undo the upgrade.
    const olderStarter = payload({
      admin_graphql_api_id: OLD,
      name: "Starter",
      plan_handle: "starter",
      updated_at: "2026-11-10T00:00:00Z",
    });
    expect((await send(delivery(olderStarter))).status).toBe(200);
    expect(await stored()).toMatchObject({ subscriptionId: NEW, planName: "Growth" });

    // The merchant cancels Growth: the free allowance applies again.
    expect((await send(delivery(payload({ status: "CANCELLED", updated_at: "2026-11-25T00:00:00Z" })))).status).toBe(
      200,
    );
    expect(await stored()).toMatchObject({ subscriptionId: NEW, status: "CANCELLED" });
    expect(await allowance()).toBe(100);
  });
});
