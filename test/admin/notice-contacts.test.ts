import { describe, expect, it } from "vitest";
import { currentNotice } from "../../app/consent/notice.server";
import { appKeyring } from "../../app/crypto/keyring.server";
import { fileRequest } from "../../app/rights/rights.server";
import { action } from "../../app/routes/app.notice";
import { loader as noticeLoader } from "../../app/routes/proxy.notice";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { appProxyUrl, SHOP, storeOfflineSession } from "../support/shopify";

const CONTACTS = {
  intent: "contacts",
  contactName: "Asha Rao, Grievance Officer",
  contactEmail: "privacy@lotus-skin.example",
  contactPhone: "+91 80 4000 1234",
  grievanceAnswerDays: "10",
};

const shown = async (locale: string) =>
  (
    await noticeLoader({ request: new Request(appProxyUrl("/notice", { locale })), params: {}, context: {} })
  ).json() as Promise<{ version: number; textHash: string; sections: { key: string; title: string; body: string }[] }>;

describe.each(DATABASE_KINDS)("notice contacts (DPDP Rules 9 and 14) on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const save = async (form: Record<string, unknown>) => call(action, await adminRequest("/app/notice", { json: form }));

  it("P17: the default notice names a contact and the 15-day answer time, in English and Hindi", async () => {
    await storeOfflineSession(database.client, SHOP);
    const en = await shown("en");
    const hi = await shown("hi");
    expect(en.sections.at(-1)).toMatchObject({ key: "contact", title: "Questions and grievances" });
    expect(en.sections.at(-1)?.body).toContain("Grievances are answered within 15 days.");
    expect(hi.sections.at(-1)?.body).toContain("शिकायतों का उत्तर 15 दिनों के भीतर दिया जाता है।");
  });

  it("P17: saving the contact and answer time publishes a new version of every language that shows them", async () => {
    await storeOfflineSession(database.client, SHOP);
    const before = { en: await shown("en"), hi: await shown("hi") };
    const response = await save(CONTACTS);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, published: { version: 2, locales: ["en", "hi"] } });

    const en = await shown("en");
    const hi = await shown("hi");
    expect([en.version, hi.version]).toEqual([2, 2]);
    expect(en.textHash).not.toBe(before.en.textHash);
    for (const notice of [en, hi]) {
      const contact = notice.sections.find((s) => s.key === "contact")?.body ?? "";
      expect(contact).toContain("Asha Rao, Grievance Officer");
      expect(contact).toContain("privacy@lotus-skin.example");
      expect(contact).toContain("+91 80 4000 1234");
    }
    expect(en.sections.at(-1)?.body).toContain("Grievances are answered within 10 days.");
    expect(hi.sections.at(-1)?.body).toContain("शिकायतों का उत्तर 10 दिनों के भीतर दिया जाता है।");
    // The old versions stay on record, and the change is not material: earlier consents stay valid.
    const versions = await database.client.noticeVersion.findMany({
      where: { shop: SHOP },
      orderBy: { version: "asc" },
    });
    expect(versions.map((v) => [v.version, v.locale, v.material])).toEqual([
      [1, "en", true],
      [1, "hi", true],
      [2, "en", false],
      [2, "hi", false],
    ]);
    // The rest of the text is unchanged.
    expect(en.sections.filter((s) => s.key !== "contact")).toEqual(
      before.en.sections.filter((s) => s.key !== "contact"),
    );
    // Saving the same again changes nothing.
    const again = await save(CONTACTS);
    expect(again.status).toBe(400);
    expect(await database.client.noticeVersion.count({ where: { shop: SHOP } })).toBe(4);
  });

  it("P9: a grievance is due within the published answer time", async () => {
    await storeOfflineSession(database.client, SHOP);
    await save(CONTACTS);
    const filed = await fileRequest(
      database.client,
      appKeyring(),
      { shop: SHOP, customerId: "42" },
      {
        type: "grievance",
        message: "",
      },
    );
    const days = (Date.parse(filed.dueAt) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(10);
  });

  it.each([
    ["grievanceAnswerDays", "91", "The answer time must be at most 90 days (DPDP Rules, Rule 14)."],
    ["grievanceAnswerDays", "0", "The answer time must be at least 1 day."],
    ["grievanceAnswerDays", "7.5", "Enter a whole number of days."],
    ["contactName", "", "Enter a name or a role."],
    ["contactEmail", "not-an-email", "Enter an email address like privacy@example.com."],
    ["contactPhone", "call me", "Enter a phone number with digits, spaces, ( ) or - only."],
    // A careless client: these were published as "answered within 1 days" and 16 days.
    ["grievanceAnswerDays", true, "Enter a number of days."],
    ["grievanceAnswerDays", "0x10", "Enter a number of days."],
    ["grievanceAnswerDays", [15], "Enter a number of days."],
    ["grievanceAnswerDays", "15.0", "Enter a whole number of days."],
    // Control characters and a bidirectional override (text shown in another order) in the legal notice.
    ["contactName", "Asha Rao\nGrievance Officer", "Use one line of text: no line breaks or control characters."],
    ["contactName", "Asha\u0000 Rao", "Use one line of text: no line breaks or control characters."],
    ["contactName", "Asha \u202Eoaz Rao", "Use one line of text: no line breaks or control characters."],
  ])("P17: %s = %j is refused on its field with %j, and nothing is published", async (field, value, message) => {
    await storeOfflineSession(database.client, SHOP);
    await currentNotice(database.client, SHOP);
    const response = await save({ ...CONTACTS, [field]: value });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[field]).toBe(message);
    expect(await database.client.noticeVersion.count({ where: { shop: SHOP } })).toBe(2);
    const shop = await database.client.shop.findUnique({ where: { shop: SHOP } });
    expect(shop?.grievanceAnswerDays ?? 15).toBe(15);
  });

  it("P17: a name in Hindi with its joiners is accepted as written", async () => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save({ ...CONTACTS, contactName: "आशा राव, शिकायत अधिकारी (क्\u200Dष)" });
    expect(response.status).toBe(200);
  });

  it("P17: a contact needs an email or a phone", async () => {
    await storeOfflineSession(database.client, SHOP);
    const response = await save({ ...CONTACTS, contactEmail: "", contactPhone: "" });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.contactEmail).toMatch(/email or a phone/);
  });
});
