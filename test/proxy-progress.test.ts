import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PROOF_CHECKS_PER_NETWORK_PER_HOUR } from "../app/abuse/limits";
import { REPEATABILITY } from "../app/analysis/repeatability";
import { subjectDigest } from "../app/consent/consent.server";
import { imageContext, requestDetailsContext } from "../app/crypto/contexts";
import { openDatabase } from "../app/db/client.server";
import { appKeyring } from "../app/crypto/keyring.server";
import { resetEnvForTests } from "../app/env.server";
import { PEER_ADDRESS_HEADER } from "../app/http/client-address";
import { createKeyring } from "../app/crypto/keyring";
import {
  buildCustomerExport,
  DETAILS_UNAVAILABLE,
  PHOTO_FOR_SHOPPER_ONLY,
  PHOTO_UNAVAILABLE,
} from "../app/privacy/export.server";
import { flushRequestLog } from "../app/proxy/request-log.server";
import { loader as requestDetail } from "../app/routes/app.requests.$id";
import { loader as progressLoader } from "../app/routes/proxy.progress";
import { action as photoAction, loader as photoLoader } from "../app/routes/proxy.scans.$id.photo";
import { adminRequest, call } from "./support/admin";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedStoredImage, seedSubject } from "./support/seed";
import { newSubjectSecret, storefront } from "./support/shopper";
import { startServer, type RunningServer } from "./support/server";
import { appProxyUrl, OTHER_SHOP, SHOP, storeOfflineSession, TEST_SECRET } from "./support/shopify";

/**
 * Issue 12, item 5 (P19): before/after tracking through the real, signed proxy routes. Scan rows are
 * written as the local engine stores them (the shape of app/analysis/engine.ts' Measurement and the
 * quality gates' verdict) rather than by running the engine.
 */
const DAY = 86_400_000;
const ENGINE = REPEATABILITY.engine;
const MDC = Object.fromEntries(Object.entries(REPEATABILITY.indices).map(([k, v]) => [k, v.mdc95])) as Record<
  keyof typeof REPEATABILITY.indices,
  number
>;
/** A tiny JPEG-looking payload: the bytes are what matters here, not the picture. */
const PHOTO = new Uint8Array([255, 216, 255, 0xe0, 0, 16, 74, 70, 73, 70, 9, 8, 7]);

interface Reading {
  /** Median skin L* (the quality gates' `skinL`, and the tone's L*). */
  skinL?: number;
  ita?: number;
  rednessDeltaA?: number;
  lSpreadIqr?: number;
  specularFraction?: number;
  underEyeDeltaL?: number;
  whiteBalance?: "reference" | "none";
}

/** What the local engine stores for an accepted photo of an intermediate face (from a synthetic face's run). */
function stored(r: Reading = {}) {
  const L = r.skinL ?? 62.2;
  const quality = {
    ok: true,
    reasons: [],
    hints: [],
    measured: { skinL: L, clippedShare: 0, sideLightStops: 0.07, sideColourDelta: 0.07 },
  };
  const ita = r.ita ?? 34.1;
  const measurement = {
    indices: {
      version: "indices-2",
      skinTone: {
        lab: { L, a: 10.9, b: 18.0 },
        itaDegrees: ita,
        group: "intermediate",
        fitzpatrick: {
          type: "III",
          typeNumber: 3,
          confidence: 0.22,
          alternative: "II",
          types: ["I", "II", "III", "IV", "V"],
          mapping: "ita-group-order-v1",
          basis: "skin colour (ITA°) only",
          isEstimate: true,
          confirmWith: "burn-tan-questionnaire",
        },
        sampleCount: 1128,
        itaRange: [-18, 60.3],
        groups: ["very light", "light", "intermediate", "tan", "brown"],
        confidence: 0.22,
        lightPinned: false,
        light: { source: "none", exposureStops: 1, castUnits: 1 },
        summary: "somewhere from very light to brown (confidence: low)",
      },
      redness: { deltaA: r.rednessDeltaA ?? 1.2, score: 0.1, band: "low" },
      unevenness: { lSpreadIqr: r.lSpreadIqr ?? 4.1, darkSpotFraction: 0, score: 0.2, band: "low" },
      shine: { specularFraction: r.specularFraction ?? 0.03, score: 0.1, band: "low" },
      underEyeDarkness: { deltaL: r.underEyeDeltaL ?? 2.5, score: 0.2, band: "low" },
    },
    whiteBalance: r.whiteBalance ?? "none",
    notes: [],
  };
  return { quality: JSON.stringify(quality), result: JSON.stringify(measurement) };
}

