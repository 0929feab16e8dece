import { describe, expect, it } from "vitest";
import { planReaders, planSummary } from "../../app/billing/plan.server";
import { usageMonth } from "../../app/billing/plans";
import { loader as home } from "../../app/routes/app._index";
import { loader as planPage } from "../../app/routes/app.plan";
import { authenticate } from "../../app/shopify.server";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useFakeShopify } from "../support/fake-shopify";
import { useDatabase } from "../support/lifecycle";
import { SHOP, storeOfflineSession } from "../support/shopify";

/**
 * P20: the Plan page reads the shop's plan with the library's billing check, through the Admin
 * GraphQL API faked at the network edge with the answers' real shapes:
 * `currentAppInstallation { activeSubscriptions, oneTimePurchases(first: 250, after) { edges, pageInfo } }`.
 */
const GRAPHQL_PATH = "/admin/api/2026-10/graphql.json";
const SHOP_GID = "gid://shopify/Shop/954889";
const CURSOR = "eyJsYXN0X2lkIjoxMDE3MjYyMzQ2LCJsYXN0X3ZhbHVlIjoiMjAyNi0xMS0wMSJ9";

const subscription = (name: string, options: { test?: boolean; status?: string; price?: string } = {}) => ({
  id: "gid://shopify/AppSubscription/1029266947",
  name,
  test: options.test ?? false,
  status: options.status ?? "ACTIVE",
  trialDays: 0,
  createdAt: "2026-11-01T10:00:00Z",
  currentPeriodEnd: "2026-12-01T10:00:00Z",
  returnUrl: "https://admin.shopify.com/store/lotus-skin/apps/scanshield",
  lineItems: [
    {
      id: "gid://shopify/AppSubscriptionLineItem/1029266947?v=1&index=0",
      plan: {
        pricingDetails: {
          price: { amount: options.price ?? "49.0", currencyCode: "USD" },
          interval: "EVERY_30_DAYS",
          discount: null,
        },
      },
    },
  ],
});

const shopFacts = (partnerDevelopment: boolean) => ({
  data: { shop: { id: SHOP_GID, plan: { partnerDevelopment } } },
  extensions: { cost: { requestedQueryCost: 2, actualQueryCost: 2 } },
});

