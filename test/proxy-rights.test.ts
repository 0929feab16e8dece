import { describe, expect, it } from "vitest";
import { subjectDigest } from "../app/consent/consent.server";
import { requestDetailsContext } from "../app/crypto/contexts";
import { appKeyring } from "../app/crypto/keyring.server";
import { FLUSH_ERASURES_JOB } from "../app/privacy/erasure.server";
import { saveProduct } from "../app/recommendations/recommend.server";
import { loader as myDataLoader, action as myDataAction } from "../app/routes/proxy.my-data";
import { action as requests } from "../app/routes/proxy.requests";
import { loader as scanLoader, action as scanAction } from "../app/routes/proxy.scans.$id";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedSubject } from "./support/seed";
import { newSubjectSecret, proxyRequest, routeArgs } from "./support/shopper";
import { OTHER_SHOP, SHOP } from "./support/shopify";

const DAY = 86_400_000;
/** The widget's subject secret; the app keeps only its keyed digest (ADR 0006). */
const ANON = newSubjectSecret();

describe.each(DATABASE_KINDS)("shopper rights through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const keyring = appKeyring();

  async function anonymousShopper(shop = SHOP, extra: { image?: Uint8Array; remote?: { apiUrl: string } } = {}) {
    const notice = await seedShop(database.client, shop);
    const seeded = await seedSubject(database.client, keyring, {
      shop,
      noticeId: notice.id,
      anonymousId: subjectDigest(shop, ANON),
      scans: 2,
      ...extra,
    });
    return { ...seeded, proof: { subjectId: ANON, receipt: seeded.receipt } };
  }

  it("P9: access — my-data gives a readable summary and the machine-readable export, only with the subject secret", async () => {
    const me = await anonymousShopper(SHOP, { image: new Uint8Array([255, 216, 255, 1, 2, 3]) });
    const response = await myDataLoader(routeArgs(proxyRequest("/my-data", { proof: me.proof })));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.summary).toMatchObject({ consents: 1, withdrawals: 0, scans: 2, storedImages: 2, requests: 0 });
    expect(body.summary.scanList.map((s: { scanId: string }) => s.scanId).sort()).toEqual([...me.scanIds].sort());
    expect(body.export.format).toBe("scanshield.customer-export.v1");
    expect(body.export.subjects[0].consents[0].receipt).toBe(me.receipt);
    expect(body.export.subjects[0].scans[0].image.base64).toBe(
      Buffer.from([255, 216, 255, 1, 2, 3]).toString("base64"),
    );

    const noProof = await myDataLoader(routeArgs(proxyRequest("/my-data")));
    expect(noProof.status).toBe(401);
    expect((await noProof.json()).error.code).toBe("proof_required");
    const receiptOnly = await myDataLoader(routeArgs(proxyRequest("/my-data", { proof: { receipt: me.receipt } })));
    expect(receiptOnly.status).toBe(401);
    const secretOnly = await myDataLoader(routeArgs(proxyRequest("/my-data", { proof: { subjectId: ANON } })));
    expect((await secretOnly.json()).summary).toMatchObject({ consents: 1, scans: 2, storedImages: 2 });
    const wrongReceipt = await myDataLoader(
      routeArgs(proxyRequest("/my-data", { proof: { ...me.proof, receipt: "SS-AAAAAAAA" } })),
    );
    expect(wrongReceipt.status).toBe(404);
    const otherShop = await myDataLoader(routeArgs(proxyRequest("/my-data", { proof: me.proof, shop: OTHER_SHOP })));
    expect(otherShop.status).toBe(404);
  });

  it("P9: a logged-in customer is known by Shopify's signed customer id, with no proof needed", async () => {
    const notice = await seedShop(database.client, SHOP);
    await seedSubject(database.client, keyring, { shop: SHOP, noticeId: notice.id, customerId: "8801", scans: 1 });
    const mine = await (await myDataLoader(routeArgs(proxyRequest("/my-data", { customerId: "8801" })))).json();
    expect(mine.summary.scans).toBe(1);
    expect(mine.export.customer).toEqual({ id: "8801" });
    const stranger = await (await myDataLoader(routeArgs(proxyRequest("/my-data", { customerId: "9999" })))).json();
    expect(stranger.summary.scans).toBe(0);
  });

  it("reads one's own scan with today's recommendations; another shopper's or shop's scan is 404", async () => {
    const me = await anonymousShopper();
    await database.client.scan.update({
      where: { id: me.scanIds[0] },
      data: { result: JSON.stringify({ indices: { redness: { band: "high" } } }) },
    });
    await saveProduct(database.client, SHOP, {
      shopifyId: "gid://shopify/Product/1",
      handle: "calm-serum",
      title: "Calm Serum",
      imageUrl: null,
      price: "899.00",
      currency: "INR",
      variantId: "4401",
      available: true,
      tags: ["skin-scan:redness"],
      collections: [],
      metafields: {},
    });
    const response = await scanLoader(
      routeArgs(proxyRequest(`/scans/${me.scanIds[0]}`, { proof: me.proof }), { id: me.scanIds[0]! }),
    );
    expect(response.status).toBe(200);
    const scan = await response.json();
    expect(scan).toMatchObject({ scanId: me.scanIds[0], status: "accepted", image: { kept: false } });
    expect(scan.recommendations).toEqual([
      expect.objectContaining({
        title: "Calm Serum",
        variantId: "4401",
        concern: "redness",
        url: "/products/calm-serum",
      }),
    ]);

    const notice = await database.client.noticeVersion.findFirstOrThrow({ where: { shop: SHOP } });
    const other = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: "anon_someone_else_0123456",
    });
    const foreign = await scanLoader(
      routeArgs(proxyRequest(`/scans/${other.scanIds[0]}`, { proof: me.proof }), { id: other.scanIds[0]! }),
    );
    expect(foreign.status).toBe(404);
    expect((await foreign.json()).error.code).toBe("scan_not_found");
    const viaOtherShop = await scanLoader(
      routeArgs(proxyRequest(`/scans/${me.scanIds[0]}`, { proof: me.proof, shop: OTHER_SHOP }), { id: me.scanIds[0]! }),
    );
    expect(viaOtherShop.status).toBe(404);
  });

  it("P2: deleting one scan deletes its kept photo and tells the vendor, and leaves the other scan", async () => {
    const me = await anonymousShopper(SHOP, {
      image: new Uint8Array([255, 216, 255, 9]),
      remote: { apiUrl: "https://vendor.example/in" },
    });
    const id = me.scanIds[0]!;
    const response = await scanAction(
      routeArgs(proxyRequest(`/scans/${id}`, { method: "DELETE", proof: me.proof }), { id }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ deleted: true, imageDeleted: true, analysisDeletionQueued: true });
    const db = database.client;
    expect(await db.scan.findUnique({ where: { id } })).toBeNull();
    expect(await db.storedImage.count({ where: { scanId: id } })).toBe(0);
    expect(await db.scan.count({ where: { id: me.scanIds[1] } })).toBe(1);
    expect(await db.remoteDeletion.count()).toBe(1);
    expect(await db.job.count({ where: { type: FLUSH_ERASURES_JOB } })).toBe(1);
    const again = await scanAction(
      routeArgs(proxyRequest(`/scans/${id}`, { method: "DELETE", proof: me.proof }), { id }),
    );
    expect(again.status).toBe(404);
  });

  it("P9, P11: erase everything removes every row of the shopper and keeps a ledger entry that names no one", async () => {
    const me = await anonymousShopper(SHOP, { image: new Uint8Array([255, 216, 255, 7]) });
    const response = await myDataAction(routeArgs(proxyRequest("/my-data", { method: "DELETE", proof: me.proof })));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ erased: true, reference: expect.stringMatching(/^RQ-/) });
    const db = database.client;
    expect(await db.subject.count()).toBe(0);
    expect(await db.consentRecord.count()).toBe(0);
    expect(await db.scan.count()).toBe(0);
    expect(await db.storedImage.count()).toBe(0);
    const ledger = await db.privacyRequest.findFirstOrThrow();
    expect(ledger).toMatchObject({ type: "erasure", source: "shopper", status: "completed", subjectId: null });
    expect(ledger.detailsCiphertext).toBeNull();
    // The proof no longer opens anything.
    expect((await myDataLoader(routeArgs(proxyRequest("/my-data", { proof: me.proof })))).status).toBe(404);
  });

  it.each([
    ["grievance", 15],
    ["correction", 30],
    ["nomination", 30],
    ["objection", 30],
    ["access", 30],
    ["portability", 30],
  ])("P9: a %s request is tracked with a due date %i days out and its message sealed", async (type, days) => {
    const me = await anonymousShopper();
    const before = Date.now();
    const response = await requests(
      routeArgs(
        proxyRequest("/requests", {
          method: "POST",
          body: { type, message: "Please fix my record, Priya", contactEmail: "priya@example.in", ...me.proof },
        }),
      ),
    );
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body).toMatchObject({ type, status: "received", reference: expect.stringMatching(/^RQ-[0-9A-F]{12}$/) });
    const due = Date.parse(body.dueAt) - before;
    expect(due).toBeGreaterThanOrEqual(days * DAY - 1000);
    expect(due).toBeLessThan(days * DAY + 60_000);
    const row = await database.client.privacyRequest.findUniqueOrThrow({ where: { id: body.requestId } });
    expect(row).toMatchObject({ source: "shopper", type, subjectId: me.subjectId, status: "received" });
    const sealed = Buffer.from(row.detailsCiphertext ?? new Uint8Array());
    expect(sealed.includes(Buffer.from("priya@example.in"))).toBe(false);
    expect(JSON.parse(keyring.openText(sealed, requestDetailsContext(row.id)))).toEqual({
      message: "Please fix my record, Priya",
      contactEmail: "priya@example.in",
    });
  });

  it("P9: a withdrawal request withdraws every consent at once; an erasure request erases at once", async () => {
    const me = await anonymousShopper();
    const withdrawal = await requests(
      routeArgs(proxyRequest("/requests", { method: "POST", body: { type: "withdrawal", ...me.proof } })),
    );
    expect((await withdrawal.json()).status).toBe("completed");
    expect(
      await database.client.consentRecord.count({ where: { action: "withdraw", withdrawsId: me.consentId } }),
    ).toBe(1);

    const erasure = await requests(
      routeArgs(
        proxyRequest("/requests", { method: "POST", body: { type: "erasure", message: "delete me", ...me.proof } }),
      ),
    );
    expect(erasure.status).toBe(201);
    expect((await erasure.json()).status).toBe("completed");
    expect(await database.client.subject.count()).toBe(0);
    const rows = await database.client.privacyRequest.findMany({ orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.type, r.status, r.subjectId])).toEqual([
      ["withdrawal", "completed", null], // the subject link went with the subject (SET NULL)
      ["erasure", "completed", null],
    ]);
  });

  it.each([
    ["an unknown type", { type: "delete_everything" }, 400, "invalid_request"],
    ["a bad email", { type: "grievance", contactEmail: "not-an-email" }, 400, "invalid_request"],
    ["an over-long message", { type: "grievance", message: "x".repeat(2001) }, 400, "invalid_request"],
    ["no proof", { type: "correction", subjectId: undefined, receipt: undefined }, 401, "proof_required"],
    ["a receipt alone", { type: "correction", subjectId: undefined }, 401, "proof_required"],
    ["a guessed receipt", { type: "correction", receipt: "SS-GUESSED1" }, 404, "shopper_not_found"],
    ["a secret nobody holds (P9)", { type: "erasure", subjectId: newSubjectSecret() }, 404, "shopper_not_found"],
    ["a malformed subject id", { type: "correction", subjectId: "short" }, 400, "invalid_proof"],
  ])("refuses %s with a clear 4xx and writes nothing", async (_label, change, status, code) => {
    const me = await anonymousShopper();
    const response = await requests(
      routeArgs(proxyRequest("/requests", { method: "POST", body: { ...me.proof, ...change } })),
    );
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
    expect(await database.client.privacyRequest.count()).toBe(0);
  });
});