describe.each(DATABASE_KINDS)("P19: before/after tracking through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const keyring = appKeyring();

  /** A shopper in `shop` (anonymous with a secret, or a logged-in customer) with no scans yet. */
  async function shopper(options: { shop?: string; customerId?: string } = {}) {
    const shop = options.shop ?? SHOP;
    const notice =
      (await database.client.noticeVersion.findFirst({ where: { shop } })) ?? (await seedShop(database.client, shop));
    const secret = newSubjectSecret();
    const seeded = await seedSubject(database.client, keyring, {
      shop,
      noticeId: notice.id,
      scans: 0,
      ...(options.customerId ? { customerId: options.customerId } : { anonymousId: subjectDigest(shop, secret) }),
    });
    return { ...seeded, shop, secret, customerId: options.customerId };
  }

  type Shopper = Awaited<ReturnType<typeof shopper>>;

  /** One scan row as runScan writes it, `daysAgo` days back, with a sealed photo when `photo` says so. */
  async function scan(
    who: Shopper,
    daysAgo: number,
    reading: Reading = {},
    options: { status?: "refused"; photoExpiresInDays?: number; engineVersion?: string } = {},
  ): Promise<string> {
    const db = database.client;
    const refused = options.status === "refused";
    const row = stored(reading);
    const created = await db.scan.create({
      data: {
        shop: who.shop,
        subjectId: who.subjectId,
        consentId: who.consentId,
        status: refused ? "refused" : "accepted",
        provider: ENGINE.name,
        engineVersion: options.engineVersion ?? ENGINE.version,
        quality: refused ? JSON.stringify({ ok: false, reasons: ["too_dark"], hints: [], measured: {} }) : row.quality,
        result: refused ? null : row.result,
        createdAt: new Date(Date.now() - daysAgo * DAY),
      },
    });
    if (options.photoExpiresInDays !== undefined) {
      await seedStoredImage(db, keyring, {
        shop: who.shop,
        scanId: created.id,
        subjectId: who.subjectId,
        image: PHOTO,
        expiresAt: new Date(Date.now() + options.photoExpiresInDays * DAY),
      });
    }
    return created.id;
  }

  interface As {
    shop?: string;
    customerId?: string;
    secret?: string;
    headers?: Record<string, string>;
  }
  const as = (who: Shopper): As => ({ shop: who.shop, customerId: who.customerId, secret: who.secret });
  function signed(path: string, who: As, method = "GET") {
    const headers: Record<string, string> = { ...who.headers };
    if (!who.customerId && who.secret) headers["x-subject-id"] = who.secret;
    return new Request(appProxyUrl(path, {}, { shop: who.shop ?? SHOP, customerId: who.customerId }), {
      method,
      headers,
    });
  }
  const progress = (who: As) => progressLoader({ request: signed("/progress", who), params: {}, context: {} });
  const photo = (id: string, who: As, method = "GET") =>
    (method === "GET" ? photoLoader : photoAction)({
      request: signed(`/scans/${id}/photo`, who, method),
      params: { id },
      context: {},
    });

  interface Comparison {
    from: string;
    to: string;
    comparable: boolean;
    reason?: string;
    changes: { index: string; delta: number; meaningful: boolean }[];
  }

  it("P19: two scans under different light are not compared, and the reason is given", async () => {
    const me = await shopper();
    const before = await scan(me, 30, { skinL: 62 });
    // More than ⅔ stop brighter: light or skin, no telling.
    const after = await scan(me, 1, { skinL: 75, rednessDeltaA: 1.2 + 3 * MDC.redness });
    const response = await progress(as(me));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { scans: { scanId: string }[]; comparisons: Comparison[] };
    expect(body.scans.map((s) => s.scanId)).toEqual([before, after]);
    expect(body.comparisons).toEqual([
      { from: before, to: after, comparable: false, reason: "different_exposure", changes: [] },
    ]);
  });

  it("P19: a change below an index's MDC95 is not meaningful, one beyond it is; refused scans are listed but not compared", async () => {
    const me = await shopper();
    const first = await scan(me, 60);
    const refused = await scan(me, 45, {}, { status: "refused" });
    const second = await scan(me, 30, {
      rednessDeltaA: 1.2 + 0.5 * MDC.redness,
      underEyeDeltaL: 2.5 - 1.5 * MDC.underEye,
    });
    const third = await scan(me, 1, {
      rednessDeltaA: 1.2 + 2 * MDC.redness,
      underEyeDeltaL: 2.5 - 1.5 * MDC.underEye,
    });
    const body = await (await progress(as(me))).json();

    expect(body.scans.map((s: { scanId: string }) => s.scanId)).toEqual([first, refused, second, third]);
    expect(body.scans[1]).toMatchObject({ status: "refused", indices: null, tone: null, photoKept: false });
    expect(body.scans[0].indices).toMatchObject({ ita: 34.1, redness: 1.2, shine: 0.03, underEye: 2.5 });
    expect(body.scans[0].tone).toMatchObject({ group: "intermediate", itaRange: [-18, 60.3], lightPinned: false });

    // Consecutive accepted scans, then first → latest.
    const pairs = (body.comparisons as Comparison[]).map((c) => [c.from, c.to]);
    expect(pairs).toEqual([
      [first, second],
      [second, third],
      [first, third],
    ]);
    const change = (c: Comparison, index: string) => c.changes.find((x) => x.index === index)!;
    const [firstToSecond, secondToThird, overall] = body.comparisons as Comparison[];
    for (const c of body.comparisons as Comparison[]) {
      expect(c.comparable).toBe(true);
      expect(c.reason).toBeUndefined();
      expect(c.changes.map((x) => x.index)).toEqual(["ita", "redness", "unevenness", "shine", "underEye"]);
    }
    expect(change(firstToSecond!, "redness")).toEqual({
      index: "redness",
      delta: expect.closeTo(0.5 * MDC.redness, 4),
      meaningful: false,
    });
    expect(change(firstToSecond!, "underEye")).toMatchObject({ meaningful: true });
    expect(change(firstToSecond!, "ita")).toEqual({ index: "ita", delta: 0, meaningful: false });
    expect(change(secondToThird!, "redness")).toMatchObject({ meaningful: true });
    expect(change(secondToThird!, "underEye")).toEqual({ index: "underEye", delta: 0, meaningful: false });
    expect(change(overall!, "redness")).toMatchObject({ delta: expect.closeTo(2 * MDC.redness, 4), meaningful: true });
  });

  it("P19: scans of different engine versions, or one colour-corrected with a card and one not, are not compared", async () => {
    const me = await shopper();
    const old = await scan(me, 90, {}, { engineVersion: "1.0.0+indices-1" });
    const plain = await scan(me, 60);
    const carded = await scan(me, 30, { whiteBalance: "reference" });
    const body = await (await progress(as(me))).json();
    expect(
      (body.comparisons as Comparison[]).map(({ from, to, comparable, reason }) => ({ from, to, comparable, reason })),
    ).toEqual([
      { from: old, to: plain, comparable: false, reason: "different_engine" },
      { from: plain, to: carded, comparable: false, reason: "different_white_balance" },
      { from: old, to: carded, comparable: false, reason: "different_engine" },
    ]);
  });

  it("P19: the kept photo is decrypted for its shopper alone, never cached; another shopper or shop gets the same 404", async () => {
    const me = await shopper();
    const id = await scan(me, 2, {}, { photoExpiresInDays: 30 });
    const own = await photo(id, as(me));
    expect(own.status).toBe(200);
    expect(own.headers.get("content-type")).toBe("image/jpeg");
    expect(own.headers.get("cache-control")).toBe("no-store");
    expect(own.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await own.arrayBuffer())).toEqual(PHOTO);
    // At rest it is sealed, not the photo's bytes.
    const row = await database.client.storedImage.findUniqueOrThrow({ where: { scanId: id } });
    expect(Buffer.from(row.ciphertext).includes(Buffer.from(PHOTO))).toBe(false);

    const listed = (await (await progress(as(me))).json()).scans[0];
    expect(listed).toMatchObject({ scanId: id, photoKept: true, photoDeleteAfter: row.expiresAt.toISOString() });

    const someoneElse = await shopper();
    const elsewhere = await shopper({ shop: OTHER_SHOP });
    const sameSecretOtherShop = { shop: OTHER_SHOP, secret: me.secret };
    for (const who of [as(someoneElse), as(elsewhere), sameSecretOtherShop]) {
      const refused = await photo(id, who);
      const answer = await refused.json();
      // The other shop does not know this secret at all: that is the shopper lookup's own 404.
      expect(refused.status).toBe(404);
      expect(["photo_not_found", "shopper_not_found"]).toContain(answer.error.code);
      expect(JSON.stringify(answer)).not.toContain(id);
    }
    const a = await (await photo(id, as(someoneElse))).json();
    const b = await (await photo("no-such-scan", as(me))).json();
    expect(a).toEqual(b);
    expect(a.error.code).toBe("photo_not_found");
    // Only GET: the photo is not changed or deleted through this path (DELETE /scans/{id} does that).
    expect((await photo(id, as(me), "DELETE")).status).toBe(405);
  });

  it("P19: a scan without a kept photo, or one past its delete-after date (before the sweep has run), gives 404", async () => {
    const me = await shopper();
    const without = await scan(me, 5);
    const expired = await scan(me, 100, {}, { photoExpiresInDays: -1 });
    const kept = await scan(me, 2, {}, { photoExpiresInDays: 1 });
    expect(await database.client.storedImage.count({ where: { scanId: expired } })).toBe(1);
    const notKept = await (await photo(without, as(me))).json();
    const pastDate = await photo(expired, as(me));
    expect(pastDate.status).toBe(404);
    expect(await pastDate.json()).toEqual(notKept);
    expect((await photo(kept, as(me))).status).toBe(200);
    const listed = (await (await progress(as(me))).json()).scans as { scanId: string; photoKept: boolean }[];
    expect(listed.map((s) => [s.scanId, s.photoKept])).toEqual([
      [expired, false],
      [without, false],
      [kept, true],
    ]);
    expect(listed[0]).toMatchObject({ photoDeleteAfter: null });
  });

  it("P19: a photo past its delete-after date is in no export, the shopper's or the merchant's; a kept one only in the shopper's", async () => {
    const me = await shopper();
    const expired = await scan(me, 100, {}, { photoExpiresInDays: -1 });
    const kept = await scan(me, 2, {}, { photoExpiresInDays: 1 });
    const base64 = Buffer.from(PHOTO).toString("base64");
    const images = (doc: Awaited<ReturnType<typeof buildCustomerExport>>) =>
      Object.fromEntries(doc.subjects.flatMap((s) => s.scans.map((x) => [x.id, x.image])));
    const owner = { subjectId: me.subjectId };
    const forShopper = images(await buildCustomerExport(database.client, keyring, me.shop, owner, "shopper"));
    expect(forShopper[expired]).toBeNull();
    expect(forShopper[kept]).toMatchObject({ base64 });
    const forMerchant = await buildCustomerExport(database.client, keyring, me.shop, owner, "merchant");
    expect(images(forMerchant)[expired]).toBeNull();
    expect(images(forMerchant)[kept]).toMatchObject({ note: PHOTO_FOR_SHOPPER_ONLY });
    expect(JSON.stringify(forMerchant)).not.toContain(base64);
  });

  it("P2, P9, P19: a kept photo whose key was removed is a 410 that says what to do, the key id is logged, and progress and my-data still answer", async () => {
    const db = database.client;
    const me = await shopper();
    const readable = await scan(me, 3, {}, { photoExpiresInDays: 30 });
    const orphaned = await scan(me, 2, {}, { photoExpiresInDays: 30 });
    // Sealed under a key the app no longer has (removed from ENCRYPTION_KEYS before a rotation re-sealed it).
    const retired = createKeyring(new Map([["retired-2025", randomBytes(32)]]), "retired-2025");
    const sealed = retired.seal(PHOTO, imageContext(orphaned));
    await db.storedImage.update({
      where: { scanId: orphaned },
      data: { keyId: sealed.keyId, ciphertext: new Uint8Array(sealed.envelope) },
    });
    const request = await db.privacyRequest.create({
      data: { shop: me.shop, subjectId: me.subjectId, source: "shopper", type: "correction", dueAt: new Date() },
    });
    const details = retired.seal(JSON.stringify({ message: "my name is wrong" }), requestDetailsContext(request.id));
    await db.privacyRequest.update({
      where: { id: request.id },
      data: { detailsKeyId: details.keyId, detailsCiphertext: new Uint8Array(details.envelope) },
    });

    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => (lines.push(Buffer.from(chunk).toString("utf8")), true);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    resetEnvForTests();
    let gone: Response, mine: Awaited<ReturnType<ReturnType<typeof storefront>["myData"]>>;
    try {
      gone = await photo(orphaned, as(me));
      mine = await storefront(me.shop).myData({ subjectId: me.secret, receipt: me.receipt });
    } finally {
      process.env.LOG_LEVEL = level;
      resetEnvForTests();
      out.mockRestore();
      err.mockRestore();
    }
    expect(gone.status).toBe(410);
    const answer = await gone.json();
    expect(answer.error.code).toBe("photo_unavailable");
    expect(answer.error.message).toMatch(/delete the scan/);
    expect(JSON.stringify(answer)).not.toContain(orphaned);
    // The operator learns which key is missing, and nothing about the shopper or the scan.
    const logged = lines.map((line) => JSON.parse(line)).filter((line) => line.message === "sealed data unreadable");
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ shop: me.shop, table: "StoredImage", keyId: "retired-2025", reason: "unknown_key" }),
        expect.objectContaining({ table: "PrivacyRequest", keyId: "retired-2025" }),
      ]),
    );
    const output = lines.join("");
    for (const secret of [orphaned, me.subjectId, me.secret, me.receipt, "my name is wrong"])
      expect(output).not.toContain(secret);

    // The photo that can be opened still is; the list and the comparison are whole.
    expect((await photo(readable, as(me))).status).toBe(200);
    const listed = await progress(as(me));
    expect(listed.status).toBe(200);
    expect((await listed.json()).scans.map((s: { scanId: string }) => s.scanId)).toEqual([readable, orphaned]);

    // my-data: everything else, the unreadable photo and request details replaced by a note.
    expect(mine!.status).toBe(200);
    const exported = mine!.body.export.subjects[0];
    const byId = Object.fromEntries(exported.scans.map((x: { id: string; image: unknown }) => [x.id, x.image]));
    expect(byId[readable]).toMatchObject({ base64: Buffer.from(PHOTO).toString("base64") });
    expect(byId[orphaned]).toEqual({
      mimeType: "image/jpeg",
      expiresAt: expect.any(String),
      unavailable: true,
      note: PHOTO_UNAVAILABLE,
    });
    expect(exported.requests).toEqual([
      expect.objectContaining({ id: request.id, details: null, note: DETAILS_UNAVAILABLE }),
    ]);
  });

  it("P19: a logged-in customer needs no secret; a customer the app has never seen has no progress", async () => {
    const me = await shopper({ customerId: "7301" });
    const before = await scan(me, 20);
    const after = await scan(me, 1, {}, { photoExpiresInDays: 10 });
    const body = await (await progress(as(me))).json();
    expect(body.scans.map((s: { scanId: string }) => s.scanId)).toEqual([before, after]);
    expect(body.comparisons).toHaveLength(1);
    expect((await photo(after, as(me))).status).toBe(200);
    // Another customer of the same shop, and the same customer id in another shop.
    expect((await photo(after, { customerId: "7302" })).status).toBe(404);
    expect((await photo(after, { customerId: "7301", shop: OTHER_SHOP })).status).toBe(404);
    expect(await (await progress({ customerId: "7302" })).json()).toEqual({ scans: [], comparisons: [] });
  });

  it("P19: the proof is required: no secret, a malformed one or an unknown one opens nothing", async () => {
    const me = await shopper();
    const id = await scan(me, 1, {}, { photoExpiresInDays: 10 });
    for (const call of [() => progress({}), () => photo(id, {})]) {
      const response = await call();
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe("proof_required");
    }
    for (const call of [() => progress({ secret: "short" }), () => photo(id, { secret: "short" })]) {
      const response = await call();
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe("invalid_proof");
    }
    const stranger = { secret: newSubjectSecret() };
    expect((await progress(stranger)).status).toBe(404);
    expect((await photo(id, stranger)).status).toBe(404);
    // A forged proxy signature is refused before anything is read.
    const forged = new Request(appProxyUrl(`/scans/${id}/photo`, {}, { secret: "not-the-app-secret" }), {
      headers: { "x-subject-id": me.secret },
    });
    expect((await photoLoader({ request: forged, params: { id }, context: {} })).status).toBe(400);
  });

  it("P15, P19: both endpoints count as proof checks per network, failed ones too", async () => {
    const network = {
      "x-forwarded-for": `203.0.113.${10 + Math.floor(Math.random() * 200)}, 23.227.38.65`,
      [PEER_ADDRESS_HEADER]: "10.0.0.5",
    };
    const me = await shopper();
    const id = await scan(me, 1, {}, { photoExpiresInDays: 10 });
    const guesser = { secret: newSubjectSecret(), headers: network };
    for (let i = 0; i < PROOF_CHECKS_PER_NETWORK_PER_HOUR / 2; i++) {
      expect((await progress(guesser)).status).toBe(404);
      expect((await photo(id, guesser)).status).toBe(404);
    }
    for (const response of [await progress(guesser), await photo(id, { ...as(me), headers: network })]) {
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBeTruthy();
    }
    // The shopper on another network is not affected.
    expect((await photo(id, as(me))).status).toBe(200);
  }, 60_000);

  it("P19: the merchant's admin shows the shopper's scans but never the kept photo; the photo's bytes are never logged", async () => {
    const db = database.client;
    await storeOfflineSession(db, SHOP);
    const secret = newSubjectSecret();
    const api = storefront();
    const given = await api.consent(secret, ["skin_analysis", "extended_retention"]);
    expect(given.status).toBe(201);
    const grant = await db.consentRecord.findUniqueOrThrow({ where: { id: given.body.consentId } });
    const me: Shopper = {
      subjectId: grant.subjectId,
      consentId: grant.id,
      receipt: given.body.receipt,
      scanIds: [],
      shop: SHOP,
      secret,
      customerId: undefined,
    };
    const id = await scan(me, 1, {}, { photoExpiresInDays: 10 });
    const filed = await api.request({ type: "access", message: "", subjectId: secret, receipt: me.receipt });
    expect(filed.status).toBe(201);
    const requestId = filed.body.requestId as string;
    const detail = JSON.stringify(
      await call(requestDetail, await adminRequest(`/app/requests/${requestId}`), { id: requestId }),
    );
    expect(detail).toContain(id);
    const base64 = Buffer.from(PHOTO).toString("base64");
    expect(detail).not.toContain(base64);
    // The merchant's session is no shopper proof: an admin request to the proxy route is refused.
    const adminCall = await adminRequest(`/proxy/scans/${id}/photo`);
    expect((await photoLoader({ request: adminCall, params: { id }, context: {} })).status).toBe(400);

    // Everything written to stdout/stderr while the photo is served, at the most verbose log level.
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => (lines.push(Buffer.from(chunk).toString("latin1")), true);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    resetEnvForTests();
    try {
      const served = await photo(id, as(me));
      expect(served.status).toBe(200);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(PHOTO);
      await flushRequestLog();
    } finally {
      process.env.LOG_LEVEL = level;
      resetEnvForTests();
      out.mockRestore();
      err.mockRestore();
    }
    const output = lines.join("");
    for (const form of [base64, Buffer.from(PHOTO).toString("hex"), Buffer.from(PHOTO).toString("latin1")])
      expect(output).not.toContain(form);
    const logged = await db.requestLog.findMany({ where: { route: { contains: "photo" } } });
    expect(logged.length).toBeGreaterThan(0);
    expect(new Set(logged.map((row) => row.route))).toEqual(new Set(["/proxy/scans/:id/photo"]));
    expect(JSON.stringify(logged)).not.toContain(id);
  });
});

