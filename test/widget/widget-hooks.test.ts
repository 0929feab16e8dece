import { describe, expect, it } from "vitest";
import {
  agreeToScan,
  checkStep,
  eventually,
  focused,
  newShopper,
  shown,
  stackForFile,
  statusOf,
  text,
  tabTo,
  agreeByKeyboard,
  uploadToResults,
} from "./harness";

/**
 * The contracts skin-scan.js keeps with its lazy assets (docs/widget.md, "Hooks"), keyboard use of the
 * layered notice and the confirmation dialog, and errors that say what to do (a truncated photo).
 */
const NOTICES_STUB = `window.ScanShieldNotices = {
  async check(root, api) {
    const answer = await api.request("my-data");
    window.noticesCalled = {
      root: root.tagName,
      keys: Object.keys(api).sort(),
      status: answer.status,
      locale: api.locale,
      date: api.formatDate(new Date(Date.UTC(2026, 11, 14, 12))),
      word: api.t("erased"),
    };
  },
};`;

describe("storefront widget: hooks, keyboard, errors that say what to do (Chromium)", () => {
  const rig = stackForFile();

  it("the breach-notice asset loads only for a browser holding a proof, and gets the block's API", async () => {
    const page = await newShopper(rig.stack);
    const loaded: string[] = [];
    await page.route("**/assets/skin-scan-notices.js", async (route) => {
      loaded.push(route.request().url());
      await route.fulfill({ contentType: "text/javascript", body: NOTICES_STUB });
    });
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await shown(widget.getByRole("button", { name: "Start skin scan" }));
    expect(loaded).toEqual([]);

    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    await page.reload();
    await eventually(() =>
      page.evaluate(() => (window as unknown as { noticesCalled?: unknown }).noticesCalled),
    ).toEqual({
      root: "SKIN-SCAN",
      keys: ["announce", "confirm", "formatDate", "locale", "request", "t", "wait"],
      status: 200,
      locale: "en-IN",
      date: "14/12/2026",
      word: "Everything was erased.",
    });
    expect(loaded).toHaveLength(1);
    await page.context().close();
  }, 60_000);

  it("the camera asset is called with the step's container, the words, the locale and the motion preference; cancel returns focus", async () => {
    const page = await newShopper(rig.stack, { reducedMotion: true });
    await page.route("**/assets/skin-scan-camera.js", (route) =>
      route.fulfill({
        contentType: "text/javascript",
        body: `window.ScanShieldCamera = { calls: [], open(container, options) {
          this.calls.push({ inStep: !!container.closest("[data-step='capture']"), t: typeof options.t, locale: options.locale, reducedMotion: options.reducedMotion });
          return Promise.resolve(this.calls.length === 1 ? null : fetch("/test-selfie.jpg").then((r) => r.blob()));
        } };`,
      }),
    );
    await page.route("**/test-selfie.jpg", (route) => route.fulfill({ contentType: "image/jpeg", body: rig.photo }));
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    const camera = widget.getByRole("button", { name: "Use my camera" });
    await camera.click();
    // Cancelled (null): back on the capture step, focus on the button that opened it.
    await eventually(() => focused(camera)).toBe(true);
    await camera.click();
    await shown(widget.getByRole("heading", { name: "Your results", exact: true }), 30_000);
    expect(await widget.locator("[data-photo] img").getAttribute("src")).toMatch(/^blob:/);
    const calls = await page.evaluate(
      () => (window as unknown as { ScanShieldCamera: { calls: unknown[] } }).ScanShieldCamera.calls,
    );
    expect(calls).toEqual([
      { inStep: true, t: "function", locale: "en-IN", reducedMotion: true },
      { inStep: true, t: "function", locale: "en-IN", reducedMotion: true },
    ]);
    await page.context().close();
  }, 60_000);

  it("a camera that cannot start, and a truncated photo, each say what to do instead", async () => {
    const page = await newShopper(rig.stack);
    await page.route("**/assets/skin-scan-camera.js", (route) =>
      route.fulfill({
        contentType: "text/javascript",
        body: `window.ScanShieldCamera = { open: () => Promise.reject(new DOMException("denied", "NotAllowedError")) };`,
      }),
    );
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    await widget.getByRole("button", { name: "Use my camera" }).click();
    await eventually(() => text(statusOf(page))).toBe("The camera is not available. You can upload a photo instead.");
    await eventually(() => focused(widget.locator("[data-file]"))).toBe(true);

    await widget
      .locator("[data-file]")
      .setInputFiles({ name: "cut.jpg", mimeType: "image/jpeg", buffer: rig.photo.subarray(0, 600) });
    await eventually(() => text(statusOf(page))).toBe(
      "This photo seems incomplete or damaged. Please choose it again, or take a new one.",
    );
    expect(await widget.locator("[data-step='capture']").isVisible()).toBe(true);
    await checkStep(page, "hooks-01-truncated-photo");
    await page.context().close();
  }, 60_000);

  it("looks native: the theme's colour scheme and fonts (Dawn's custom properties), readable on a dark scheme", async () => {
    // Reduced motion: no colour transition while the scheme changes.
    const page = await newShopper(rig.stack, { viewport: { width: 390, height: 844 }, reducedMotion: true });
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await shown(widget.getByRole("button", { name: "Start skin scan" }));
    // A dark colour scheme as Dawn declares it (R,G,B triplets), on the section around the block.
    await widget.evaluate((el) => {
      const scheme = el.parentElement as HTMLElement;
      for (const [name, value] of Object.entries({
        "--color-foreground": "240,240,240",
        "--color-background": "18,18,18",
        "--color-button": "232,200,170",
        "--color-button-text": "18,18,18",
        "--font-body-family": "Georgia, serif",
      }))
        scheme.style.setProperty(name, value);
    });
    const look = await widget.evaluate((el) => {
      const style = getComputedStyle(el);
      const button = getComputedStyle(el.querySelector(".ss-btn") as Element);
      return {
        color: style.color,
        background: style.backgroundColor,
        font: style.fontFamily,
        button: button.backgroundColor,
      };
    });
    expect(look).toEqual({
      color: "rgb(240, 240, 240)",
      background: "rgb(18, 18, 18)",
      font: "Georgia, serif",
      button: "rgb(232, 200, 170)",
    });
    await checkStep(page, "theme-01-dark-start");
    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    await uploadToResults(widget, rig.photo);
    await checkStep(page, "theme-02-dark-results");
    await page.context().close();
  }, 60_000);

  it("keyboard only: 'Read more' opens in place; the confirmation dialog cancels with Escape and confirms with Enter", async () => {
    const page = await newShopper(rig.stack, { viewport: { width: 390, height: 844 } });
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await shown(widget.getByRole("button", { name: "Start skin scan" }));
    await tabTo(page, 'skin-scan [data-go="notice"]');
    await page.keyboard.press("Enter");
    await eventually(() => widget.locator("[data-notice] [data-act='more']").count()).toBeGreaterThan(0);
    await tabTo(page, "skin-scan [data-notice] [data-act='more']");
    await page.keyboard.press("Enter");
    const opened = widget.locator("[data-notice] [aria-expanded='true']");
    await eventually(() => opened.count()).toBe(1);
    expect(await focused(opened)).toBe(true);
    await agreeByKeyboard(page, widget);

    // To the rights step and the confirmation dialog, by keyboard.
    await page.goto(rig.stack.storeUrl);
    await shown(widget.getByRole("button", { name: "My skin scan data" }));
    await tabTo(page, 'skin-scan [data-go="rights"]');
    await page.keyboard.press("Enter");
    await tabTo(page, 'skin-scan [data-act="withdraw"]');
    await page.keyboard.press("Enter");
    const dialog = widget.locator("dialog[open]");
    await shown(dialog);
    expect(await text(dialog.locator("p"))).toMatch(/^Withdraw your consent\?/);
    expect(await focused(dialog.getByRole("button", { name: "Cancel" }))).toBe(true);
    await checkStep(page, "hooks-02-dialog-keyboard");
    await page.keyboard.press("Escape");
    await eventually(() => dialog.count()).toBe(0);
    await eventually(() => focused(widget.locator('[data-act="withdraw"]'))).toBe(true);
    // Cancelled: nothing was done, so nothing is said.
    expect(await widget.locator("[data-step='rights'] [data-say]:not(:empty)").count()).toBe(0);

    await page.keyboard.press("Enter");
    await shown(dialog);
    await page.keyboard.press("Shift+Tab");
    expect(await focused(dialog.getByRole("button", { name: "Withdraw consent" }))).toBe(true);
    await page.keyboard.press("Enter");
    await eventually(() => text(statusOf(page))).toBe("Consent withdrawn. Stored photos deleted: 0.");
    await page.context().close();
  }, 60_000);
});
