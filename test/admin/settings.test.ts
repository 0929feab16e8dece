import { describe, expect, it } from "vitest";
import { providerForShop } from "../../app/analysis/shop-provider.server";
import { appKeyring } from "../../app/crypto/keyring.server";
import { action, loader } from "../../app/routes/app.settings";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

const VALID = {
  imageRetentionDays: "30",
  resultRetentionDays: "",
  requestLogRetentionDays: "365",
  minimumAge: "21",
  scansPerShopPerMinute: "60",
  scansPerSubjectPerHour: "5",
  scansPerNetworkPerHour: "20",
  analysisMode: "remote",
  analysisApiUrl: "https://analysis.example.in/api",
  analysisRegion: "India (ap-south-1)",
  analysisApiKey: "sk_live_very_secret_key_123",
};

describe.each(DATABASE_KINDS)("admin settings on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const save = async (form: Record<string, string>, shop = SHOP) =>
    call(action, await adminRequest("/app/settings", { form, shop }));

  it.each([
    ["imageRetentionDays", "0", "Photo retention must be at least 1."],
    ["imageRetentionDays", "abc", "Photo retention must be a whole number."],
    ["requestLogRetentionDays", "400", "Request log retention must be at most 365."],
    ["minimumAge", "16", "Minimum age must be at least 18."],
    ["resultRetentionDays", "1.5", "Result retention must be a whole number."],
    ["scansPerNetworkPerHour", "", "Enter scans per network per hour."],
    ["analysisApiUrl", "http://analysis.example.com", "Enter an https:// URL without a user name or password."],
    [
      "analysisApiUrl",
      "https://user:pw@analysis.example.com",
      "Enter an https:// URL without a user name or password.",
    ],
  ])("P12/P15/P16: %s = %j is refused on the field with %j and changes nothing", async (field, value, message) => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save({ ...VALID, [field]: value });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[field]).toBe(message);
    const shop = await database.client.shop.findUnique({ where: { shop: SHOP } });
    expect(shop?.minimumAge ?? 18).toBe(18);
    expect(await database.client.auditEvent.count()).toBe(0);
  });

  it("P14: the analysis API key is sealed, never returned to the page, and every change is audited without it", async () => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save(VALID);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(VALID.analysisApiKey);
    expect(JSON.parse(text)).toMatchObject({
      ok: true,
      toast: "Settings saved",
      settings: { analysisApiKeySet: true },
    });

    const row = await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(row).toMatchObject({ imageRetentionDays: 30, resultRetentionDays: null, minimumAge: 21 });
    expect(Buffer.from(row.analysisApiKeyCiphertext ?? []).includes(Buffer.from(VALID.analysisApiKey))).toBe(false);
    // P16: scans for this shop now go to the merchant's endpoint, with the key opened only there.
    const provider = await providerForShop(database.client, appKeyring(), SHOP);
    expect(provider.engine.name).not.toBe("local");

    const page = JSON.stringify(await call(loader, await adminRequest("/app/settings")));
    expect(page).not.toContain(VALID.analysisApiKey);
    expect(page).toContain('"analysisApiKeySet":true');

    const audit = await database.client.auditEvent.findMany({ where: { shop: SHOP } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "merchant", action: "settings.update" });
    expect(audit[0]?.details).not.toContain(VALID.analysisApiKey);
    expect(JSON.parse(audit[0]?.details ?? "{}")).toMatchObject({
      minimumAge: { from: 18, to: 21 },
      analysisApiUrl: { from: null, to: "analysis.example.in" },
      analysisApiKey: "replaced",
    });

    // A blank key keeps the stored one; saving the same values again changes (and audits) nothing.
    const again = await (await save({ ...VALID, analysisApiKey: "" })).json();
    expect(again).toMatchObject({ ok: true, toast: "Nothing changed" });
    expect(await database.client.auditEvent.count()).toBe(1);
  });

  it("remote analysis without a key is refused on the key field", async () => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save({ ...VALID, analysisApiKey: "" });
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual({ analysisApiKey: "Enter the analysis API's key." });
  });

  it("tenant isolation: a merchant of one shop reads and changes only that shop's settings", async () => {
    await storeOfflineSession(database.client, SHOP);
    await storeOfflineSession(database.client, OTHER_SHOP);
    await database.client.shop.create({ data: { shop: OTHER_SHOP, minimumAge: 25, imageRetentionDays: 7 } });

    // The shop comes from the verified session token; a `shop` in the form or query is ignored.
    const response = await call(
      action,
      await adminRequest(`/app/settings?shop=${OTHER_SHOP}`, { form: { ...VALID, shop: OTHER_SHOP } }),
    );
    expect(response.status).toBe(200);
    const other = await database.client.shop.findUniqueOrThrow({ where: { shop: OTHER_SHOP } });
    expect(other).toMatchObject({ minimumAge: 25, imageRetentionDays: 7, analysisApiKeyCiphertext: null });
    expect((await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } })).minimumAge).toBe(21);

    const seenByA = await call(loader, await adminRequest("/app/settings"));
    expect(seenByA.settings.minimumAge).toBe(21);
    const seenByB = await call(loader, await adminRequest("/app/settings", { shop: OTHER_SHOP }));
    expect(seenByB.settings).toMatchObject({ minimumAge: 25, analysisApiKeySet: false });
  });
});
