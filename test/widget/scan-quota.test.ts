import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FREE_PLAN, usageMonth } from "../../app/billing/plans";
import { SHOP } from "../support/shopify";
import {
  agreeToScan,
  checkStep,
  eventually,
  newShopper,
  selfie,
  shown,
  type Stack,
  startStack,
  statusOf,
  text,
} from "./harness";

/**
 * P20 in the widget: the shop has used this month's scans, so the shopper is told in plain words that
 * scans are paused and that nothing they gave is lost (the server's 402 scan_quota_reached), and the
 * rights stay one click away.
 */
describe("storefront widget: scans paused at the shop's allowance (Chromium)", () => {
  let stack: Stack;
  let photo: Buffer;
  beforeAll(async () => {
    [stack, photo] = await Promise.all([startStack(), selfie()]);
    const db = new Database(join(stack.dir, "app.db"));
    try {
      db.prepare(`INSERT INTO "ScanUsage" ("id", "shop", "month", "scans") VALUES (?, ?, ?, ?)`).run(
        randomUUID(),
        SHOP,
        usageMonth(new Date()),
        FREE_PLAN.monthlyScans,
      );
    } finally {
      db.close();
    }
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("P20: says scans are paused and nothing given is lost, keeps the shopper on the photo step, and the consent stays", async () => {
    const page = await newShopper(stack);
    await page.goto(stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));

    await widget.locator("[data-file]").setInputFiles({ name: "me.jpg", mimeType: "image/jpeg", buffer: photo });
    await eventually(() => text(statusOf(page))).toBe(
      "Skin scans are paused in this store for now. Nothing you gave is lost: you can still read the notice, withdraw consent, and see or erase your data.",
    );
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    await checkStep(page, "scan-quota-01-paused");

    const db = new Database(join(stack.dir, "app.db"), { readonly: true });
    try {
      expect(db.prepare(`SELECT COUNT(*) AS n FROM "ConsentRecord" WHERE "shop" = ?`).get(SHOP)).toEqual({ n: 1 });
      expect(db.prepare(`SELECT COUNT(*) AS n FROM "Scan"`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    await page.context().close();
  }, 90_000);
});
