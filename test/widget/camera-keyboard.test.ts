import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkStep,
  eventually,
  focused,
  newShopper,
  proofHeaders,
  proxyApi,
  selfieVideo,
  shown,
  startStack,
  text,
  widgetState,
  type Stack,
  tabTo,
  agreeByKeyboard,
} from "./harness";

/** How many camera tracks the page has live (Chromium's fake camera, counted from inside the page). */
const liveTracks = (page: Page) =>
  page.evaluate(() => {
    const video = document.querySelector("skin-scan video") as HTMLVideoElement | null;
    const stream = video?.srcObject as MediaStream | null;
    return stream ? stream.getTracks().filter((t) => t.readyState === "live").length : 0;
  });

/**
 * The camera path and the keyboard: Chromium's fake camera plays a face photo; the shopper uses only the
 * keyboard from the first Tab to the results; the camera stops the moment the photo is taken. Also the
 * Hindi storefront and the Customer Privacy API gate on analytics.
 */
describe("storefront widget: camera, keyboard, Hindi (Chromium)", () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-video-"));
    stack = await startStack({ fakeVideo: await selfieVideo(dir) });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keyboard only: camera capture to results, focus moving to each step, the camera stopped once the photo is taken", async () => {
    const page = await newShopper(stack, { reducedMotion: true });
    await page.goto(stack.storeUrl);
    const widget = page.locator("skin-scan");
    await shown(widget.getByRole("button", { name: "Start skin scan" }));

    await tabTo(page, 'skin-scan [data-go="notice"]');
    await page.keyboard.press("Enter");
    await eventually(() => focused(widget.getByRole("heading", { name: "Before you start", exact: true }))).toBe(true);
    await eventually(() => widget.locator("[data-purposes] input").count()).toBeGreaterThan(0);

    await agreeByKeyboard(page, widget);

    await tabTo(page, 'skin-scan [data-act="camera"]');
    await page.keyboard.press("Enter");
    await eventually(() => focused(widget.getByRole("button", { name: "Take photo" }))).toBe(true);
    expect(await liveTracks(page)).toBe(1);
    // The camera view is skin-scan-camera.js, loaded on first use, inside the capture step.
    expect(await widget.locator("[data-step='capture'] [data-camera-host] video").count()).toBe(1);
    await checkStep(page, "camera-01-live");

    // Escape stops the camera and gives focus back to the button that started it.
    await page.keyboard.press("Escape");
    expect(await liveTracks(page)).toBe(0);
    await eventually(() => focused(widget.getByRole("button", { name: "Use my camera" }))).toBe(true);
    await page.keyboard.press("Enter");
    await eventually(() => focused(widget.getByRole("button", { name: "Take photo" }))).toBe(true);
    const track = await page.evaluateHandle(
      () => ((document.querySelector("skin-scan video") as HTMLVideoElement).srcObject as MediaStream).getTracks()[0],
    );
    await page.keyboard.press("Enter");
    await eventually(() => track.evaluate((t) => (t as MediaStreamTrack).readyState)).toBe("ended");

    await eventually(() => focused(widget.getByRole("heading", { name: "Your results", exact: true }))).toBe(true);
    await eventually(() => text(widget.locator("[data-tone]"))).toMatch(/^Skin-tone group: /);
    await checkStep(page, "camera-02-results");

    // The questionnaire by keyboard: arrow keys move within a radio group.
    await tabTo(page, 'skin-scan input[name="burn"]');
    await page.keyboard.press("Space");
    await tabTo(page, 'skin-scan input[name="tan"]');
    await page.keyboard.press("ArrowDown");
    await tabTo(page, 'skin-scan [data-form="fitz"] button');
    await page.keyboard.press("Enter");
    await eventually(() => text(widget.locator("[data-fitz-answer]"))).toBe("Your answers suggest Fitzpatrick type I.");

    const state = await widgetState(page);
    const scan = await proxyApi(stack, `/scans/${state.scanId}`, { headers: proofHeaders(state) });
    expect(scan.body).toMatchObject({ status: "accepted", image: { kept: false } });
    await page.context().close();
  }, 120_000);

  it("a Hindi storefront shows the block, the notice and its messages in Hindi; the notice language can be switched", async () => {
    const page = await newShopper(stack);
    await page.goto(`${stack.storeUrl}/?locale=hi`);
    const widget = page.locator("skin-scan");
    await shown(widget.getByRole("button", { name: "स्किन स्कैन शुरू करें" }));
    await checkStep(page, "hindi-01-start");
    await widget.getByRole("button", { name: "स्किन स्कैन शुरू करें" }).click();
    await eventually(() => widget.locator("[data-notice]").getAttribute("lang")).toBe("hi");
    await eventually(() => text(widget.locator("[data-notice] h4").first())).toMatch(/[\u0900-\u097F]/);
    await checkStep(page, "hindi-02-notice");
    await widget.getByLabel("हाँ, मेरी आयु 18 वर्ष या उससे अधिक है").check();
    await widget.getByRole("button", { name: "सहमत हूँ, आगे बढ़ें" }).click();
    await eventually(() => text(widget.getByRole("alert").first())).toBe(
      "स्किन स्कैन के लिए आपकी फ़ोटो के विश्लेषण की सहमति ज़रूरी है।",
    );

    // The notice language can be switched; the consent records the language shown.
    await widget.getByLabel("सूचना की भाषा").selectOption("en");
    await eventually(() => widget.locator("[data-notice]").getAttribute("lang")).toBe("en");
    await checkStep(page, "hindi-03-english-notice");
    await page.context().close();
  }, 60_000);

  it("analytics events follow Shopify's Customer Privacy API: none without the visitor's yes", async () => {
    const events = async (allowed: boolean) => {
      const page = await newShopper(stack);
      await page
        .context()
        .addCookies([{ name: "preview_analytics", value: allowed ? "yes" : "no", url: stack.storeUrl }]);
      await page.goto(stack.storeUrl);
      const widget = page.locator("skin-scan");
      await widget.getByRole("button", { name: "Suggest products without a photo" }).click();
      await widget.getByLabel("Shine").check();
      await widget.getByRole("button", { name: "Show suggestions" }).click();
      await eventually(() => widget.locator("[data-step='quiz'] [data-products] li").count()).toBeGreaterThan(0);
      const published = await page.evaluate(() => (window as unknown as { previewEvents?: string[] }).previewEvents);
      await page.context().close();
      return published ?? [];
    };
    expect(await events(false)).toEqual([]);
    expect(await events(true)).toEqual(["scanshield_quiz"]);
  }, 60_000);
});