/** The billing check's query, one page of one-time purchases at a time. */
const installation = (activeSubscriptions: unknown[], page: 1 | 2) => ({
  data: {
    currentAppInstallation: {
      activeSubscriptions,
      oneTimePurchases:
        page === 1
          ? {
              edges: [
                {
                  node: {
                    id: "gid://shopify/AppPurchaseOneTime/1017262346",
                    name: "Setup",
                    test: false,
                    status: "ACTIVE",
                  },
                },
              ],
              pageInfo: { hasNextPage: true, endCursor: CURSOR },
            }
          : { edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
    },
  },
  extensions: { cost: { requestedQueryCost: 13, actualQueryCost: 4 } },
});

interface Asked {
  query: "shop" | "billing";
  variables: Record<string, unknown>;
  token: string | undefined;
}

describe.each(DATABASE_KINDS)("the Plan page and Shopify's billing check on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const shopify = useFakeShopify();

  /** Shopify's Admin GraphQL for the shop: the shop's facts, and the billing check's pages. */
  function shopifyAnswers(options: { development?: boolean; subscriptions: unknown[] }): Asked[] {
    const asked: Asked[] = [];
    shopify
      .agent()
      .get(`https://${SHOP}`)
      .intercept({ path: GRAPHQL_PATH, method: "POST" })
      .reply((request) => {
        const body = JSON.parse(String(request.body)) as { query: string; variables?: Record<string, unknown> };
        const headers = request.headers as Record<string, string>;
        const variables = body.variables ?? {};
        const billing = body.query.includes("currentAppInstallation");
        asked.push({
          query: billing ? "billing" : "shop",
          variables,
          token: headers["X-Shopify-Access-Token"] ?? headers["x-shopify-access-token"],
        });
        const answer = billing
          ? installation(options.subscriptions, variables.endCursor ? 2 : 1)
          : shopFacts(options.development ?? false);
        return {
          statusCode: 200,
          data: JSON.stringify(answer),
          responseOptions: { headers: { "content-type": "application/json" } },
        };
      })
      .persist();
    return asked;
  }

  const used = (scans: number) =>
    database.client.scanUsage.create({ data: { shop: SHOP, month: usageMonth(new Date()), scans } });

  it("P20: reads the active plan with billing.check (activeSubscriptions; oneTimePurchases followed by pageInfo) and shows the allowance, this month's usage and Shopify's plan page", async () => {
    await storeOfflineSession(database.client, SHOP);
    await used(4_100);
    const asked = shopifyAnswers({ subscriptions: [subscription("Growth")] });

    const page = await call(planPage, await adminRequest("/app/plan"));

    expect(asked.map((a) => a.query)).toEqual(["shop", "billing", "billing"]);
    expect(asked.map((a) => a.variables.endCursor ?? null)).toEqual([null, null, CURSOR]);
    expect(asked.every((a) => a.token === "shpat_test_token")).toBe(true);
    expect(page).toMatchObject({
      plan: { name: "Growth", handle: "growth", monthlyScans: 5_000, source: "subscription" },
      used: 4_100,
      share: 0.82,
      level: "nearing",
      planPageUrl: "https://admin.shopify.com/store/lotus-skin/charges/scanshield/pricing_plans",
      developmentStore: false,
      subscriptionStatus: "ACTIVE",
      shopifyUnavailable: false,
    });
    // Stored for the scan path and the webhook, which never ask Shopify.
    expect(await database.client.shopPlan.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({
      shopGid: SHOP_GID,
      developmentStore: false,
      subscriptionId: "gid://shopify/AppSubscription/1029266947",
      planName: "Growth",
      status: "ACTIVE",
    });
  });

  it("P20: no active subscription is the free plan", async () => {
    await storeOfflineSession(database.client, SHOP);
    shopifyAnswers({ subscriptions: [] });
    expect(await call(planPage, await adminRequest("/app/plan"))).toMatchObject({
      plan: { name: "Free", monthlyScans: 100, source: "free" },
      used: 0,
      level: "ok",
    });
  });

  it("P20: a development store with no plan is free, with the development allowance", async () => {
    await storeOfflineSession(database.client, SHOP);
    shopifyAnswers({ development: true, subscriptions: [] });
    expect(await call(planPage, await adminRequest("/app/plan"))).toMatchObject({
      plan: { name: "Development store", monthlyScans: 500, source: "development" },
      developmentStore: true,
    });
  });

  it("P20: isTest is true on development stores and outside production, false for a real store in production (its test charges do not count)", async () => {
    await storeOfflineSession(database.client, SHOP);
    const testStarter = [subscription("Starter", { test: true })];
    /** The library's own billing.check and Admin client from a real admin request, isTest recorded. */
    const readers = async (production: boolean) => {
      const { admin, billing } = await authenticate.admin(await adminRequest("/app/plan"));
      const isTest: boolean[] = [];
      const recorded = {
        check: (options: { isTest: boolean }) => (isTest.push(options.isTest), billing.check(options)),
      };
      return { readers: { ...planReaders(admin, recorded), production }, isTest };
    };

    // This test run is not production: test charges count (as in `shopify app dev`).
    shopifyAnswers({ subscriptions: testStarter });
    const dev = await readers(false);
    expect((await planSummary(database.client, SHOP, { refresh: dev.readers })).plan.name).toBe("Starter");
    expect(dev.isTest).toEqual([true]);

    // Production, a real store: the library leaves the test subscription out.
    const real = await readers(true);
    expect((await planSummary(database.client, SHOP, { refresh: real.readers })).plan).toMatchObject({
      name: "Free",
      monthlyScans: 100,
    });
    expect(real.isTest).toEqual([false]);
  });

  it("P20: isTest in production on a development store: its test plan counts", async () => {
    await storeOfflineSession(database.client, SHOP);
    shopifyAnswers({ development: true, subscriptions: [subscription("Scale", { test: true })] });
    const { admin, billing } = await authenticate.admin(await adminRequest("/app/plan"));
    const isTest: boolean[] = [];
    const recorded = { check: (options: { isTest: boolean }) => (isTest.push(options.isTest), billing.check(options)) };
    const summary = await planSummary(database.client, SHOP, {
      refresh: { ...planReaders(admin, recorded), production: true },
    });
    expect(isTest).toEqual([true]);
    expect(summary).toMatchObject({ plan: { name: "Scale", monthlyScans: 25_000 }, developmentStore: true });
  });

  it("P20: when Shopify cannot be reached the Plan page still answers, with the plan as last stored, and says so", async () => {
    await storeOfflineSession(database.client, SHOP);
    const checkedAt = new Date("2026-11-20T08:00:00Z");
    await database.client.shopPlan.create({
      data: { shop: SHOP, shopGid: SHOP_GID, planName: "Starter", status: "ACTIVE", checkedAt },
    });
    await used(990);
    // No answer is set up: the Admin API request fails at the network edge.
    const page = await call(planPage, await adminRequest("/app/plan"));
    expect(page).toMatchObject({
      plan: { name: "Starter", monthlyScans: 1_000 },
      used: 990,
      level: "nearing",
      shopifyUnavailable: true,
      checkedAt: checkedAt.toISOString(),
    });
  });

  it("P20: a paid plan Shopify's subscription update reported but no billing check confirmed: the page names the plan the quota enforces, not the free allowance", async () => {
    await storeOfflineSession(database.client, SHOP);
    const updatedAt = new Date("2026-11-21T09:30:00Z");
    await database.client.shopPlan.create({
      data: { shop: SHOP, shopGid: SHOP_GID, planName: "Starter", status: "ACTIVE", subscriptionUpdatedAt: updatedAt },
    });
    await used(10);
    // Shopify cannot be asked now, and never was: the plan comes from app_subscriptions/update alone.
    const page = await call(planPage, await adminRequest("/app/plan"));
    expect(page).toMatchObject({
      plan: { name: "Starter", monthlyScans: 1_000 },
      shopifyUnavailable: true,
      checkedAt: null,
    });
    expect(page.unavailableNote).toBe(
      "This is your plan as Shopify last reported it (21 November 2026): scans count against its allowance (1,000 scans a month).",
    );
    expect(page.unavailableNote).not.toMatch(/free/i);
  });

  it("P20: with nothing ever reported and Shopify unreachable, the page names the free plan's allowance, which is what the quota enforces", async () => {
    await storeOfflineSession(database.client, SHOP);
    const page = await call(planPage, await adminRequest("/app/plan"));
    expect(page).toMatchObject({ plan: { name: "Free", monthlyScans: 100 }, shopifyUnavailable: true });
    expect(page.unavailableNote).toBe(
      "Until Shopify answers, scans count against the Free plan's allowance (100 scans a month).",
    );
  });

  it("P20: the admin home carries this month's usage for its banner from the stored plan, without calling Shopify", async () => {
    await storeOfflineSession(database.client, SHOP);
    await database.client.shopPlan.create({
      data: { shop: SHOP, shopGid: SHOP_GID, planName: "Starter", status: "ACTIVE" },
    });
    await used(1_000);
    // Any call to Shopify would fail here: nothing answers.
    const dashboard = await call(home, await adminRequest("/app"));
    expect(dashboard.quota).toMatchObject({
      plan: { name: "Starter", monthlyScans: 1_000 },
      used: 1_000,
      level: "reached",
      shopifyUnavailable: false,
    });
  });
});
