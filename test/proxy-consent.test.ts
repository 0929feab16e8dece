import { describe, expect, it } from "vitest";
import { consentForScan, subjectDigest } from "../app/consent/consent.server";
import { issueScanToken, SCAN_TOKEN_TTL_MS, verifyScanToken } from "../app/consent/scan-token.server";
import { appKeyring } from "../app/crypto/keyring.server";
import { action as consents } from "../app/routes/proxy.consents";
import { action as withdraw } from "../app/routes/proxy.consents.$id.withdraw";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { newSubjectSecret } from "./support/shopper";
import { appProxyUrl, OTHER_SHOP, SHOP } from "./support/shopify";
import { seedStoredImage } from "./support/seed";

/** The widget's subject secret: 32 random bytes, base64url (ADR 0006). */
const SUBJECT = newSubjectSecret();
const valid = { noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"], subjectId: SUBJECT };

function post(
  path: string,
  body: unknown,
  options: Parameters<typeof appProxyUrl>[2] = {},
  headers: Record<string, string> = {},
) {
  const request = new Request(appProxyUrl(path, {}, options), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const id = /consents\/([^/]+)\/withdraw/.exec(path)?.[1];
  return id ? withdraw({ request, params: { id }, context: {} }) : consents({ request, params: {}, context: {} });
}

describe.each(DATABASE_KINDS)("consent through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  it("P7: records the notice version and text hash, language, purposes, age, server time and a network hint, never the IP", async () => {
    const before = Date.now();
    const response = await post(
      "/consents",
      { ...valid, purposes: ["skin_analysis", "extended_retention"] },
      {},
      { "x-forwarded-for": "203.0.113.77, 10.0.0.1" },
    );
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body).toMatchObject({
      consentId: expect.any(String),
      receipt: expect.stringMatching(/^SS-[A-Z0-9]+$/),
      scanToken: expect.any(String),
    });
    const record = await database.client.consentRecord.findUniqueOrThrow({ where: { id: body.consentId } });
    const notice = await database.client.noticeVersion.findFirstOrThrow({ where: { shop: SHOP, locale: "en" } });
    expect(record).toMatchObject({
      action: "grant",
      noticeVersion: 1,
      textHash: notice.textHash,
      locale: "en",
      ageConfirmed: true,
    });
    expect(JSON.parse(record.purposes)).toEqual(["skin_analysis", "extended_retention"]);
    expect(record.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(record.networkHint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(record)).not.toContain("203.0.113");
    // The same /24 network gives the same hint: abuse can be counted without keeping addresses.
    const other = await (await post("/consents", valid, {}, { "x-forwarded-for": "203.0.113.5" })).json();
    const second = await database.client.consentRecord.findUniqueOrThrow({ where: { id: other.consentId } });
    expect(second.networkHint).toBe(record.networkHint);
  });

  it("P5: refuses anyone who does not confirm being 18 or older, and records nothing", async () => {
    const response = await post("/consents", { ...valid, ageConfirmed: false });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "age_not_confirmed" } });
    expect(await database.client.consentRecord.count()).toBe(0);
    expect(await database.client.subject.count()).toBe(0);
  });

  it("P17: refuses consent to a notice version the shop no longer shows", async () => {
    const response = await post("/consents", { ...valid, noticeVersion: 2 });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: "notice_outdated" } });
  });

  it("P6: a consent yields a short-lived token bound to shop, consent and subject", async () => {
    const body = await (await post("/consents", valid)).json();
    const ok = await consentForScan(database.client, SHOP, body.scanToken);
    expect(ok.consentId).toBe(body.consentId);
    await expect(consentForScan(database.client, OTHER_SHOP, body.scanToken)).rejects.toMatchObject({
      code: "token_wrong_shop",
    });
    const tampered = body.scanToken.replace(/.$/, (c: string) => (c === "A" ? "B" : "A"));
    await expect(consentForScan(database.client, SHOP, tampered)).rejects.toMatchObject({
      code: "token_bad_signature",
    });
    const claims = verifyScanToken(body.scanToken, SHOP);
    if (!claims.ok) throw new Error("token should verify");
    expect(verifyScanToken(body.scanToken, SHOP, claims.claims.exp + 1)).toEqual({ ok: false, reason: "expired" });
    expect(claims.claims.exp - Date.now()).toBeLessThanOrEqual(SCAN_TOKEN_TTL_MS);
    const forged = issueScanToken({ shop: SHOP, consentId: "nope", subjectId: "nope" }).token;
    await expect(consentForScan(database.client, SHOP, forged)).rejects.toMatchObject({ code: "consent_missing" });
  });

  it("P8: withdrawing is one call: no more scans under it, and its kept photos are deleted", async () => {
    const body = await (
      await post("/consents", { ...valid, purposes: ["skin_analysis", "extended_retention"] })
    ).json();
    const grant = await database.client.consentRecord.findUniqueOrThrow({ where: { id: body.consentId } });
    const scan = await database.client.scan.create({
      data: {
        shop: SHOP,
        subjectId: grant.subjectId,
        consentId: grant.id,
        status: "accepted",
        provider: "local",
        quality: "{}",
      },
    });
    await seedStoredImage(database.client, appKeyring(), {
      shop: SHOP,
      scanId: scan.id,
      subjectId: grant.subjectId,
      image: new Uint8Array([1, 2, 3]),
      expiresAt: new Date(Date.now() + 86_400_000),
    });

    const response = await post(`/consents/${body.consentId}/withdraw`, { subjectId: SUBJECT, receipt: body.receipt });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ withdrawn: true, imagesDeleted: 1 });
    expect(await database.client.storedImage.count()).toBe(0);
    // Append-only: the grant is untouched, the withdrawal is its own record.
    expect(
      await database.client.consentRecord.count({ where: { withdrawsId: body.consentId, action: "withdraw" } }),
    ).toBe(1);
    await expect(consentForScan(database.client, SHOP, body.scanToken)).rejects.toMatchObject({
      code: "consent_withdrawn",
    });
  });

  it("P8: only the holder of the subject secret can withdraw; other shops, subjects and receipts see 404", async () => {
    const body = await (await post("/consents", valid)).json();
    for (const [proof, options] of [
      [{ subjectId: newSubjectSecret(), receipt: body.receipt }, {}],
      [{ receipt: body.receipt }, {}],
      [{ subjectId: SUBJECT, receipt: "SS-GUESSED" }, {}],
      [{ subjectId: SUBJECT, receipt: body.receipt }, { shop: OTHER_SHOP }],
    ] as const) {
      const response = await post(`/consents/${body.consentId}/withdraw`, proof, options);
      expect(response.status).toBe(404);
    }
    expect(await database.client.consentRecord.count({ where: { action: "withdraw" } })).toBe(0);
    // The secret alone is enough: the receipt is a reference, not a proof.
    const own = await post(`/consents/${body.consentId}/withdraw`, { subjectId: SUBJECT });
    expect(own.status).toBe(200);
    expect(await database.client.consentRecord.count({ where: { action: "withdraw" } })).toBe(1);
  });

  it("P9: a consent sent with another shopper's stored subject id neither reaches their subject nor withdraws their consent", async () => {
    const victim = await (await post("/consents", valid)).json();
    const grant = await database.client.consentRecord.findUniqueOrThrow({
      where: { id: victim.consentId },
      include: { subject: true },
    });
    const stored = grant.subject.anonymousId ?? "";
    const impostor = await (await post("/consents", { ...valid, subjectId: stored })).json();
    const theirs = await database.client.consentRecord.findUniqueOrThrow({ where: { id: impostor.consentId } });
    expect(theirs.subjectId).not.toBe(grant.subjectId);
    const response = await post(`/consents/${victim.consentId}/withdraw`, {
      subjectId: stored,
      receipt: impostor.receipt,
    });
    expect(response.status).toBe(404);
    expect(await database.client.consentRecord.count({ where: { action: "withdraw" } })).toBe(0);
  });

  it("stores the subject secret only as a keyed digest bound to the shop", async () => {
    await post("/consents", valid);
    await post("/consents", valid, { shop: OTHER_SHOP });
    const subjects = await database.client.subject.findMany({ orderBy: { shop: "asc" } });
    expect(subjects.map((s) => [s.shop, s.anonymousId])).toEqual([
      [SHOP, subjectDigest(SHOP, SUBJECT)],
      [OTHER_SHOP, subjectDigest(OTHER_SHOP, SUBJECT)],
    ]);
    expect(subjects[0]?.anonymousId).toMatch(/^[0-9a-f]{64}$/);
    expect(subjects[0]?.anonymousId).not.toBe(subjects[1]?.anonymousId);
  });

  it("a logged-in customer is identified by Shopify's logged_in_customer_id", async () => {
    const body = await (await post("/consents", { ...valid, subjectId: undefined }, { customerId: "7401" })).json();
    const subject = await database.client.subject.findFirstOrThrow({ where: { shop: SHOP } });
    expect(subject.customerId).toBe("7401");
    expect((await post(`/consents/${body.consentId}/withdraw`, {}, { customerId: "7402" })).status).toBe(404);
    expect((await post(`/consents/${body.consentId}/withdraw`, {}, { customerId: "7401" })).status).toBe(200);
  });

  it.each([
    ["malformed JSON", "{not json", 400, "invalid_json"],
    ["no purposes", { ...valid, purposes: [] }, 400, "purpose_required"],
    ["an unknown purpose", { ...valid, purposes: ["skin_analysis", "face_recognition"] }, 400, "invalid_consent"],
    ["a repeated purpose", { ...valid, purposes: ["skin_analysis", "skin_analysis"] }, 400, "invalid_consent"],
    ["an absurd locale", { ...valid, locale: "x".repeat(80) }, 400, "invalid_consent"],
    ["a guessable subject id", { ...valid, subjectId: "1" }, 400, "invalid_consent"],
    ["an older widget's 16-character id", { ...valid, subjectId: "anon_7f3a9c1b2d4" }, 400, "invalid_consent"],
    ["no subject id while logged out", { ...valid, subjectId: undefined }, 400, "subject_required"],
    ["an oversized body", { ...valid, padding: "x".repeat(20_000) }, 413, "payload_too_large"],
  ])("refuses %s with a clear 4xx and records nothing", async (_name, body, status, code) => {
    const response = await post("/consents", body);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
    expect(await database.client.consentRecord.count()).toBe(0);
  });

  it("refuses an unsigned request before reading anything", async () => {
    const response = await post("/consents", valid, { secret: "wrong" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_signature" } });
    expect(await database.client.noticeVersion.count()).toBe(0);
  });
});
