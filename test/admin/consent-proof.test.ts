import { describe, expect, it } from "vitest";
import { DEFAULT_NOTICES } from "../../app/consent/default-notice";
import { csvCell } from "../../app/text/csv";
import { loader as exportLoader } from "../../app/routes/app.consents.export";
import { loader as search } from "../../app/routes/app.consents";
import { action as publish } from "../../app/routes/app.notice";
import { action as consentAction } from "../../app/routes/proxy.consents";
import { action as withdrawAction } from "../../app/routes/proxy.consents.$id.withdraw";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

const en = DEFAULT_NOTICES.en;
if (!en) throw new Error("The default English notice is missing.");

const consent = async (
  input: { noticeVersion: number; purposes: string[]; customerId?: string; subjectId?: string },
  shop = SHOP,
) => {
  const response = await consentAction({
    request: new Request(appProxyUrl("/consents", {}, { shop, customerId: input.customerId }), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        noticeVersion: input.noticeVersion,
        locale: "en",
        ageConfirmed: true,
        purposes: input.purposes,
        subjectId: input.subjectId,
      }),
    }),
    params: {},
    context: {},
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { consentId: string; receipt: string };
};

const NEW_RETENTION = "Photos are deleted at once; results after 30 days.";

describe.each(DATABASE_KINDS)("admin proof of consent on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  /** Two notice versions; consents under each; one withdrawal; another shop's consent. */
  async function setup() {
    await storeOfflineSession(database.client, SHOP);
    await storeOfflineSession(database.client, OTHER_SHOP);
    const first = await consent({ noticeVersion: 1, purposes: ["skin_analysis"], customerId: "7401" });
    const anon = await consent({
      noticeVersion: 1,
      purposes: ["skin_analysis", "extended_retention"],
      subjectId: "anon-subject-000000000001",
    });
    await withdrawAction({
      request: new Request(appProxyUrl(`/consents/${anon.consentId}/withdraw`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subjectId: "anon-subject-000000000001", receipt: anon.receipt }),
      }),
      params: { id: anon.consentId },
      context: {},
    });
    const published = await call(
      publish,
      await adminRequest("/app/notice", {
        json: {
          locale: "en",
          material: true,
          sections: en!.sections.map((s) => (s.key === "retention" ? { ...s, body: NEW_RETENTION } : s)),
          purposes: en!.purposes.map((p) => ({ key: p.key, label: p.label, offered: true })),
        },
      }),
    );
    expect(published.status).toBe(200);
    const second = await consent({
      noticeVersion: 2,
      purposes: ["skin_analysis", "model_training"],
      customerId: "8800",
    });
    const theirs = await consent({ noticeVersion: 1, purposes: ["skin_analysis"], customerId: "5555" }, OTHER_SHOP);
    return { first, anon, second, theirs };
  }

  it.each([
    ["receipt", (r: Awaited<ReturnType<typeof setup>>) => ({ receipt: r.first.receipt }), 1],
    ["customer id", () => ({ customerId: "8800" }), 1],
    ["notice version", () => ({ noticeVersion: "1" }), 3],
    ["purpose", () => ({ purpose: "extended_retention" }), 1],
    ["withdrawals", () => ({ action: "withdraw" }), 1],
    [
      "today's date",
      () => ({ from: new Date().toISOString().slice(0, 10), to: new Date().toISOString().slice(0, 10) }),
      4,
    ],
    ["a date range before any consent", () => ({ from: "2020-01-01", to: "2020-12-31" }), 0],
  ])("P7: searches by %s", async (_name, filter, count) => {
    const seeded = await setup();
    const params = new URLSearchParams(filter(seeded) as Record<string, string>);
    const data = await call(search, await adminRequest(`/app/consents?${params}`));
    expect(data.total).toBe(count);
    expect(data.records.every((r) => r.receipt !== seeded.theirs.receipt)).toBe(true);
  });

  it("P7: the page names each purpose with the label its notice used, not the purpose key", async () => {
    const { second } = await setup();
    const label = (key: string) => en.purposes.find((p) => p.key === key)?.label;
    const data = await call(search, await adminRequest(`/app/consents?receipt=${second.receipt}`));
    expect(data.records[0]?.purposeLabels).toEqual([label("skin_analysis"), label("model_training")]);
    expect(data.purposes).toContainEqual({ value: "extended_retention", label: label("extended_retention") });
    expect(JSON.stringify(data.purposes)).not.toMatch(/"label":"[a-z_]+"/);
  });

  it("P7: the JSON export holds every record with the exact notice text it accepted, hashes checked again", async () => {
    const { first, second, anon } = await setup();
    const response = await call(exportLoader, await adminRequest("/app/consents/export?format=json"));
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const proof = await response.json();
    expect(proof.format).toBe("scanshield.consent-proof.v1");
    expect(proof.records).toHaveLength(4);
    const byReceipt = new Map(proof.records.map((r: { receipt: string }) => [r.receipt, r]));
    const notices = new Map(proof.notices.map((n: { id: string }) => [n.id, n]));
    const noticeOf = (receipt: string) =>
      notices.get((byReceipt.get(receipt) as { noticeId: string }).noticeId) as {
        version: number;
        hashVerified: boolean;
        textHash: string;
        sections: { key: string; body: string }[];
      };
    expect(noticeOf(first.receipt).version).toBe(1);
    expect(noticeOf(first.receipt).sections.find((s) => s.key === "retention")?.body).toBe(
      en!.sections.find((s) => s.key === "retention")?.body,
    );
    expect(noticeOf(second.receipt).version).toBe(2);
    expect(noticeOf(second.receipt).sections.find((s) => s.key === "retention")?.body).toBe(NEW_RETENTION);
    for (const n of proof.notices) expect(n.hashVerified).toBe(true);
    expect((byReceipt.get(second.receipt) as { textHash: string }).textHash).toBe(noticeOf(second.receipt).textHash);
    const withdrawal = proof.records.find((r: { action: string }) => r.action === "withdraw");
    expect(withdrawal.withdraws).toBe(anon.receipt);
    expect(JSON.stringify(proof)).not.toContain("5555");
  });

  it("P7: the CSV export has one row per record with the notice text, safe for spreadsheets", async () => {
    const { first, second } = await setup();
    const response = await call(exportLoader, await adminRequest("/app/consents/export?format=csv&customerId=7401"));
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="consent-proof-.*\.csv"$/);
    const text = (await response.text()).replace(/^\uFEFF/, "");
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toBe(
      "receipt,action,recorded_at,customer_id,purposes,age_confirmed,notice_version,locale,notice_text_hash,hash_verified,withdraws_receipt,network_hint,notice_text",
    );
    expect(text).toContain(first.receipt);
    expect(text).not.toContain(second.receipt);
    expect(text).toContain(`How long: ${en!.sections.find((s) => s.key === "retention")?.body}`);
    expect(text).toContain(",true,");
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
  });

  it("tenant isolation: an export never contains another shop's consent records", async () => {
    const { theirs } = await setup();
    const response = await call(
      exportLoader,
      await adminRequest(`/app/consents/export?format=json&receipt=${theirs.receipt}&shop=${OTHER_SHOP}`),
    );
    const proof = await response.json();
    expect(proof.shop).toBe(SHOP);
    expect(proof.records).toEqual([]);
    const found = await call(search, await adminRequest(`/app/consents?receipt=${theirs.receipt}`));
    expect(found.total).toBe(0);
  });
});
