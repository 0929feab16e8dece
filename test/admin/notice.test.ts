import { describe, expect, it } from "vitest";
import { CONTACT_SECTION_KEY, DEFAULT_NOTICES, SECTION_KEYS } from "../../app/consent/default-notice";
import { action, loader } from "../../app/routes/app.notice";
import { action as consentAction } from "../../app/routes/proxy.consents";
import { action as scanAction } from "../../app/routes/proxy.scans";
import { loader as noticeLoader } from "../../app/routes/proxy.notice";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { appProxyUrl, OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

const en = DEFAULT_NOTICES.en;
if (!en) throw new Error("The default English notice is missing.");

/** The editor's publish body: the shipped English text with one change. */
function draft(change: { key?: string; body?: string } = {}, material = true, offerTraining = true) {
  return {
    locale: "en",
    material,
    sections: en!.sections.map((s) => (s.key === change.key ? { ...s, body: change.body ?? s.body } : s)),
    purposes: en!.purposes.map((p) => ({
      key: p.key,
      label: p.label,
      offered: p.key !== "model_training" || offerTraining,
    })),
  };
}

const SUBJECT = "widget-subject-000000001";
const consent = (noticeVersion: number, shop = SHOP) =>
  consentAction({
    request: new Request(appProxyUrl("/consents", {}, { shop }), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        noticeVersion,
        locale: "en",
        ageConfirmed: true,
        purposes: ["skin_analysis"],
        subjectId: SUBJECT,
      }),
    }),
    params: {},
    context: {},
  });

describe.each(DATABASE_KINDS)("admin notice editor on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  it("shows the shipped default notice in English and Hindi, with its version history", async () => {
    await storeOfflineSession(database.client, SHOP);
    const data = await call(loader, await adminRequest("/app/notice"));
    expect(data.current.map((n) => [n.locale, n.version])).toEqual([
      ["en", 1],
      ["hi", 1],
    ]);
    expect(data.history).toHaveLength(2);
    expect(data.current[0]?.sections.map((s) => s.key)).toEqual([...SECTION_KEYS, CONTACT_SECTION_KEY]);
  });

  it("P17: publishing a material change makes a new version, keeps the old on record, and asks shoppers to consent again", async () => {
    await storeOfflineSession(database.client, SHOP);
    const given = await (await consent(1)).json();
    expect(given.scanToken).toBeTruthy();

    const body = draft({ key: "retention", body: "Your photo is deleted at once. Results are kept for 30 days." });
    const response = await call(action, await adminRequest("/app/notice", { json: body }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, published: { version: 2, locale: "en" } });

    // The shopper's widget now gets version 2 with the new words…
    const shown = await (
      await noticeLoader({ request: new Request(appProxyUrl("/notice", { locale: "en" })), params: {}, context: {} })
    ).json();
    expect(shown.version).toBe(2);
    expect(shown.sections.find((s: { key: string }) => s.key === "retention").body).toBe(
      "Your photo is deleted at once. Results are kept for 30 days.",
    );
    // …a consent to version 1 is refused, and so is a scan under the old consent.
    expect((await consent(1)).status).toBe(409);
    const scan = await scanAction({
      request: new Request(appProxyUrl("/scans"), {
        method: "POST",
        headers: { "content-type": "image/jpeg", "x-scan-token": given.scanToken },
        body: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
      }),
      params: {},
      context: {},
    });
    expect(scan.status).toBe(409);
    expect(await scan.json()).toMatchObject({ error: { code: "notice_outdated" } });
    expect((await consent(2)).status).toBe(201);

    // The old version and its consent stay on record.
    const versions = await database.client.noticeVersion.findMany({ where: { shop: SHOP, locale: "en" } });
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    const audit = await database.client.auditEvent.findFirstOrThrow({
      where: { shop: SHOP, action: "notice.publish" },
    });
    expect(JSON.parse(audit.details ?? "{}")).toEqual({ version: 2, locale: "en", material: true });
  });

  it("P17: a minor change makes a new version for new consents, and existing consents still allow scans", async () => {
    await storeOfflineSession(database.client, SHOP);
    const given = await (await consent(1)).json();
    const minor = draft({ key: "retention", body: "Your photo is deleted at once (typo fixed)." }, false);
    expect((await call(action, await adminRequest("/app/notice", { json: minor }))).status).toBe(200);
    const scan = await scanAction({
      request: new Request(appProxyUrl("/scans"), {
        method: "POST",
        headers: { "content-type": "image/jpeg", "x-scan-token": given.scanToken },
        body: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
      }),
      params: {},
      context: {},
    });
    // Past the consent check (the photo itself is what is refused), not 409 notice_outdated.
    expect(scan.status).toBe(422);
    expect((await consent(1)).status).toBe(409);
    expect((await consent(2)).status).toBe(201);
  });

  it("the widget offers only the purposes the merchant chose; skin analysis cannot be switched off", async () => {
    await storeOfflineSession(database.client, SHOP);
    await call(action, await adminRequest("/app/notice", { json: draft({}, true, false) }));
    const shown = await (
      await noticeLoader({ request: new Request(appProxyUrl("/notice")), params: {}, context: {} })
    ).json();
    expect(shown.purposes.map((p: { key: string }) => p.key)).toEqual(["skin_analysis", "extended_retention"]);

    const body = draft();
    body.purposes = body.purposes.map((p) => ({ ...p, offered: p.key !== "skin_analysis" }));
    const refused = await call(action, await adminRequest("/app/notice", { json: body }));
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors.purposes).toBe("Skin analysis must be offered.");
  });

  it.each([
    ["an empty section", () => draft({ key: "rights", body: "  " }), "sections.6.body", "The text cannot be empty."],
    [
      "a missing section",
      () => ({ ...draft(), sections: draft().sections.filter((s) => s.key !== "complaints") }),
      "sections",
      expect.stringContaining("Every part of the notice is needed"),
    ],
    ["no change at all", () => draft(), "form", "Nothing changed: this text is already the published version."],
  ])("refuses %s on the field and publishes nothing", async (_name, body, field, message) => {
    await storeOfflineSession(database.client, SHOP);
    await call(loader, await adminRequest("/app/notice"));
    const response = await call(action, await adminRequest("/app/notice", { json: body() }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors[field]).toEqual(message);
    expect(await database.client.noticeVersion.count({ where: { shop: SHOP } })).toBe(2);
  });

  it("tenant isolation: publishing changes only the merchant's own shop", async () => {
    await storeOfflineSession(database.client, SHOP);
    await storeOfflineSession(database.client, OTHER_SHOP);
    await call(action, await adminRequest("/app/notice", { json: draft({ key: "age", body: "Adults only." }) }));
    const other = await call(loader, await adminRequest("/app/notice", { shop: OTHER_SHOP }));
    expect(other.current.find((n) => n.locale === "en")?.version).toBe(1);
    expect(other.history.every((h) => h.version === 1)).toBe(true);
  });
});
