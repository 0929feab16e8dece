import { createRequestHandler } from "@remix-run/express";
import express from "express";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { type Browser, type Page } from "playwright-core";
import { getGlobalDispatcher, MockAgent, setGlobalDispatcher } from "undici";
import { AXE_SOURCE, launchChromium } from "../support/chromium";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageMonth } from "../../app/billing/plans";
import { appKeyring } from "../../app/crypto/keyring.server";
import { fileRequest } from "../../app/rights/rights.server";
import { API_KEY } from "../support/admin";
import { useDatabase } from "../support/lifecycle";
import { seedRefusedScan, seedShop, seedSubject } from "../support/seed";
import { SHOP, storeOfflineSession, TEST_SECRET } from "../support/shopify";

/**
 * The admin pages in real Chromium: the production build (npm run build) served in-process on
 * 127.0.0.1, a page load with a session token as the Shopify admin makes it, and App Bridge's
 * script answered by a stand-in (the browser has no internet) that, like App Bridge, exposes
 * `window.shopify` and adds the session token to the app's own fetches. axe-core must find no
 * violation; screenshots go to test-artifacts/admin/.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const BUILD = join(ROOT, "build");
const ARTIFACTS = join(ROOT, "test-artifacts", "admin");
const keyring = appKeyring();

function appBridgeStandIn(token: string): string {
  return `
    window.__toasts = [];
    // App Bridge moves <ui-nav-menu> into the admin's own navigation; it is never shown in the iframe.
    customElements.define("ui-nav-menu", class extends HTMLElement {
      connectedCallback() { this.hidden = true; }
    });
    window.shopify = {
      config: { apiKey: ${JSON.stringify(API_KEY)}, shop: ${JSON.stringify(SHOP)} },
      toast: { show: (message, options) => window.__toasts.push({ message, isError: !!(options && options.isError) }) },
      idToken: async () => ${JSON.stringify(token)},
      loading: () => undefined,
    };
    const original = window.fetch.bind(window);
    window.fetch = (input, init = {}) => {
      const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url, location.href);
      if (url.origin !== location.origin) return original(input, init);
      const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
      headers.set("Authorization", "Bearer " + ${JSON.stringify(token)});
      return original(input, { ...init, headers });
    };`;
}

/** The page's Largest Contentful Paint so far, in ms from navigation start. */
const largestContentfulPaint = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list) => resolve(list.getEntries().at(-1)?.startTime ?? -1)).observe({
          type: "largest-contentful-paint",
          buffered: true,
        });
      }),
  );

