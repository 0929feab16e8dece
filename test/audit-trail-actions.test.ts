import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { publishNotice } from "../app/admin/notices.server";
import { parseSettings, saveSettings } from "../app/admin/settings.server";
import { grantConsent, subjectDigest, withdrawConsent } from "../app/consent/consent.server";
import { DEFAULT_NOTICES, SECTION_KEYS } from "../app/consent/default-notice";
import { appKeyring } from "../app/crypto/keyring.server";
import { verifyAuditChain } from "../app/privacy/audit-trail.server";
import { eraseCustomer, eraseShop } from "../app/privacy/erasure.server";
import { eraseMe, myData } from "../app/rights/rights.server";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";

const keyring = appKeyring();
/** The trail outlives clearAll (it is append-only), so each case uses a shop of its own. */
const newShop = () => `trail-${randomBytes(4).toString("hex")}.myshopify.com`;
const secret = () => randomBytes(32).toString("base64url");

const SETTINGS = {
  imageRetentionDays: "30",
  resultRetentionDays: "",
  requestLogRetentionDays: "365",
  minimumAge: "18",
  scansPerShopPerMinute: "60",
  scansPerSubjectPerHour: "5",
  scansPerNetworkPerHour: "20",
  analysisMode: "local",
};

describe.each(DATABASE_KINDS)("audit trail of privacy actions on %s", (kind) => {
  const database = useDatabase(kind);
  const trail = (shop: string) =>
    database.client.auditTrailEvent.findMany({ where: { shop }, orderBy: { position: "asc" } });

  it("P21: consent, withdrawal, export, erasure, notice publish and settings change each append to an intact chain", async () => {
    const db = database.client;
    const shop = newShop();
    const anonymous = { shop, customerId: null };
    const proof = { subjectId: secret() };
    const consent = { noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis" as const] };

    const granted = await grantConsent(db, anonymous, { ...consent, subjectId: proof.subjectId }, null);
    await withdrawConsent(db, anonymous, granted.consentId, proof);
    await withdrawConsent(db, anonymous, granted.consentId, proof); // a repeat records nothing new
    await myData(db, keyring, anonymous, proof);
    await eraseMe(db, keyring, anonymous, proof);
    const en = DEFAULT_NOTICES.en!;
    await publishNotice(db, shop, {
      locale: "en",
      material: true,
      sections: en.sections.map((s) => ({ ...s, key: s.key as (typeof SECTION_KEYS)[number], body: `${s.body} ` })),
      purposes: en.purposes.map((p) => ({ key: p.key, label: p.label, offered: true })),
    });
    await saveSettings(db, keyring, shop, parseSettings(SETTINGS));

    const events = await trail(shop);
    expect(events.map((e) => e.action)).toEqual([
      "consent.given",
      "consent.withdrawn",
      "export",
      "erasure",
      "notice.published",
      "settings.changed",
    ]);
    expect(JSON.parse(events[0]!.detail)).toEqual({ locale: "en", noticeVersion: 1, purposes: "skin_analysis" });
    expect(JSON.parse(events[3]!.detail)).toMatchObject({ reason: "shopper_request", subjects: 1 });
    expect(JSON.parse(events[4]!.detail)).toMatchObject({ version: 2, locale: "en", material: true });
    expect(JSON.parse(events[5]!.detail).fields).toContain("imageRetentionDays");
    expect(await verifyAuditChain(db, shop)).toMatchObject({ intact: true, events: 6 });
  });

  it("P21: an erased shopper leaves the chain intact, and nothing in it leads back to them", async () => {
    const db = database.client;
    const shop = newShop();
    const anonymous = { shop, customerId: null };
    const proof = { subjectId: secret() };
    const consent = { noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis" as const] };
    await grantConsent(db, anonymous, { ...consent, subjectId: proof.subjectId }, "hint");
    const signedIn = { shop, customerId: "7390123456789" };
    await grantConsent(db, signedIn, consent, null);

    await eraseMe(db, keyring, anonymous, proof);
    const digest = subjectDigest(shop, "7390123456789");
    await eraseCustomer(db, keyring, { shop, customerId: "7390123456789", subjectDigest: digest });

    const events = await trail(shop);
    expect(events.map((e) => e.action)).toEqual(["consent.given", "consent.given", "erasure", "erasure"]);
    expect(await verifyAuditChain(db, shop)).toMatchObject({ intact: true, events: 4 });
    const everything = JSON.stringify(events);
    for (const personal of [proof.subjectId, subjectDigest(shop, proof.subjectId), "7390123456789", digest]) {
      expect(everything).not.toContain(personal);
    }
    // The pseudonyms now point at nothing: the subjects they named are gone.
    const named = events.flatMap((e) => (e.subject ? [e.subject] : []));
    expect(named.length).toBeGreaterThan(0);
    expect(await db.subject.count({ where: { id: { in: named } } })).toBe(0);
  });

  it("P21: shop/redact erases the shop's data but its trail stays intact, ending with the erasure", async () => {
    const db = database.client;
    const shop = newShop();
    const proof = { subjectId: secret() };
    await grantConsent(
      db,
      { shop, customerId: null },
      { noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"], subjectId: proof.subjectId },
      null,
    );
    await eraseShop(database, keyring, shop);
    expect(await db.subject.count({ where: { shop } })).toBe(0);
    const events = await trail(shop);
    expect(events.map((e) => e.action)).toEqual(["consent.given", "shop.erased"]);
    expect(JSON.parse(events[1]!.detail)).toMatchObject({ reason: "shop_redact", subjects: 1 });
    expect(await verifyAuditChain(db, shop)).toMatchObject({ intact: true, events: 2 });
  });
});
