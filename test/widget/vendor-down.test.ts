import { describe, it } from "vitest";
import { freePort } from "../support/server";
import {
  agreeToScan,
  checkStep,
  eventually,
  newShopper,
  shown,
  stackForFile,
  statusOf,
  text,
  uploadPhoto,
} from "./harness";

/**
 * The analysis API is down (nothing listens at its address): the shopper is told, in plain words, that
 * the analysis is busy and when to try again (the app's 503 and its Retry-After), not "something went wrong".
 */
describe("storefront widget: analysis API down (Chromium)", () => {
  const rig = stackForFile(async () => {
    const closed = await freePort();
    return { appEnv: { ANALYSIS_API_URL: `http://127.0.0.1:${closed}`, ANALYSIS_API_KEY: "test-key" } };
  });

  it("says the analysis is busy and when to try again, and keeps the shopper on the photo step", async () => {
    const page = await newShopper(rig.stack);
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));

    await uploadPhoto(widget, rig.photo);
    await eventually(() => text(statusOf(page))).toBe(
      "The skin analysis is busy right now. Please try again in a moment.",
    );
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    await checkStep(page, "vendor-down-01-busy");
    await page.context().close();
  }, 90_000);
});
