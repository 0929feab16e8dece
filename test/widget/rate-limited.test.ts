import type { Locator } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { openDatabase } from "../../app/db/client.server";
import { SHOP } from "../support/shopify";
import {
  agreeToScan,
  checkStep,
  eventually,
  newShopper,
  shown,
  type Stack,
  startStack,
  statusOf,
  text,
} from "./harness";

/**
 * P15 in the widget: a shopper who meets a rate limit reads how long to wait in minutes or hours
 * (rounded up), from the app's Retry-After, never a count of seconds.
 */
describe("storefront widget: a rate limit (Chromium)", () => {
  let stack: Stack;
  const databaseUrl = () => `file:${stack.dir}/app.db`;

  beforeAll(async () => {
    stack = await startStack();
    // Two consents an hour from one network (2 × scansPerNetworkPerHour): the preview and Chromium are all 127.0.0.1.
    const db = await openDatabase(databaseUrl());
    try {
      await db.client.shop.upsert({
        where: { shop: SHOP },
        create: { shop: SHOP, scansPerNetworkPerHour: 1 },
        update: { scansPerNetworkPerHour: 1 },
      });
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** A new shopper agrees to the notice; answers the status line once the widget is done. */
  async function agree(): Promise<{ widget: Locator; status: () => Promise<string>; close: () => Promise<void> }> {
    const page = await newShopper(stack);
    await page.goto(stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    return {
      widget,
      status: () => text(statusOf(page)),
      close: async () => {
        await checkStep(page, "rate-limited-01-wait");
        await page.context().close();
      },
    };
  }

  it("P15: the wait is said in hours or minutes, rounded up", async () => {
    for (let i = 0; i < 2; i++) {
      const { widget, close } = await agree();
      await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
      await close();
    }
    // The third consent from this network within the hour: about 3600 s to wait.
    const third = await agree();
    await eventually(third.status).toBe("Too many attempts. Please try again in 1 hour.");
    await third.close();

    // The same count with 25 minutes (less a few seconds) left of its window: "25 minutes", not 1,500 seconds.
    const db = await openDatabase(databaseUrl());
    try {
      await db.client.$executeRawUnsafe(
        `UPDATE rate_limits SET expire = ? WHERE key LIKE 'consent_network%'`,
        Date.now() + 25 * 60_000 - 5_000,
      );
    } finally {
      await db.close();
    }
    const fourth = await agree();
    await eventually(fourth.status).toBe("Too many attempts. Please try again in 25 minutes.");
    await fourth.close();
  }, 120_000);
});
