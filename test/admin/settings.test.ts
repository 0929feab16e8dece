import { isIP } from "node:net";
import { describe, expect, it } from "vitest";
import { saveSettings, parseSettings } from "../../app/admin/settings.server";
import { FormError } from "../../app/admin/form";
import {
  createEndpointGuard,
  HTTPS_ONLY,
  PRODUCTION_ENDPOINTS,
  type Resolve,
} from "../../app/analysis/endpoint-guard.server";
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
    // What Number() also read as numbers: 16, 100, 21, 3 and 30 were saved.
    ["imageRetentionDays", "0x10", "Photo retention must be a whole number."],
    ["requestLogRetentionDays", "1e2", "Request log retention must be a whole number."],
    ["minimumAge", "+21", "Minimum age must be a whole number."],
    ["resultRetentionDays", "0b11", "Result retention must be a whole number."],
    ["scansPerSubjectPerHour", "30.0", "Scans per shopper per hour must be a whole number."],
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

/** What the merchant reads for each class of address (issue 10, item 7). */
const INSIDE = (host: string, where: string) =>
  `${host} points to ${where}. Enter the public https:// address of your analysis provider.`;
const PRIVATE = "a private network address";
const LINK_LOCAL = "a link-local address, where cloud metadata services live";
const LOOPBACK = "this server itself (a loopback address)";

describe.each(DATABASE_KINDS)("P16: the analysis URL cannot point inside, on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const save = async (form: Record<string, string>, shop = SHOP) =>
    call(action, await adminRequest("/app/settings", { form, shop }));

  it.each([
    ["https://10.0.0.5/api", INSIDE("10.0.0.5", PRIVATE)],
    ["https://172.16.4.2/api", INSIDE("172.16.4.2", PRIVATE)],
    ["https://192.168.1.20/api", INSIDE("192.168.1.20", PRIVATE)],
    ["https://[fd00::20]/api", INSIDE("[fd00::20]", PRIVATE)],
    ["https://169.254.169.254/latest/meta-data", INSIDE("169.254.169.254", LINK_LOCAL)],
    ["https://[fe80::1]/api", INSIDE("[fe80::1]", LINK_LOCAL)],
    ["https://[::ffff:10.0.0.5]/api", INSIDE("[::ffff:a00:5]", PRIVATE)],
    ["https://0.0.0.0/api", INSIDE("0.0.0.0", "an unspecified address (0.0.0.0 or ::)")],
    [
      "https://100.64.0.1/api",
      INSIDE("100.64.0.1", "a carrier-grade NAT address, which is not on the public internet"),
    ],
    ["https://224.0.0.1/api", INSIDE("224.0.0.1", "a multicast address")],
    ["https://255.255.255.255/api", INSIDE("255.255.255.255", "the broadcast address")],
    // The URL parser reads these as 10.0.0.5 and 127.0.0.1, and so would the request.
    ["https://0x0a.0.0.5/api", INSIDE("10.0.0.5", PRIVATE)],
    ["http://10.0.0.5/api", INSIDE("10.0.0.5", PRIVATE)],
  ])("%s is refused on the field with a message the merchant understands", async (url, message) => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save({ ...VALID, analysisApiUrl: url });
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual({ analysisApiUrl: message });
    expect((await database.client.shop.findUnique({ where: { shop: SHOP } }))?.analysisApiUrl ?? null).toBeNull();
  });

  it("outside production, the local analysis service on this machine can be saved (the local-development allowance)", async () => {
    await storeOfflineSession(database.client, SHOP);
    // The URL parser reads 2130706433 as 127.0.0.1. Production refuses it (next block).
    for (const url of ["http://127.0.0.1:8080/api", "http://localhost:8080/api", "http://2130706433:8080/api"]) {
      expect((await save({ ...VALID, analysisApiUrl: url })).status).toBe(200);
    }
  });
});

describe("P16: the analysis URL's DNS answer is checked when it is saved", () => {
  const database = useDatabase("sqlite");
  const dns: Record<string, string[]> = {
    "loopback.vendor.test": ["127.0.0.1"],
    "private.vendor.test": ["10.1.2.3"],
    "private6.vendor.test": ["fd12::3"],
    "metadata.vendor.test": ["169.254.169.254"],
    "mapped.vendor.test": ["::ffff:192.168.0.1"],
    "cgnat.vendor.test": ["100.100.1.1"],
    "mixed.vendor.test": ["93.184.216.34", "172.16.0.9"],
    "public.vendor.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
  };
  const resolve: Resolve = async (hostname) =>
    (dns[hostname] ?? []).map((address) => ({ address, family: isIP(address) }));
  const guard = createEndpointGuard({ policy: PRODUCTION_ENDPOINTS, resolve });
  const saveUrl = async (url: string) =>
    saveSettings(database.client, appKeyring(), SHOP, parseSettings({ ...VALID, analysisApiUrl: url }), { guard });

  it.each([
    ["https://loopback.vendor.test/api", INSIDE("loopback.vendor.test", LOOPBACK)],
    ["https://private.vendor.test/api", INSIDE("private.vendor.test", PRIVATE)],
    ["https://private6.vendor.test/api", INSIDE("private6.vendor.test", PRIVATE)],
    ["https://metadata.vendor.test/api", INSIDE("metadata.vendor.test", LINK_LOCAL)],
    ["https://mapped.vendor.test/api", INSIDE("mapped.vendor.test", PRIVATE)],
    [
      "https://cgnat.vendor.test/api",
      INSIDE("cgnat.vendor.test", "a carrier-grade NAT address, which is not on the public internet"),
    ],
    ["https://mixed.vendor.test/api", INSIDE("mixed.vendor.test", PRIVATE)],
    // Production: no plain http and no loopback at all, the local-development allowance is off.
    ["http://public.vendor.test/api", HTTPS_ONLY],
    ["http://127.0.0.1:8080/api", INSIDE("127.0.0.1", LOOPBACK)],
    ["https://localhost/api", INSIDE("localhost", LOOPBACK)],
    ["https://[::1]/api", INSIDE("[::1]", LOOPBACK)],
  ])("%s is refused on the field, and nothing is written", async (url, message) => {
    const error = await saveUrl(url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FormError);
    expect((error as FormError).fields).toEqual({ analysisApiUrl: message });
    expect((await database.client.shop.findUnique({ where: { shop: SHOP } }))?.analysisApiUrl ?? null).toBeNull();
    expect(await database.client.auditEvent.count()).toBe(0);
  });

  it("a public https endpoint is saved (and one whose name does not resolve yet is left to connect time)", async () => {
    await saveUrl("https://public.vendor.test/api");
    expect(await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({
      analysisApiUrl: "https://public.vendor.test/api",
    });
    await saveUrl("https://not-yet-in-dns.vendor.test/api");
    expect(await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } })).toMatchObject({
      analysisApiUrl: "https://not-yet-in-dns.vendor.test/api",
    });
  });
});
