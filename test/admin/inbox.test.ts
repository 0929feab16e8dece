import { describe, expect, it } from "vitest";
import { appKeyring } from "../../app/crypto/keyring.server";
import { fileRequest } from "../../app/rights/rights.server";
import { loader as exportLoader } from "../../app/routes/app.exports.$id";
import { action as answer, loader as detail } from "../../app/routes/app.requests.$id";
import { loader as inbox } from "../../app/routes/app.requests._index";
import { adminRequest, call, callForResponse } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { seedShop, seedSubject } from "../support/seed";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

const keyring = appKeyring();
const DAY = 86_400_000;

describe.each(DATABASE_KINDS)("admin rights inbox on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  async function setup() {
    await storeOfflineSession(database.client, SHOP);
    await storeOfflineSession(database.client, OTHER_SHOP);
    const notice = await seedShop(database.client, SHOP);
    const priya = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "7401",
      scans: 2,
      marker: "priya-result",
    });
    const shopper = { shop: SHOP, customerId: "7401" };
    const grievance = await fileRequest(database.client, keyring, shopper, {
      type: "grievance",
      message: "My results looked wrong under the shop's lights.",
      contactEmail: "priya@example.com",
    });
    const access = await fileRequest(database.client, keyring, shopper, { type: "access", message: "" });
    // Filed 40 days ago and never answered.
    const late = await database.client.privacyRequest.create({
      data: {
        shop: SHOP,
        subjectId: priya.subjectId,
        source: "shopper",
        type: "correction",
        dueAt: new Date(Date.now() - 10 * DAY),
        createdAt: new Date(Date.now() - 40 * DAY),
        externalRef: "RQ-LATE0001",
      },
    });
    const otherNotice = await seedShop(database.client, OTHER_SHOP);
    await seedSubject(database.client, keyring, { shop: OTHER_SHOP, noticeId: otherNotice.id, customerId: "9900" });
    const theirs = await fileRequest(
      database.client,
      keyring,
      { shop: OTHER_SHOP, customerId: "9900" },
      {
        type: "grievance",
        message: "Other shop's private complaint",
      },
    );
    return { priya, grievance, access, late, theirs };
  }

  it("P9: lists every open request with its due date, most urgent first, and flags the overdue one", async () => {
    const { grievance, access, late } = await setup();
    const data = await call(inbox, await adminRequest("/app/requests"));
    expect(data.rows.map((r) => r.id)).toEqual([late.id, grievance.requestId, access.requestId]);
    expect(data.rows[0]).toMatchObject({ overdue: true, typeLabel: "Correction", reference: "RQ-LATE0001" });
    const g = data.rows[1];
    expect(g?.overdue).toBe(false);
    // Due dates in whole days after receipt (the ledger stamps both within the same request).
    const days = (row?: { dueAt: string; createdAt: string }) =>
      Math.round((Date.parse(row?.dueAt ?? "") - Date.parse(row?.createdAt ?? "")) / DAY);
    expect(days(g)).toBe(15);
    expect(days(data.rows[2])).toBe(30);
    expect(data.counts).toEqual({ open: 3, overdue: 1, dueSoon: 0 });
    // The other shop's grievance is not in this inbox.
    expect(JSON.stringify(data)).not.toContain("Other shop");
  });

  it("P9: completes an access request with an export the merchant downloads as JSON", async () => {
    const { access } = await setup();
    const view = await call(detail, await adminRequest(`/app/requests/${access.requestId}`), { id: access.requestId });
    expect(view.subject?.customerId).toBe("7401");
    expect(view.subject?.scans).toHaveLength(2);

    const done = await call(
      answer,
      await adminRequest(`/app/requests/${access.requestId}`, { json: { intent: "export" } }),
      {
        id: access.requestId,
      },
    );
    const body = await done.json();
    expect(body).toMatchObject({ ok: true, done: "export", toast: "Export ready to download" });
    const file = await call(exportLoader, await adminRequest(`/app/exports/${body.exportId}`), { id: body.exportId });
    expect(file.headers.get("content-disposition")).toMatch(/^attachment; filename="scanshield-export-/);
    const document = await file.json();
    expect(document.format).toBe("scanshield.customer-export.v1");
    expect(JSON.stringify(document)).toContain("priya-result");
    const row = await database.client.privacyRequest.findUniqueOrThrow({ where: { id: access.requestId } });
    expect(row.status).toBe("completed");
  });

  it("P9: a grievance reply is stored sealed and completes the request", async () => {
    const { grievance } = await setup();
    const reply = "We re-checked: lighting affects results. We have removed the scan.";
    const response = await call(
      answer,
      await adminRequest(`/app/requests/${grievance.requestId}`, { json: { intent: "reply", message: reply } }),
      { id: grievance.requestId },
    );
    expect(response.status).toBe(200);
    const row = await database.client.privacyRequest.findUniqueOrThrow({ where: { id: grievance.requestId } });
    expect(row.status).toBe("completed");
    expect(Buffer.from(row.detailsCiphertext ?? []).includes(Buffer.from("re-checked"))).toBe(false);
    const view = await call(detail, await adminRequest(`/app/requests/${grievance.requestId}`), {
      id: grievance.requestId,
    });
    expect(view.message).toBe("My results looked wrong under the shop's lights.");
    expect(view.replies.map((r) => r.message)).toEqual([reply]);
    const audit = await database.client.auditEvent.findMany({ where: { targetId: grievance.requestId } });
    expect(audit.map((a) => a.action)).toContain("request.reply");
    expect(JSON.stringify(audit)).not.toContain("re-checked");
  });

  it("P9: the request page says what happened in plain words, and whom a shopper without an email can reach", async () => {
    const { grievance } = await setup();
    const open = async () =>
      call(detail, await adminRequest(`/app/requests/${grievance.requestId}`), { id: grievance.requestId });
    const before = await open();
    expect(before.subject?.consents.map((c) => c.record)).toEqual(["Consent"]);
    expect(before.history).toEqual([expect.objectContaining({ who: "Shopper", what: "Grievance request filed" })]);
    expect(JSON.stringify(before.history)).not.toContain("request.");
    // No contact published yet: the page has none to show.
    expect(before.storeContact).toBeNull();
    await database.client.shop.update({
      where: { shop: SHOP },
      data: { processingContactName: "Grievance Officer", processingContactEmail: "privacy@shop.example" },
    });
    const after = await open();
    expect(after.storeContact).toMatchObject({ name: "Grievance Officer", email: "privacy@shop.example" });
  });

  it("P9/P11: a correction removes the wrong scan, and an erasure removes the person and unlinks the ledger", async () => {
    const { late, priya, access } = await setup();
    const wrong = priya.scanIds[0] ?? "";
    const corrected = await call(
      answer,
      await adminRequest(`/app/requests/${late.id}`, {
        json: { intent: "correct", note: "Removed a scan taken in bad light", removeScanIds: [wrong] },
      }),
      { id: late.id },
    );
    expect(await corrected.json()).toMatchObject({ ok: true, scansRemoved: 1 });
    expect(await database.client.scan.count({ where: { subjectId: priya.subjectId } })).toBe(1);

    const erased = await call(
      answer,
      await adminRequest(`/app/requests/${access.requestId}`, { json: { intent: "erase" } }),
      {
        id: access.requestId,
      },
    );
    expect(erased.status).toBe(200);
    expect(await database.client.subject.count({ where: { shop: SHOP } })).toBe(0);
    expect(await database.client.scan.count({ where: { shop: SHOP } })).toBe(0);
    const row = await database.client.privacyRequest.findUniqueOrThrow({ where: { id: access.requestId } });
    expect(row).toMatchObject({ status: "completed", subjectId: null, detailsCiphertext: null });
  });

  it("refuses an empty reply on the field", async () => {
    const { grievance } = await setup();
    const response = await call(
      answer,
      await adminRequest(`/app/requests/${grievance.requestId}`, { json: { intent: "reply", message: " " } }),
      { id: grievance.requestId },
    );
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual({ message: "Write a reply." });
  });

  it("tenant isolation: another shop's request cannot be read, answered or its export downloaded", async () => {
    const { theirs } = await setup();
    const read = await callForResponse(detail, await adminRequest(`/app/requests/${theirs.requestId}`), {
      id: theirs.requestId,
    });
    expect((read as Response).status).toBe(404);
    const erase = await call(
      answer,
      await adminRequest(`/app/requests/${theirs.requestId}`, { json: { intent: "erase" } }),
      {
        id: theirs.requestId,
      },
    );
    expect(erase.status).toBe(404);
    expect(await database.client.subject.count({ where: { shop: OTHER_SHOP } })).toBe(1);

    // The other merchant makes an export; this merchant cannot fetch it by id.
    const made = await (
      await call(
        answer,
        await adminRequest(`/app/requests/${theirs.requestId}`, { json: { intent: "export" }, shop: OTHER_SHOP }),
        { id: theirs.requestId },
      )
    ).json();
    // A loader's refusal is thrown; Remix sends a resource route's thrown Response as it is.
    const stolen = (await callForResponse(exportLoader, await adminRequest(`/app/exports/${made.exportId}`), {
      id: made.exportId,
    })) as Response;
    expect(stolen.status).toBe(404);
    expect(await stolen.text()).not.toContain("9900");
  });
});