describe("admin pages in Chromium", () => {
  // The build is a separate module graph with its own database handle: it opens the test's file
  // itself (DATABASE_URL), and the test reads and writes the same file through its own connection.
  const database = useDatabase("sqlite");
  let server: Server | undefined;
  let browser: Browser | undefined;
  let base = "";

  beforeAll(async () => {
    if (!existsSync(join(BUILD, "server", "index.js"))) throw new Error("No build: run `npm run build` first.");
    process.env.DATABASE_URL = database.url;
    globalThis.__scanshieldDb = undefined;
    const build = await import(/* @vite-ignore */ pathToFileURL(join(BUILD, "server", "index.js")).href);
    const app = express();
    app.use(express.static(join(BUILD, "client"), { index: false }));
    app.all("*", createRequestHandler({ build, mode: "production" }));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await (await globalThis.__scanshieldDb)?.close();
  });

  async function seed() {
    await storeOfflineSession(database.client, SHOP);
    const notice = await seedShop(database.client, SHOP);
    for (let i = 0; i < 4; i++) {
      await seedSubject(database.client, keyring, {
        shop: SHOP,
        noticeId: notice.id,
        customerId: String(7400 + i),
        scans: 2,
        createdAt: new Date(Date.now() - i * 86_400_000),
      });
    }
    await fileRequest(
      database.client,
      keyring,
      { shop: SHOP, customerId: "7401" },
      {
        type: "grievance",
        message: "Please explain my result.",
      },
    );
    await fileRequest(database.client, keyring, { shop: SHOP, customerId: "7402" }, { type: "access", message: "" });
  }

  async function open(path: string): Promise<Page> {
    if (!browser) throw new Error("Chromium did not start.");
    const { token } = await getJwt(SHOP.replace(".myshopify.com", ""), API_KEY, TEST_SECRET);
    // authenticate.admin answers bots (HeadlessChrome's user agent is one) with 410 Gone.
    const page = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36",
    });
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("https://cdn.shopify.com/shopifycloud/app-bridge.js")) {
        return route.fulfill({ contentType: "text/javascript", body: appBridgeStandIn(token) });
      }
      // Nothing leaves 127.0.0.1 (fonts and illustrations on Shopify's CDN are simply missing).
      return url.startsWith(base) ? route.continue() : route.abort();
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    const params = new URLSearchParams({
      embedded: "1",
      shop: SHOP,
      host: Buffer.from(`admin.shopify.com/store/${SHOP.replace(".myshopify.com", "")}`).toString("base64"),
      id_token: token,
    });
    const response = await page.goto(`${base}${path}?${params}`, { waitUntil: "networkidle" });
    expect(response?.status()).toBe(200);
    expect(errors).toEqual([]);
    return page;
  }

  async function check(page: Page, name: string) {
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.addScriptTag({ content: AXE_SOURCE });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (c: Document) => Promise<{ violations: unknown[] }> } }).axe;
      const result = await axe.run(document);
      return result.violations.map((v) => {
        const x = v as { id: string; nodes: { target: unknown }[] };
        return { id: x.id, targets: x.nodes.map((n) => n.target) };
      });
    });
    expect(violations, `axe-core on ${name}`).toEqual([]);
  }

  it("the dashboard renders its figures, passes axe-core, and its Largest Contentful Paint is recorded", async () => {
    await seed();
    const page = await open("/app");
    await page.getByRole("heading", { name: "Dashboard" }).first().waitFor();
    await expect.poll(() => page.getByText("Scans per day").count()).toBeGreaterThan(0);
    const lcp = await largestContentfulPaint(page);
    await check(page, "dashboard");
    // The same page again with the browser's cache warm (a merchant's second visit).
    await page.reload({ waitUntil: "networkidle" });
    await page.getByRole("heading", { name: "Dashboard" }).first().waitFor();
    const warm = await largestContentfulPaint(page);
    // Recorded for the report, not asserted: a timing on a shared machine is not a test.
    writeFileSync(
      join(ARTIFACTS, "dashboard-lcp.json"),
      JSON.stringify({ coldMs: Math.round(lcp), warmMs: Math.round(warm) }) + "\n",
    );
    await page.close();
  });

  it("the setup checklist and insights render from real state, pass axe-core, and the checklist folds when complete", async () => {
    await seed();
    // Twelve more shoppers today with a measured result, two refusals each for dim light, and widget events.
    const notice = await database.client.noticeVersion.findFirstOrThrow({ where: { shop: SHOP } });
    for (let i = 0; i < 12; i++) {
      const s = await seedSubject(database.client, keyring, {
        shop: SHOP,
        noticeId: notice.id,
        anonymousId: `ui-${i}`,
      });
      for (let k = 0; k < 2; k++) {
        await seedRefusedScan(database.client, {
          shop: SHOP,
          subjectId: s.subjectId,
          consentId: s.consentId,
          reasons: ["too_dark"],
        });
      }
    }
    const day = new Date().toISOString().slice(0, 10);
    for (const [event, count] of [
      ["widget_opened", 60],
      ["product_viewed", 14],
      ["added_to_cart", 4],
    ] as const) {
      await database.client.storefrontEventDay.create({ data: { shop: SHOP, day, event, count } });
    }
    const page = await open("/app");
    await page.getByRole("heading", { name: "Set up ScanShield" }).waitFor();
    await expect.poll(() => page.getByText("1 of 5 steps done").count()).toBe(1);
    await page.getByText("From widget to cart").first().waitFor();
    await expect.poll(() => page.getByText("Added to cart: not enough data yet").count()).toBe(1);
    await expect.poll(() => page.getByText(/suggest daylight/).count()).toBe(1);
    await check(page, "dashboard-checklist-insights");

    // Keeping the shipped notice ticks that step without leaving the page.
    await page.getByRole("button", { name: "Keep the shipped text" }).click();
    await expect.poll(() => page.getByText("2 of 5 steps done").count()).toBe(1);

    // Every step done: the list folds to one line, and opens again on request.
    await database.client.shopOnboarding.update({
      where: { shop: SHOP },
      data: { storefrontSeenAt: new Date(), providerChosenAt: new Date(), rulesChosenAt: new Date() },
    });
    await page.reload({ waitUntil: "networkidle" });
    await page.getByRole("heading", { name: "Setup complete" }).waitFor();
    const show = page.getByRole("button", { name: "Show steps" });
    expect(await show.getAttribute("aria-expanded")).toBe("false");
    await check(page, "dashboard-checklist-complete");
    await show.click();
    await expect
      .poll(() => page.getByRole("button", { name: "Hide steps" }).getAttribute("aria-expanded"))
      .toBe("true");
    await page.close();
  });

  it("the rights inbox lists open requests with due dates and passes axe-core", async () => {
    await seed();
    const page = await open("/app/requests");
    await page.getByRole("link", { name: "Grievance" }).waitFor();
    await check(page, "rights-inbox");
    await page.close();
  });

  it.each([
    ["consent notice", "/app/notice", "Version history", "consent-notice"],
    ["proof of consent", "/app/consents", "4 records", "proof-of-consent"],
    ["recommendations", "/app/recommendations", "Coverage", "recommendations"],
  ])("the %s page renders and passes axe-core", async (_name, path, marker, shot) => {
    await seed();
    const page = await open(path);
    await page
      .getByText(marker)
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(async (error) => {
        await page.screenshot({ path: join(ARTIFACTS, `${shot}-failed.png`), fullPage: true });
        throw error;
      });
    await check(page, shot);
    await page.close();
  });

  it("one rights request renders with the person's data and passes axe-core", async () => {
    await seed();
    const request = await database.client.privacyRequest.findFirstOrThrow({ where: { type: "grievance" } });
    const page = await open(`/app/requests/${request.id}`);
    await page.getByText("Please explain my result.").waitFor();
    await check(page, "rights-request");
    await page.close();
  });

  it("settings show a field error for a bad value, then a toast on save, and pass axe-core", async () => {
    await seed();
    const page = await open("/app/settings");
    const age = page.getByLabel("Minimum age");
    await age.fill("16");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Minimum age must be at least 18.").waitFor();
    await check(page, "settings-field-error");
    expect((await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } })).minimumAge).toBe(18);
    await age.fill("21");
    await page.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __toasts: { message: string }[] }).__toasts))
      .toEqual([{ message: "Settings saved", isError: false }]);
    expect((await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } })).minimumAge).toBe(21);
    await page.close();
  });
  it("P20: the Plan page shows the plan from Shopify's billing check, this month's scans with a progress bar and the 80 % banner (also on the dashboard), and passes axe-core", async () => {
    await seed();
    await database.client.scanUsage.create({ data: { shop: SHOP, month: usageMonth(new Date()), scans: 850 } });
    // The Admin GraphQL API answers in its real shapes (the page's server runs in this process).
    const previous = getGlobalDispatcher();
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent.enableNetConnect(/^127\.0\.0\.1/);
    setGlobalDispatcher(agent);
    agent
      .get(`https://${SHOP}`)
      .intercept({ path: "/admin/api/2026-10/graphql.json", method: "POST" })
      .reply((request) => {
        const billing = String(request.body).includes("currentAppInstallation");
        const answer = billing
          ? {
              currentAppInstallation: {
                activeSubscriptions: [
                  {
                    id: "gid://shopify/AppSubscription/1029266947",
                    name: "Starter",
                    test: false,
                    status: "ACTIVE",
                    trialDays: 0,
                    createdAt: "2026-11-01T10:00:00Z",
                    currentPeriodEnd: "2026-12-01T10:00:00Z",
                    returnUrl: "https://admin.shopify.com/store/lotus-skin/apps/scanshield",
                    lineItems: [],
                  },
                ],
                oneTimePurchases: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
              },
            }
          : { shop: { id: "gid://shopify/Shop/954889", plan: { partnerDevelopment: false } } };
        return {
          statusCode: 200,
          data: JSON.stringify({ data: answer }),
          responseOptions: { headers: { "content-type": "application/json" } },
        };
      })
      .persist();
    try {
      const page = await open("/app/plan");
      await page.getByRole("heading", { name: "Starter" }).waitFor();
      await page.getByText("850 of 1,000 scans used this month").waitFor();
      await page.getByText("85 % of this month's scans are used").waitFor();
      expect(await page.getByRole("progressbar").count()).toBe(1);
      const change = page.getByRole("link", { name: "Change plan" }).first();
      expect(await change.getAttribute("href")).toBe(
        "https://admin.shopify.com/store/lotus-skin/charges/scanshield/pricing_plans",
      );
      await check(page, "plan");
      await page.close();

      const home = await open("/app");
      await home.getByText("85 % of this month's scans are used").waitFor();
      await check(home, "dashboard-plan-banner");
      await home.close();
    } finally {
      setGlobalDispatcher(previous);
      await agent.close();
    }
  });
});
