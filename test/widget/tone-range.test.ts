import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  agreeToScan,
  checkStep,
  eventually,
  newShopper,
  proofHeaders,
  proxyApi,
  shown,
  stackForFile,
  text,
  widgetState,
  uploadToResults,
} from "./harness";

/**
 * P18 on the shopper's screen: the skin tone is shown as the range the light allows, with its confidence,
 * in words, in English and Hindi ("between light and intermediate; the light in this photo made this
 * uncertain. Confidence: low."), and a wide range points to the two burn/tan questions.
 */
const LOCALES = join(import.meta.dirname, "..", "..", "extensions", "skin-scan", "locales");
const strings = (file: string): Record<string, string> =>
  JSON.parse(readFileSync(join(LOCALES, file), "utf8")).skin_scan.js;
const fill = (template: string | undefined, values: Record<string, string>) =>
  (template ?? "").replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "");

/** A result as the API returns it, with only what the results step reads. */
function result(tone: { group: string; groups: string[]; confidence: number; lightPinned: boolean }) {
  const types = ["very light", "light", "intermediate", "tan", "brown", "dark"];
  const type = (g: string) => ["I", "II", "III", "IV", "V", "VI"][types.indexOf(g)];
  return {
    result: {
      indices: {
        skinTone: {
          ...tone,
          itaDegrees: 40,
          fitzpatrick: { type: type(tone.group), alternative: null, types: tone.groups.map(type), confidence: 0.3 },
        },
        redness: { band: "low" },
      },
    },
    recommendations: [],
  };
}

const render = (page: Page, shown: ReturnType<typeof result>) =>
  page.evaluate(
    (r) => (document.querySelector("skin-scan") as unknown as { showResult(r: unknown): void }).showResult(r),
    shown,
  );

describe("storefront widget: the tone as a range with its confidence, in words (Chromium)", () => {
  const rig = stackForFile();

  it("P18: a real photo's result shows the API's range and confidence in words, and the Fitzpatrick types it spans", async () => {
    const en = strings("en.default.json");
    const page = await newShopper(rig.stack);
    await page.goto(rig.stack.storeUrl);
    const widget = page.locator("skin-scan");
    await agreeToScan(widget);
    await shown(widget.getByRole("heading", { name: "Your photo", exact: true }));
    await uploadToResults(widget, rig.photo);

    const state = await widgetState(page);
    const scan = await proxyApi(rig.stack, `/scans/${state.scanId}`, { headers: proofHeaders(state) });
    type Tone = { groups: string[]; confidence: number; lightPinned: boolean; summary: string };
    const tone = (scan.body as { result: { indices: { skinTone: Tone } } }).result.indices.skinTone;
    // No card in this photo: the light is not pinned, so the answer is a range with a low confidence.
    expect(tone.lightPinned).toBe(false);
    expect(tone.confidence).toBeLessThanOrEqual(0.4);
    expect(tone.summary).toMatch(/\(confidence: low\)$/);
    const [a = "", b = ""] = [tone.groups[0], tone.groups.at(-1)];
    const range =
      tone.groups.length > 2
        ? fill(en.tone_range, { a, b })
        : tone.groups.length === 2
          ? fill(en.tone_between, { a, b })
          : fill(en.tone, { g: a });
    await eventually(() => text(widget.locator("[data-tone]"))).toBe(`${range} Confidence: low.`);
    if (tone.groups.length > 2) {
      await eventually(() => text(widget.locator("[data-fitz]"))).toMatch(
        /^Fitzpatrick type [IV]+ to [IV]+: an estimate from skin colour only\. Answer the two questions below/,
      );
    }
    await checkStep(page, "tone-01-range");
    await page.context().close();
  }, 90_000);

  it("P18: in English and Hindi: one group, between two (the light, or a boundary), or a wide range, with the confidence", async () => {
    const cases = [
      { group: "light", groups: ["light"], confidence: 0.9, lightPinned: true },
      { group: "light", groups: ["light", "intermediate"], confidence: 0.35, lightPinned: false },
      { group: "light", groups: ["light", "intermediate"], confidence: 0.4, lightPinned: true },
      { group: "tan", groups: ["light", "intermediate", "tan", "brown"], confidence: 0.2, lightPinned: false },
      { group: "intermediate", groups: ["intermediate"], confidence: 0.55, lightPinned: true },
    ];
    const expected = {
      en: [
        "Skin-tone group: light. Confidence: high.",
        "Skin-tone group: between light and intermediate; the light in this photo made this uncertain. Confidence: low.",
        "Skin-tone group: between light and intermediate, close to the boundary. Confidence: low.",
        "Skin-tone group: somewhere from light to brown. The light in this photo could not be pinned, so skin colour alone cannot tell; the two questions below can. Confidence: low.",
        "Skin-tone group: intermediate. Confidence: moderate.",
      ],
      hi: [
        "त्वचा के रंग का समूह: हल्का। भरोसा: अधिक।",
        "त्वचा के रंग का समूह: हल्का और मध्यम के बीच; इस फ़ोटो की रोशनी ने इसे अनिश्चित बना दिया। भरोसा: कम।",
        "त्वचा के रंग का समूह: हल्का और मध्यम के बीच, दोनों की सीमा के पास। भरोसा: कम।",
        "त्वचा के रंग का समूह: हल्का से भूरा तक कहीं। इस फ़ोटो की रोशनी का पता नहीं लग सका, इसलिए केवल त्वचा के रंग से यह नहीं बताया जा सकता; नीचे के दो सवाल बता सकते हैं। भरोसा: कम।",
        "त्वचा के रंग का समूह: मध्यम। भरोसा: औसत।",
      ],
    };
    for (const locale of ["en", "hi"] as const) {
      const page = await newShopper(rig.stack);
      await page.goto(`${rig.stack.storeUrl}/?locale=${locale}`);
      const widget: Locator = page.locator("skin-scan");
      await shown(widget.locator("[data-step='start']"));
      const seen: string[] = [];
      for (const tone of cases) {
        await render(page, result(tone));
        seen.push(await text(widget.locator("[data-tone]")));
      }
      expect(seen).toEqual(expected[locale]);
      // A result without a range (an older engine version, or a vendor that does not send one): the group alone.
      const legacy = {
        indices: { skinTone: { group: "tan", itaDegrees: 20, fitzpatrick: { type: "IV", alternative: null } } },
      };
      await render(page, { result: legacy, recommendations: [] } as unknown as ReturnType<typeof result>);
      expect(await text(widget.locator("[data-tone]"))).toBe(
        locale === "en" ? "Skin-tone group: tan." : "त्वचा के रंग का समूह: गेहुँआ।",
      );
      expect(await text(widget.locator("[data-fitz]"))).toMatch(
        locale === "en" ? /^Fitzpatrick type IV:/ : /प्रकार IV:/,
      );
      await render(page, result(cases[3]!));
      expect(await text(widget.locator("[data-fitz]"))).toMatch(
        locale === "en" ? /^Fitzpatrick type II to V:/ : /II से V तक/,
      );
      await page.context().close();
    }
  }, 90_000);
});