/**
 * The same two endpoints through the real server (server.mjs over the build): Remix resolves
 * /proxy/scans/{id}/photo to its own route under /proxy/scans/{id}, and the photo leaves as bytes.
 */
describe("P19: progress and the kept photo through the real server", () => {
  let server: RunningServer;
  let dir: string;
  let databaseUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-progress-"));
    databaseUrl = `file:${join(dir, "app.db")}`;
    server = await startServer({
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_SECRET: TEST_SECRET,
      JOBS_IN_PROCESS: "false",
      LOG_LEVEL: "debug",
    });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("P19: GET /progress and GET /scans/{id}/photo answer the subject; DELETE on the photo is 405", async () => {
    const keyring = appKeyring();
    const secret = newSubjectSecret();
    const db = await openDatabase(databaseUrl);
    let scanId: string;
    try {
      const notice = await seedShop(db.client, SHOP);
      const me = await seedSubject(db.client, keyring, {
        shop: SHOP,
        noticeId: notice.id,
        scans: 0,
        anonymousId: subjectDigest(SHOP, secret),
      });
      const row = stored();
      const scan = await db.client.scan.create({
        data: {
          shop: SHOP,
          subjectId: me.subjectId,
          consentId: me.consentId,
          status: "accepted",
          provider: ENGINE.name,
          engineVersion: ENGINE.version,
          ...row,
        },
      });
      scanId = scan.id;
      await seedStoredImage(db.client, keyring, {
        shop: SHOP,
        scanId: scan.id,
        subjectId: me.subjectId,
        image: PHOTO,
        expiresAt: new Date(Date.now() + 10 * DAY),
      });
    } finally {
      await db.close();
    }
    const url = (path: string) => appProxyUrl(path).replace("https://scanshield.test", server.baseUrl);
    const proof = { "x-subject-id": secret };

    const progress = await fetch(url("/progress"), { headers: proof });
    expect(progress.status).toBe(200);
    const body = await progress.json();
    expect(body.scans).toEqual([expect.objectContaining({ scanId, photoKept: true })]);

    const own = await fetch(url(`/scans/${scanId}/photo`), { headers: proof });
    expect(own.status).toBe(200);
    expect(own.headers.get("content-type")).toBe("image/jpeg");
    expect(own.headers.get("cache-control")).toBe("no-store");
    expect(new Uint8Array(await own.arrayBuffer())).toEqual(PHOTO);

    const stranger = await fetch(url(`/scans/${scanId}/photo`), { headers: { "x-subject-id": newSubjectSecret() } });
    expect(stranger.status).toBe(404);
    const deleting = await fetch(url(`/scans/${scanId}/photo`), { method: "DELETE", headers: proof });
    expect(deleting.status).toBe(405);
    expect((await deleting.json()).error.code).toBe("method_not_allowed");
    // The scan itself is still there: the DELETE did not fall through to /scans/{id}.
    expect((await fetch(url(`/scans/${scanId}`), { headers: proof })).status).toBe(200);

    const output = server.output();
    for (const form of [Buffer.from(PHOTO).toString("base64"), Buffer.from(PHOTO).toString("hex"), secret])
      expect(output).not.toContain(form);
  }, 60_000);
});
