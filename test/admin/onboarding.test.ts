import { beforeEach, describe, expect, it } from "vitest";
import { themeEditorLink } from "../../app/admin/onboarding.server";
import { appKeyring } from "../../app/crypto/keyring.server";
import { forgetSeenShopsForTests } from "../../app/insights/storefront.server";
import { eraseShop } from "../../app/privacy/erasure.server";
import { action, loader } from "../../app/routes/app._index";
import { loader as noticeLoader } from "../../app/routes/proxy.notice";
import { action as eventAction } from "../../app/routes/proxy.events";
import { adminRequest, API_KEY, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { seedConsent, seedShop } from "../support/seed";
import { appProxyUrl, OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

/**
 * The admin home's setup checklist (issue 13) reflects real state: each step flips when its condition
 * becomes true, the block by the storefront's own signed traffic through the app proxy.
 */
const args = (request: Request) => ({ request, params: {}, context: {} });
type Data = Awaited<ReturnType<typeof loader>>;
const steps = (data: Data) => Object.fromEntries(data.checklist.items.map((i) => [i.step, i.done]));

describe.each(DATABASE_KINDS)("setup checklist on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  beforeEach(async () => {
    forgetSeenShopsForTests();
    await storeOfflineSession(database.client, SHOP);
  });
  const home = async (shop = SHOP) => call(loader, await adminRequest("/app", { shop }));

  it("a new shop has every step to do, each linking to where it is done", async () => {
    const data = await home();
    expect(data.checklist).toMatchObject({ done: 0, complete: false });
    expect(data.checklist.items.map((i) => [i.step, i.done, i.url, i.external])).toEqual([
      [
        "block",
        false,
        `https://${SHOP}/admin/themes/current/editor?template=product&addAppBlockId=${API_KEY}%2Fskin-scan&target=mainSection`,
        true,
      ],
      ["notice", false, "/app/notice", false],
      ["provider", false, "/app/settings", false],
      ["rules", false, "/app/recommendations", false],
      ["first_scan", false, `https://${SHOP}/collections/all`, true],
    ]);
    expect(themeEditorLink("a.myshopify.com", "k")).toBe(
      "https://a.myshopify.com/admin/themes/current/editor?template=product&addAppBlockId=k%2Fskin-scan&target=mainSection",
    );
  });

  it("block added: ticks after the storefront's first signed proxy request, not after an unsigned one", async () => {
    const unsigned = await noticeLoader(args(new Request(`https://scanshield.test/proxy/notice?shop=${SHOP}`)));
    expect(unsigned.status).toBe(400);
    expect(steps(await home()).block).toBe(false);

    const signed = await noticeLoader(args(new Request(appProxyUrl("/notice"))));
    expect(signed.status).toBe(200);
    const data = await home();
    expect(steps(data).block).toBe(true);
    const item = data.checklist.items.find((i) => i.step === "block");
    expect(item?.doneAt).not.toBeNull();
    // Recorded once: later requests (here, a widget event) keep the first time.
    const first = (await database.client.shopOnboarding.findUniqueOrThrow({ where: { shop: SHOP } })).storefrontSeenAt;
    forgetSeenShopsForTests();
    await eventAction(
      args(
        new Request(appProxyUrl("/events"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ event: "widget_opened" }),
        }),
      ),
    );
    const after = await database.client.shopOnboarding.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(after.storefrontSeenAt?.toISOString()).toBe(first?.toISOString());
    // Another shop's storefront does not tick this shop's step.
    await storeOfflineSession(database.client, OTHER_SHOP);
    expect(steps(await home(OTHER_SHOP)).block).toBe(false);
  });

  it("notice, provider and rules: tick on the merchant's own change, or on keeping the default", async () => {
    await seedShop(database.client, SHOP);
    expect(steps(await home())).toMatchObject({ notice: false, provider: false, rules: false });

    // A published version of their own (the shipped one is version 1).
    await database.client.noticeVersion.create({
      data: { shop: SHOP, version: 2, locale: "en", textHash: "b".repeat(64), sections: "[]", purposes: "[]" },
    });
    // A region saved in settings.
    await database.client.shop.update({ where: { shop: SHOP }, data: { analysisRegion: "ap-south-1" } });
    // A rule of their own.
    await database.client.recommendationRule.create({
      data: { shop: SHOP, concern: "redness", band: "moderate", matchType: "tag", matchValue: "calm" },
    });
    const data = await home();
    expect(steps(data)).toMatchObject({ notice: true, provider: true, rules: true });
    expect(data.checklist.items.find((i) => i.step === "provider")?.detail).toContain("ap-south-1");
  });

  it("keeping a default is a merchant's action through POST /app, audited; other steps cannot be confirmed", async () => {
    for (const step of ["notice", "provider", "rules"]) {
      const response = await action(args(await adminRequest("/app", { form: { intent: "confirm-step", step } })));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ ok: true });
    }
    expect(steps(await home())).toMatchObject({ block: false, notice: true, provider: true, rules: true });
    const audits = await database.client.auditEvent.findMany({ where: { shop: SHOP, action: "onboarding.confirm" } });
    expect(audits.map((a) => JSON.parse(a.details ?? "{}").step).sort()).toEqual(["notice", "provider", "rules"]);
    expect(audits.every((a) => a.actor === "merchant")).toBe(true);

    const refusedForms: Record<string, string>[] = [
      { intent: "confirm-step", step: "block" },
      { intent: "confirm-step", step: "first_scan" },
      { step: "notice" },
    ];
    for (const form of refusedForms) {
      const refused = await action(args(await adminRequest("/app", { form })));
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ ok: false, error: { code: "invalid_fields" } });
    }
    expect(steps(await home())).toMatchObject({ block: false, first_scan: false });
    // The confirmation is the merchant's own shop only.
    await storeOfflineSession(database.client, OTHER_SHOP);
    expect(steps(await home(OTHER_SHOP))).toMatchObject({ notice: false, provider: false, rules: false });
  });

  it("first scan: ticks when a scan exists, links to a product page, and the list is complete with every step", async () => {
    const notice = await seedShop(database.client, SHOP);
    await database.client.product.create({
      data: { shop: SHOP, shopifyId: "gid://shopify/Product/1", handle: "calm-serum", title: "Calm serum" },
    });
    const before = await home();
    expect(steps(before).first_scan).toBe(false);
    expect(before.checklist.items.find((i) => i.step === "first_scan")?.url).toBe(
      `https://${SHOP}/products/calm-serum`,
    );

    const subject = await database.client.subject.create({ data: { shop: SHOP, anonymousId: "first-scan" } });
    const consent = await seedConsent(database.client, {
      shop: SHOP,
      subjectId: subject.id,
      noticeId: notice.id,
      receipt: "SS-FIRST001",
    });
    await database.client.scan.create({
      data: {
        shop: SHOP,
        subjectId: subject.id,
        consentId: consent.id,
        status: "accepted",
        provider: "local",
        quality: "{}",
        result: "{}",
      },
    });
    expect(steps(await home()).first_scan).toBe(true);

    await noticeLoader(args(new Request(appProxyUrl("/notice"))));
    for (const step of ["notice", "provider", "rules"]) {
      await action(args(await adminRequest("/app", { form: { intent: "confirm-step", step } })));
    }
    expect((await home()).checklist).toMatchObject({ done: 5, complete: true });
  });

  it("shop/redact erases the checklist's record and the widget's counters with the shop", async () => {
    await seedShop(database.client, SHOP);
    await noticeLoader(args(new Request(appProxyUrl("/notice"))));
    await database.client.storefrontEventDay.create({
      data: { shop: SHOP, day: "2026-11-01", event: "widget_opened", count: 3 },
    });
    await database.client.dailyInsight.create({ data: { shop: SHOP, day: "2026-11-01", buckets: "{}" } });
    await database.client.hourlyInsight.create({ data: { shop: SHOP, hour: "2026-11-01T09", buckets: "{}" } });
    await action(args(await adminRequest("/app", { form: { intent: "confirm-step", step: "rules" } })));
    await eraseShop(
      { kind, client: database.client, url: database.url } as Parameters<typeof eraseShop>[0],
      appKeyring(),
      SHOP,
    );
    expect(await database.client.shopOnboarding.count()).toBe(0);
    expect(await database.client.storefrontEventDay.count()).toBe(0);
    expect(await database.client.dailyInsight.count()).toBe(0);
    expect(await database.client.hourlyInsight.count()).toBe(0);
  });
});
