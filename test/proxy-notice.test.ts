import { describe, expect, it } from "vitest";
import { CONTACT_SECTION_KEY, SECTION_KEYS } from "../app/consent/default-notice";
import { loader } from "../app/routes/proxy.notice";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP } from "./support/shopify";

const get = (url: string) => loader({ request: new Request(url), params: {}, context: {} });

describe.each(DATABASE_KINDS)("GET /apps/skin-scan/notice on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  it("P7: serves the shop's current notice with its version, text hash, every checklist section and unticked optional purposes", async () => {
    const response = await get(appProxyUrl("/notice", { locale: "en" }));
    expect(response.status).toBe(200);
    const notice = await response.json();
    expect(notice).toMatchObject({
      version: 1,
      locale: "en",
      minimumAge: 18,
      textHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(notice.sections.map((s: { key: string }) => s.key)).toEqual([...SECTION_KEYS, CONTACT_SECTION_KEY]);
    expect(notice.sections.find((s: { key: string }) => s.key === "complaints").body).toMatch(
      /Data Protection Board of India/,
    );
    expect(notice.purposes).toEqual([
      expect.objectContaining({ key: "skin_analysis", required: true }),
      expect.objectContaining({ key: "extended_retention", required: false }),
      expect.objectContaining({ key: "model_training", required: false }),
    ]);
    // The same notice twice: the same version and hash, and no second copy on record.
    const again = await (await get(appProxyUrl("/notice", { locale: "en" }))).json();
    expect(again.textHash).toBe(notice.textHash);
    expect(await database.client.noticeVersion.count({ where: { shop: SHOP } })).toBe(2);
  });

  it.each([
    ["hi", "hi", "आपकी फ़ोटो कौन प्रोसेस करता है"],
    ["hi-IN", "hi", "आपकी फ़ोटो कौन प्रोसेस करता है"],
    ["fr", "en", "Who processes your photo"],
    [undefined, "en", "Who processes your photo"],
  ])("answers locale %s in %s", async (requested, locale, firstTitle) => {
    const response = await get(appProxyUrl("/notice", requested ? { locale: requested } : {}));
    const notice = await response.json();
    expect(notice.locale).toBe(locale);
    expect(notice.sections[0].title).toBe(firstTitle);
  });

  it("keeps each shop's notices apart", async () => {
    await get(appProxyUrl("/notice", {}, { shop: SHOP }));
    await get(appProxyUrl("/notice", {}, { shop: OTHER_SHOP }));
    expect(await database.client.noticeVersion.count({ where: { shop: SHOP } })).toBe(2);
    expect(await database.client.noticeVersion.count({ where: { shop: OTHER_SHOP } })).toBe(2);
  });

  it.each([
    ["a wrong signature", () => appProxyUrl("/notice", {}, { secret: "not-the-app-secret" }), "invalid_signature"],
    [
      "an expired timestamp",
      () => appProxyUrl("/notice", {}, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      "invalid_signature",
    ],
    ["no signature at all", () => `https://scanshield.test/proxy/notice?shop=${SHOP}`, "invalid_signature"],
    ["an absurd locale", () => appProxyUrl("/notice", { locale: "x".repeat(200) }), "invalid_locale"],
    ["a locale with markup", () => appProxyUrl("/notice", { locale: "<script>" }), "invalid_locale"],
  ])("refuses %s with 400 and writes nothing", async (_name, url, code) => {
    const response = await get(url());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code } });
    if (code === "invalid_signature") expect(await database.client.noticeVersion.count()).toBe(0);
  });
});
