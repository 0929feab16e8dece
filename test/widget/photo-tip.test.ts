import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REFUSAL_ADVICE } from "../../app/insights/events";
import { agreeToScan, checkStep, newShopper, shown, stackForFile } from "./harness";

/**
 * The block's optional "Photo tip" setting: the merchant's own short line on the photo step, which the
 * admin's refusal advice points to (e.g. "suggest daylight"). The preview sets a block setting with
 * `?setting.<id>=`, as a merchant would in the theme editor.
 */
const BLOCK = join(import.meta.dirname, "..", "..", "extensions", "skin-scan", "blocks", "skin-scan.liquid");
const TIP = "Stand facing a window in daylight; no flash.";

describe("storefront widget: the merchant's photo tip (Chromium)", () => {
  const rig = stackForFile();

  it("the block offers an optional text setting named as the admin's advice names it", () => {
    const schema = JSON.parse(/{% schema %}([\s\S]*){% endschema %}/.exec(readFileSync(BLOCK, "utf8"))?.[1] ?? "{}");
    const setting = schema.settings.find((s: { id?: string }) => s.id === "photo_tip");
    expect(setting).toMatchObject({ type: "text", label: "Photo tip" });
    expect(setting.default).toBeUndefined();
    expect(REFUSAL_ADVICE.too_dark?.advice).toContain(`“${setting.label}”`);
  });

  it.each([
    ["en", { width: 390, height: 844 }, "Tip from the store:"],
    ["hi", { width: 1440, height: 900 }, "स्टोर की ओर से सुझाव:"],
  ] as const)(
    "%s: the tip is shown on the photo step, under the general tips, labelled in the store's language",
    async (lang, viewport, label) => {
      const page = await newShopper(rig.stack, { viewport });
      const query = new URLSearchParams({ "setting.photo_tip": TIP, ...(lang === "hi" && { locale: "hi" }) });
      await page.goto(`${rig.stack.storeUrl}/?${query}`);
      const widget = page.locator("skin-scan");
      const capture = widget.locator("[data-step='capture']");
      if (lang === "en") await agreeToScan(widget);
      else {
        await widget.locator("[data-go='notice']").first().click();
        await widget.locator("input[name='age'][value='yes']").check();
        await widget.locator("input[name='purpose'][value='skin_analysis']").check();
        await widget.locator("[data-form='consent'] button[type='submit']").click();
      }
      await shown(capture.locator("h3"));
      const tip = capture.locator(".ss-card").filter({ hasText: TIP });
      // As rendered (innerText: the whitespace of the Liquid collapsed).
      expect((await tip.innerText()).trim()).toBe(`${label} ${TIP}`);
      // Before the camera and upload buttons, where the shopper reads before acting.
      const top = (selector: string) =>
        capture
          .locator(selector)
          .first()
          .evaluate((e) => e.getBoundingClientRect().top);
      expect(await top(".ss-card")).toBeLessThan(await top("[data-pick]"));
      await checkStep(page, `photo-tip-${lang}`);
      await page.context().close();
    },
    60_000,
  );

  it("without a tip the photo step has no empty box", async () => {
    const page = await newShopper(rig.stack);
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    const capture = widget.locator("[data-step='capture']");
    await shown(capture.locator("h3"));
    expect(await capture.locator(".ss-card").count()).toBe(0);
    await page.context().close();
  }, 60_000);
});
