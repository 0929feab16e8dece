import { describe, expect, it } from "vitest";
import { subjectDigest } from "../app/consent/consent.server";
import { appKeyring } from "../app/crypto/keyring.server";
import { eraseMe } from "../app/rights/rights.server";
import { action as detailAction, loader as detailLoader } from "../app/routes/app.incidents.$id";
import { loader as documents } from "../app/routes/app.incidents.$id.documents";
import { loader as list } from "../app/routes/app.incidents._index";
import { action as record, loader as newIncidentPage } from "../app/routes/app.incidents.new";
import { action as noticeAction } from "../app/routes/app.notice";
import { adminRequest, call, callForResponse } from "./support/admin";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedSubject } from "./support/seed";
import { newSubjectSecret } from "./support/shopper";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "./support/shopify";

const DAY = 86_400_000;
const keyring = appKeyring();

describe.each(DATABASE_KINDS)("incident register on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const db = () => database.client;

  /**
   * GIVEN a shop whose records the window of 10 to 3 days ago touches: an anonymous shopper with two
   * scans in it, a signed-in customer with one scan and a kept photo in it, and a shopper whose scan is
   * older than the window; and another shop with a scan in the same window.
   */
  async function setup() {
    await storeOfflineSession(db(), SHOP);
    await storeOfflineSession(db(), OTHER_SHOP);
    const notice = await seedShop(db(), SHOP);
    const secret = newSubjectSecret();
    const anon = await seedSubject(db(), keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: subjectDigest(SHOP, secret),
      scans: 2,
      createdAt: new Date(Date.now() - 5 * DAY),
    });
    const customer = await seedSubject(db(), keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "7401",
      scans: 1,
      image: new Uint8Array([255, 216, 255, 9]),
      createdAt: new Date(Date.now() - 4 * DAY),
    });
    await db().storedImage.updateMany({
      where: { subjectId: customer.subjectId },
      data: { createdAt: new Date(Date.now() - 4 * DAY) },
    });
    const before = await seedSubject(db(), keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "5555",
      scans: 1,
      createdAt: new Date(Date.now() - 30 * DAY),
    });
    const otherNotice = await seedShop(db(), OTHER_SHOP);
    await seedSubject(db(), keyring, {
      shop: OTHER_SHOP,
      noticeId: otherNotice.id,
      customerId: "9900",
      scans: 1,
      createdAt: new Date(Date.now() - 5 * DAY),
    });
    return { anon, customer, before, secret };
  }

  const facts = (change: Record<string, unknown> = {}) => ({
    discoveredAt: new Date(Date.now() - 2 * DAY).toISOString(),
    occurredFrom: new Date(Date.now() - 10 * DAY).toISOString(),
    occurredTo: new Date(Date.now() - 3 * DAY).toISOString(),
    dataKinds: ["scan_results", "kept_photos"],
    scope: "created",
    narrative: {
      summary: "Scan results were readable through a misconfigured API key.",
      contact: "privacy@lotus.example",
    },
    ...change,
  });

  async function recordIncident(shop = SHOP, change: Record<string, unknown> = {}) {
    const response = await call(record, await adminRequest("/app/incidents/new", { shop, json: facts(change) }));
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string; reference: string; affected: number; toast: string };
  }

  const detail = async (id: string, shop = SHOP) =>
    call(detailLoader, await adminRequest(`/app/incidents/${id}`, { shop }), { id });

  it("P21: the affected set matches the records: people by kind in the window, counted without identities", async () => {
    const { anon, customer } = await setup();
    const incident = await recordIncident();
    expect(incident.reference).toMatch(/^INC-\d{8}-[0-9A-F]{6}$/);
    expect(incident.affected).toBe(2);
    const view = await detail(incident.id);
    expect(view.affected).toMatchObject({
      persons: 2,
      signedIn: 1,
      anonymous: 1,
      erased: 0,
      byKind: { scan_results: { persons: 2, records: 3 }, kept_photos: { persons: 1, records: 1 } },
    });
    // The page's data names no one: no customer id, no subject id.
    const page = JSON.stringify(view);
    expect(page).not.toContain("7401");
    expect(page).not.toContain(anon.subjectId);
    expect(page).not.toContain(customer.subjectId);
    expect(view.clock.state).toBe("open");
    expect(view.clock.text).toMatch(/^\d+ h \d+ min left$/);
    const rows = await db().incidentSubject.findMany({ where: { incidentId: incident.id } });
    expect(rows.map((r) => r.subjectId).sort()).toEqual([anon.subjectId, customer.subjectId].sort());

    // "held": a copy of everything the app held, the older scan included.
    await call(
      detailAction,
      await adminRequest(`/app/incidents/${incident.id}`, { json: { intent: "update", ...facts({ scope: "held" }) } }),
      { id: incident.id },
    );
    expect((await detail(incident.id)).affected).toMatchObject({ persons: 3, signedIn: 2, anonymous: 1 });
  });

  it("P21: consents and rights requests count by when they were made", async () => {
    const { anon } = await setup();
    await eraseMe(db(), keyring, { shop: SHOP, customerId: "5555" }, {});
    await db().privacyRequest.create({
      data: {
        shop: SHOP,
        subjectId: anon.subjectId,
        source: "shopper",
        type: "access",
        dueAt: new Date(Date.now() + 30 * DAY),
      },
    });
    const incident = await recordIncident(SHOP, {
      occurredFrom: new Date(Date.now() - DAY).toISOString(),
      occurredTo: new Date().toISOString(),
      discoveredAt: new Date().toISOString(),
      dataKinds: ["consents", "rights_requests"],
    });
    const view = await detail(incident.id);
    expect(view.affected).toMatchObject({
      persons: 2,
      byKind: { consents: { persons: 2, records: 2 }, rights_requests: { persons: 1, records: 1 } },
    });
  });

  it("P21: after an erasure the person leaves the set and stays only as a count, also when worked out again", async () => {
    const { customer } = await setup();
    const incident = await recordIncident();
    // The byte-order mark stays (spreadsheets read UTF-8 by it): decoded without dropping it.
    const csv = async () =>
      new TextDecoder("utf-8", { ignoreBOM: true }).decode(
        await (
          await call(
            documents,
            await adminRequest(`/app/incidents/${incident.id}/documents?doc=customers&format=csv`),
            { id: incident.id },
          )
        ).arrayBuffer(),
      );
    expect(await csv()).toBe("\uFEFFshopify_customer_id\r\n7401\r\n");

    await eraseMe(db(), keyring, { shop: SHOP, customerId: "7401" }, {});
    expect(await db().subject.count({ where: { id: customer.subjectId } })).toBe(0);
    const after = await detail(incident.id);
    expect(after.affected).toMatchObject({ persons: 2, erased: 1, signedIn: 0, anonymous: 1 });
    expect(await csv()).toBe("\uFEFFshopify_customer_id\r\n");
    // No row holds anything of the erased person.
    const rows = await db().incidentSubject.findMany({ where: { incidentId: incident.id, subjectId: null } });
    expect(rows).toHaveLength(1);

    const again = await call(
      detailAction,
      await adminRequest(`/app/incidents/${incident.id}`, { json: { intent: "step", step: "recompute" } }),
      { id: incident.id },
    );
    expect(await again.json()).toMatchObject({ ok: true, toast: "Affected people worked out again" });
    expect((await detail(incident.id)).affected).toMatchObject({ persons: 2, erased: 1, anonymous: 1 });
  });

  it("P21: a merchant never sees another shop's incident: not in the list, 404 on the page, its documents and its steps", async () => {
    await setup();
    const theirs = await recordIncident(OTHER_SHOP);
    const mine = await recordIncident(SHOP);
    expect(theirs.affected).toBe(1);
    const listed = await call(list, await adminRequest("/app/incidents"));
    expect(listed.incidents.map((i) => i.id)).toEqual([mine.id]);

    const page = await callForResponse(detailLoader, await adminRequest(`/app/incidents/${theirs.id}`), {
      id: theirs.id,
    });
    expect((page as Response).status).toBe(404);
    for (const doc of ["board-initial", "customers"]) {
      const file = await callForResponse(
        documents,
        await adminRequest(`/app/incidents/${theirs.id}/documents?doc=${doc}`),
        { id: theirs.id },
      );
      expect((file as Response).status).toBe(404);
    }
    const step = await call(
      detailAction,
      await adminRequest(`/app/incidents/${theirs.id}`, { json: { intent: "step", step: "publish_notices" } }),
      { id: theirs.id },
    );
    expect(step.status).toBe(404);
    expect(await step.json()).toMatchObject({ error: { code: "incident_not_found" } });
    const untouched = await db().incident.findUniqueOrThrow({ where: { id: theirs.id } });
    expect(untouched.noticesPublishedAt).toBeNull();
  });

  it("P21: a notice that names no one to contact cannot be published (Rule 7(1)(e))", async () => {
    await setup();
    const incident = await recordIncident(SHOP, { narrative: { summary: "Leak" } });
    const refused = await call(
      detailAction,
      await adminRequest(`/app/incidents/${incident.id}`, { json: { intent: "step", step: "publish_notices" } }),
      { id: incident.id },
    );
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: "notice_incomplete" } });
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).noticesPublishedAt).toBeNull();
  });

  it("P21: an incident that names no contact uses the store's published processing contact (Rule 9) in its notices, and can be published", async () => {
    await setup();
    const page = async () => call(newIncidentPage, await adminRequest("/app/incidents/new"));
    expect((await page()).storeContact).toBeNull();
    const saved = await call(
      noticeAction,
      await adminRequest("/app/notice", {
        json: {
          intent: "contacts",
          contactName: "Asha Rao, Grievance Officer",
          contactEmail: "privacy@lotus-skin.example",
          contactPhone: "+91 80 4000 1234",
          grievanceAnswerDays: "10",
        },
      }),
    );
    expect(saved.status).toBe(200);
    // The form for a new incident says whom a blank contact names.
    expect((await page()).storeContact).toBe(
      "Asha Rao, Grievance Officer, privacy@lotus-skin.example, +91 80 4000 1234",
    );

    const incident = await recordIncident(SHOP, { narrative: { summary: "Leak" } });
    const view = await detail(incident.id);
    expect(view.missing.notice).toEqual([]);
    expect(view.storeContact).toBe("Asha Rao, Grievance Officer, privacy@lotus-skin.example, +91 80 4000 1234");
    const notice = async (doc: string, id = incident.id) =>
      (
        await call(documents, await adminRequest(`/app/incidents/${id}/documents?doc=${doc}&format=html`), { id })
      ).text();
    const en = await notice("notice-en");
    expect(en).toContain(
      "For questions about how your data is processed, or to raise a grievance, contact Asha Rao, Grievance Officer. Email: privacy@lotus-skin.example. Phone: +91 80 4000 1234.",
    );
    expect(en).not.toContain("Not yet known");
    expect(await notice("notice-hi")).toContain(
      "आपके डेटा की प्रोसेसिंग के बारे में प्रश्नों या शिकायत के लिए Asha Rao, Grievance Officer से संपर्क करें।",
    );
    const published = await call(
      detailAction,
      await adminRequest(`/app/incidents/${incident.id}`, { json: { intent: "step", step: "publish_notices" } }),
      { id: incident.id },
    );
    expect(published.status).toBe(200);
    expect((await db().incident.findUniqueOrThrow({ where: { id: incident.id } })).noticesPublishedAt).not.toBeNull();

    // A contact named for the incident comes first.
    const own = await recordIncident(SHOP, {
      narrative: { summary: "Leak", contact: "Incident desk, +91 80 4000 9999" },
    });
    const ownNotice = await notice("notice-en", own.id);
    expect(ownNotice).toContain("Incident desk, +91 80 4000 9999");
    expect(ownNotice).not.toContain("Asha Rao");
  });

  it("P21: a bad form is a 400 on its fields and records nothing; a bad document name is a 400", async () => {
    await setup();
    const response = await call(
      record,
      await adminRequest("/app/incidents/new", {
        json: facts({ occurredTo: new Date(Date.now() - 20 * DAY).toISOString() }),
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      ok: false,
      error: { code: "invalid_fields" },
      errors: { occurredTo: "The window ends before it starts." },
    });
    const noKinds = await call(record, await adminRequest("/app/incidents/new", { json: facts({ dataKinds: [] }) }));
    expect(Object.keys((await noKinds.json()).errors)).toEqual(["dataKinds"]);
    // A year JavaScript accepts but no database column holds is the form's 400, not a 500.
    const farPast = await call(
      record,
      await adminRequest("/app/incidents/new", { json: facts({ occurredFrom: "-271821-04-20T00:00:00Z" }) }),
    );
    expect(farPast.status).toBe(400);
    expect((await farPast.json()).errors).toEqual({ occurredFrom: "Occurred from must be in 2000 or later." });
    expect(await db().incident.count()).toBe(0);
    const mine = await recordIncident();
    const bad = await callForResponse(
      documents,
      await adminRequest(`/app/incidents/${mine.id}/documents?doc=passwords`),
      { id: mine.id },
    );
    expect((bad as Response).status).toBe(400);
    // A format the document does not come in is refused, not answered in another format (and audited as asked).
    const auditedBefore = await db().auditTrailEvent.count({ where: { shop: SHOP, action: "incident.document" } });
    for (const query of ["doc=notice-en&format=csv", "doc=board-initial&format=csv", "doc=customers&format=html"]) {
      const wrong = await callForResponse(
        documents,
        await adminRequest(`/app/incidents/${mine.id}/documents?${query}`),
        {
          id: mine.id,
        },
      );
      expect((wrong as Response).status, query).toBe(400);
      expect(((await (wrong as Response).json()) as { error: { code: string } }).error.code).toBe("invalid_document");
    }
    expect(await db().auditTrailEvent.count({ where: { shop: SHOP, action: "incident.document" } })).toBe(
      auditedBefore,
    );
  });

  it("P21: the documents download as escaped HTML and Markdown, and every step is in the audit trail", async () => {
    await setup();
    const incident = await recordIncident(SHOP, {
      narrative: { summary: "<img src=x onerror=alert(1)> leaked", contact: "privacy@lotus.example" },
    });
    const html = await call(
      documents,
      await adminRequest(`/app/incidents/${incident.id}/documents?doc=board-initial&format=html`),
      { id: incident.id },
    );
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.headers.get("content-disposition")).toBe(
      `attachment; filename="${incident.reference}-board-initial.html"`,
    );
    const text = await html.text();
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt; leaked");
    expect(text).not.toContain("<img");
    const md = await call(
      documents,
      await adminRequest(`/app/incidents/${incident.id}/documents?doc=notice-hi&format=md`),
      { id: incident.id },
    );
    expect(await md.text()).toContain("किससे संपर्क करें");
    await call(
      detailAction,
      await adminRequest(`/app/incidents/${incident.id}`, { json: { intent: "step", step: "initial_sent" } }),
      { id: incident.id },
    );
    // The trail is append-only (kept across tests): this incident's events.
    const trail = await db().auditTrailEvent.findMany({
      where: { shop: SHOP, subject: incident.id },
      orderBy: { position: "asc" },
    });
    expect(trail.map((e) => e.action)).toEqual([
      "incident.recorded",
      "incident.document",
      "incident.document",
      "incident.updated",
    ]);
    expect(JSON.stringify(trail)).not.toContain("privacy@lotus.example");
  });
});
