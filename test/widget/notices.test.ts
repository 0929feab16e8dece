import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../app/db/client.server";
import { incidentDetail, incidentStep, recordIncident } from "../../app/incidents/register.server";
import { SHOP } from "../support/shopify";
import { agreeToScan, checkStep, eventually, focused, newShopper, shown, stackForFile, text } from "./harness";

/**
 * P21 in real Chromium: an anonymous shopper whose records an incident touched sees the breach notice in
 * the widget on their next visit (the browser still holds their proof), in the store's language, as an
 * alert with every item Rule 7(1) names, and acknowledges it; the register counts shown and acknowledged.
 */
describe("storefront widget: breach notices (Chromium)", () => {
  const rig = stackForFile();

  /** The merchant records an incident over the last hour's consents and publishes the notices. */
  async function breach() {
    const database = await openDatabase(`file:${join(rig.stack.dir, "app.db")}`);
    try {
      const incident = await recordIncident(database.client, SHOP, {
        discoveredAt: new Date(),
        occurredFrom: new Date(Date.now() - 3_600_000),
        occurredTo: new Date(Date.now() + 60_000),
        dataKinds: ["consents", "scan_results"],
        scope: "created",
        narrative: {
          summary: "A support tool showed consent records <b>to the wrong store</b>.",
          summaryHi: "एक सहायता टूल ने सहमति रिकॉर्ड गलत स्टोर को दिखाए।",
          measures: "The tool was switched off the same day.",
          contact: "Asha Rao, privacy@lotus.example",
        },
      });
      await incidentStep(database.client, SHOP, incident.id, "publish_notices");
      return incident;
    } finally {
      await database.close();
    }
  }

  async function counts(id: string) {
    const database = await openDatabase(`file:${join(rig.stack.dir, "app.db")}`);
    try {
      return (await incidentDetail(database.client, SHOP, id)).affected;
    } finally {
      await database.close();
    }
  }

  it.each(["en", "hi"] as const)(
    "P21 (%s): an affected anonymous shopper sees the notice on the next visit and acknowledges it",
    async (locale) => {
      const page = await newShopper(rig.stack);
      // The shopper agrees on the English page (the harness's labels); the notice is then read in `locale`.
      await page.goto(rig.stack.storeUrl);
      await agreeToScan(page.locator("skin-scan"));
      await shown(page.locator("skin-scan").getByRole("heading", { name: "Your photo", exact: true }));
      const incident = await breach();
      // A shopper who never consented holds no proof: the asset is not even loaded.
      const stranger = await newShopper(rig.stack);
      const loaded: string[] = [];
      stranger.on("request", (r) => loaded.push(new URL(r.url()).pathname));
      await stranger.goto(`${rig.stack.storeUrl}?locale=${locale}`);
      await shown(stranger.locator("skin-scan").getByRole("button").first());
      expect(loaded.some((p) => p.endsWith("skin-scan-notices.js") || p.endsWith("/notices"))).toBe(false);
      await stranger.context().close();

      await page.goto(`${rig.stack.storeUrl}?locale=${locale}`);
      const notice = page.locator("skin-scan .ss-breach");
      await shown(notice);
      expect(await notice.getAttribute("lang")).toBe(locale);
      const alert = notice.getByRole("alert").first();
      expect(await text(alert)).toBe(
        locale === "hi" ? "आपके डेटा के बारे में महत्वपूर्ण सूचना" : "Important notice about your data",
      );
      const headings = await notice.locator("h4").allTextContents();
      expect(headings).toEqual(
        locale === "hi"
          ? ["क्या हुआ, कब और कहाँ", "आपके लिए इसका क्या अर्थ हो सकता है", "हमने क्या किया है", "आप क्या कर सकते हैं", "किससे संपर्क करें"]
          : [
              "What happened, when and where",
              "What this may mean for you",
              "What we have done",
              "What you can do",
              "Whom to contact",
            ],
      );
      const body = await text(notice);
      expect(body).toContain(incident.reference);
      expect(body).toContain("privacy@lotus.example");
      if (locale === "en") {
        // The merchant's words are shown as text, never as markup.
        expect(body).toContain("<b>to the wrong store</b>");
        expect(await notice.locator("b").count()).toBe(0);
      } else expect(body).toContain("गलत स्टोर");
      await checkStep(page, `breach-notice-${locale}`);
      await eventually(async () => (await counts(incident.id)).notices).toEqual({ shown: 1, acknowledged: 0 });

      const read = notice.getByRole("button", { name: locale === "hi" ? "मैंने इसे पढ़ लिया है" : "I have read this" });
      await read.click();
      await notice.waitFor({ state: "detached" });
      await eventually(async () => (await counts(incident.id)).notices).toEqual({ shown: 1, acknowledged: 1 });
      expect(await focused(page.locator("skin-scan button").first())).toBe(true);
      // Acknowledged: not shown again.
      await page.reload();
      await shown(page.locator("skin-scan").getByRole("button").first());
      await page.waitForLoadState("networkidle");
      expect(await page.locator("skin-scan .ss-breach").count()).toBe(0);
      await page.context().close();
    },
    120_000,
  );

  it("P21: the notice is fetched (and counted as shown) only once the block is in view", async () => {
    const page = await newShopper(rig.stack);
    await page.goto(rig.stack.storeUrl);
    await agreeToScan(page.locator("skin-scan"));
    await shown(page.locator("skin-scan").getByRole("heading", { name: "Your photo", exact: true }));
    const incident = await breach();
    // GIVEN a store page where the block sits far below the fold
    await page.route("**/*", async (route) => {
      if (route.request().resourceType() !== "document") return route.continue();
      const response = await route.fetch();
      const html = (await response.text()).replace("<skin-scan", '<div style="height:6000px"></div><skin-scan');
      await route.fulfill({ response, body: html });
    });
    const asked: string[] = [];
    page.on("request", (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(rig.stack.storeUrl);
    await page.waitForLoadState("networkidle");
    // THEN nothing is asked while the shopper has not scrolled to it, and nobody is counted as shown
    expect(asked.some((p) => p.endsWith("skin-scan-notices.js") || p.endsWith("/notices"))).toBe(false);
    expect((await counts(incident.id)).notices.shown).toBe(0);
    // WHEN the shopper scrolls to the block THEN the notice appears and is counted
    await page.locator("skin-scan").scrollIntoViewIfNeeded();
    await shown(page.locator("skin-scan .ss-breach"));
    await eventually(async () => (await counts(incident.id)).notices.shown).toBe(1);
    await page.context().close();
  }, 120_000);
});
