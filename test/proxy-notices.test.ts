import { describe, expect, it } from "vitest";
import { subjectDigest } from "../app/consent/consent.server";
import { appKeyring } from "../app/crypto/keyring.server";
import { incidentDetail, incidentStep, recordIncident, updateIncident } from "../app/incidents/register.server";
import { acknowledgeNotice } from "../app/incidents/shopper-notices.server";
import { buildCustomerExport, fulfilDataRequest, readExport } from "../app/privacy/export.server";
import { loader as myData } from "../app/routes/proxy.my-data";
import { action as ack, loader as ackLoader } from "../app/routes/proxy.notices.$id.ack";
import { loader as notices } from "../app/routes/proxy.notices";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedSubject } from "./support/seed";
import { newSubjectSecret, proxyRequest, type ProxyCall, routeArgs } from "./support/shopper";
import { OTHER_SHOP, SHOP } from "./support/shopify";

const DAY = 86_400_000;
const keyring = appKeyring();

describe.each(DATABASE_KINDS)("breach notices through the app proxy on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const db = () => database.client;

  /** An anonymous shopper with a scan five days ago, one without, and an incident covering that week. */
  async function setup() {
    const notice = await seedShop(db(), SHOP);
    const affected = newSubjectSecret();
    const bystander = newSubjectSecret();
    await seedSubject(db(), keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: subjectDigest(SHOP, affected),
      createdAt: new Date(Date.now() - 5 * DAY),
    });
    await seedSubject(db(), keyring, {
      shop: SHOP,
      noticeId: notice.id,
      anonymousId: subjectDigest(SHOP, bystander),
      createdAt: new Date(Date.now() - 20 * DAY),
    });
    const incident = await recordIncident(db(), SHOP, {
      discoveredAt: new Date(Date.now() - DAY),
      occurredFrom: new Date(Date.now() - 7 * DAY),
      occurredTo: new Date(Date.now() - 2 * DAY),
      dataKinds: ["scan_results"],
      scope: "created",
      narrative: {
        summary: "Scan results were readable through a leaked API key.",
        measures: "The key was revoked.",
        contact: "Asha Rao, privacy@lotus.example",
      },
    });
    return { affected, bystander, incident };
  }

  /** Signed-in customers who scanned three days ago, and a published incident over the last four days. */
  async function noticesToCustomers(customerIds: string[]) {
    const notice = await seedShop(db(), SHOP);
    for (const customerId of customerIds) {
      await seedSubject(db(), keyring, {
        shop: SHOP,
        noticeId: notice.id,
        customerId,
        createdAt: new Date(Date.now() - 3 * DAY),
      });
    }
    const incident = await recordIncident(db(), SHOP, {
      discoveredAt: new Date(),
      occurredFrom: new Date(Date.now() - 4 * DAY),
      occurredTo: new Date(),
      dataKinds: ["scan_results"],
      scope: "created",
      narrative: { summary: "Leak", contact: "privacy@lotus.example" },
    });
    await incidentStep(db(), SHOP, incident.id, "publish_notices");
    return incident;
  }

  const read = async (call: ProxyCall) => {
    const response = await notices(routeArgs(proxyRequest("/notices", call)));
    return { status: response.status, body: await response.json(), headers: response.headers };
  };

  it("P21: an anonymous affected shopper sees the published notice in their language and acknowledges it; the register counts both", async () => {
    const { affected, incident } = await setup();
    // Not published yet: nothing to show.
    expect((await read({ proof: { subjectId: affected } })).body).toEqual({ notices: [] });

    await incidentStep(db(), SHOP, incident.id, "publish_notices");
    const shown = await read({ proof: { subjectId: affected }, query: { locale: "hi-IN" } });
    expect(shown.status).toBe(200);
    expect(shown.headers.get("cache-control")).toBe("no-store");
    expect(shown.body.notices).toHaveLength(1);
    const [n] = shown.body.notices;
    expect(n).toMatchObject({ reference: incident.reference, acknowledged: false, locale: "hi" });
    expect(n.sections.map((s: { key: string }) => s.key)).toEqual([
      "what_happened",
      "consequences",
      "measures",
      "your_steps",
      "contact",
    ]);
    expect(n.sections[4].heading).toBe("किससे संपर्क करें");
    expect(JSON.stringify(n)).toContain("privacy@lotus.example");
    expect((await incidentDetail(db(), SHOP, incident.id)).affected.notices).toEqual({ shown: 1, acknowledged: 0 });

    const english = await read({ proof: { subjectId: affected } });
    expect(english.body.notices[0].sections[0].heading).toBe("What happened, when and where");

    const done = await ack(
      routeArgs(proxyRequest(`/notices/${n.id}/ack`, { method: "POST", proof: { subjectId: affected }, body: {} }), {
        id: n.id,
      }),
    );
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ acknowledged: true, id: n.id });
    expect((await read({ proof: { subjectId: affected } })).body.notices[0].acknowledged).toBe(true);
    expect((await incidentDetail(db(), SHOP, incident.id)).affected.notices).toEqual({ shown: 1, acknowledged: 1 });
    const trail = await db().auditTrailEvent.findMany({ where: { shop: SHOP, subject: incident.id } });
    expect(trail.map((e) => e.action)).toContain("incident.notice_acknowledged");
  });

  it("P21: a notice acknowledged twice at once (a double tap, a retry) keeps one acknowledgement time and one trail event", async () => {
    const { affected, incident } = await setup();
    await incidentStep(db(), SHOP, incident.id, "publish_notices");
    const [n] = (await read({ proof: { subjectId: affected } })).body.notices;
    const first = new Date(Date.now() - 60_000);
    const second = new Date();
    const shopper = { shop: SHOP, customerId: null };
    const answers = await Promise.all([
      acknowledgeNotice(db(), shopper, { subjectId: affected }, n.id, first),
      acknowledgeNotice(db(), shopper, { subjectId: affected }, n.id, second),
    ]);
    expect(answers).toEqual([
      { acknowledged: true, id: n.id },
      { acknowledged: true, id: n.id },
    ]);
    const row = await db().incidentSubject.findUniqueOrThrow({ where: { id: n.id } });
    const trail = await db().auditTrailEvent.findMany({
      where: { shop: SHOP, subject: incident.id, action: "incident.notice_acknowledged" },
    });
    expect(trail).toHaveLength(1);
    // Whichever call landed first: the other one changed nothing.
    expect([first.getTime(), second.getTime()]).toContain(row.acknowledgedAt?.getTime());
    await acknowledgeNotice(db(), shopper, { subjectId: affected }, n.id, new Date(second.getTime() + 60_000));
    expect((await db().incidentSubject.findUniqueOrThrow({ where: { id: n.id } })).acknowledgedAt).toEqual(
      row.acknowledgedAt,
    );
  });

  it("P21: nobody else sees or acknowledges the notice: a shopper outside the set, another shop, a wrong id, no proof", async () => {
    const { affected, bystander, incident } = await setup();
    await incidentStep(db(), SHOP, incident.id, "publish_notices");
    const [n] = (await read({ proof: { subjectId: affected } })).body.notices;
    expect((await read({ proof: { subjectId: bystander } })).body).toEqual({ notices: [] });
    // The same secret in another shop is another (unknown) shopper.
    expect((await read({ proof: { subjectId: affected }, shop: OTHER_SHOP })).status).toBe(404);
    expect((await read({})).status).toBe(401);
    expect((await read({ proof: { subjectId: "short" } })).status).toBe(400);
    expect((await read({ proof: { subjectId: affected }, query: { locale: "<script>" } })).status).toBe(400);

    const stranger = await ack(
      routeArgs(proxyRequest(`/notices/${n.id}/ack`, { method: "POST", proof: { subjectId: bystander }, body: {} }), {
        id: n.id,
      }),
    );
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toMatchObject({ error: { code: "notice_not_found" } });
    const wrong = await ack(
      routeArgs(proxyRequest(`/notices/nope/ack`, { method: "POST", proof: { subjectId: affected }, body: {} }), {
        id: "nope",
      }),
    );
    expect(wrong.status).toBe(404);
    expect(
      (
        await ackLoader(
          routeArgs(proxyRequest(`/notices/${n.id}/ack`, { proof: { subjectId: affected } }), { id: n.id }),
        )
      ).status,
    ).toBe(405);
    expect((await incidentDetail(db(), SHOP, incident.id)).affected.notices.acknowledged).toBe(0);
  });

  it("P21: working the set out again keeps a shopper's notice (its id, shown and acknowledged) and drops people it no longer finds", async () => {
    const { affected, incident } = await setup();
    await incidentStep(db(), SHOP, incident.id, "publish_notices");
    const [n] = (await read({ proof: { subjectId: affected } })).body.notices;
    await ack(
      routeArgs(proxyRequest(`/notices/${n.id}/ack`, { method: "POST", proof: { subjectId: affected }, body: {} }), {
        id: n.id,
      }),
    );
    await incidentStep(db(), SHOP, incident.id, "recompute");
    const [again] = (await read({ proof: { subjectId: affected } })).body.notices;
    expect(again).toMatchObject({ id: n.id, acknowledged: true });
    expect((await incidentDetail(db(), SHOP, incident.id)).affected).toMatchObject({
      persons: 1,
      notices: { shown: 1, acknowledged: 1 },
    });

    // The window narrowed to before the shopper's scan (twice at the same instant): they leave the set.
    const now = new Date();
    const narrowed = {
      discoveredAt: new Date(Date.now() - DAY),
      occurredFrom: new Date(Date.now() - 7 * DAY),
      occurredTo: new Date(Date.now() - 6 * DAY),
      dataKinds: ["scan_results" as const],
      scope: "created" as const,
      narrative: { summary: "Leak", contact: "privacy@lotus.example" },
    };
    expect((await updateIncident(db(), SHOP, incident.id, narrowed, now)).affected).toBe(0);
    expect((await updateIncident(db(), SHOP, incident.id, narrowed, now)).affected).toBe(0);
    expect((await read({ proof: { subjectId: affected } })).body).toEqual({ notices: [] });
    expect((await incidentDetail(db(), SHOP, incident.id)).affected).toMatchObject({ persons: 0 });
  });

  it("P21: a shopper's my-data export holds the breach notices published to them and whether they acknowledged them, and nothing of anyone else", async () => {
    const { affected, bystander, incident } = await setup();
    const other = newSubjectSecret();
    await seedSubject(db(), keyring, {
      shop: SHOP,
      noticeId: (await db().noticeVersion.findFirstOrThrow({ where: { shop: SHOP } })).id,
      anonymousId: subjectDigest(SHOP, other),
      scans: 3,
      createdAt: new Date(Date.now() - 4 * DAY),
    });
    await incidentStep(db(), SHOP, incident.id, "recompute");
    const exported = async (secret: string) => {
      const response = await myData(routeArgs(proxyRequest("/my-data", { proof: { subjectId: secret } })));
      expect(response.status).toBe(200);
      return (await response.json()) as {
        summary: { breachNotices: number };
        export: { subjects: { breachNotices: Record<string, unknown>[] }[] };
      };
    };
    // Not published: nothing was sent.
    expect((await exported(affected)).export.subjects[0]?.breachNotices).toEqual([]);

    await incidentStep(db(), SHOP, incident.id, "publish_notices");
    const [n] = (await read({ proof: { subjectId: affected } })).body.notices;
    await ack(
      routeArgs(proxyRequest(`/notices/${n.id}/ack`, { method: "POST", proof: { subjectId: affected }, body: {} }), {
        id: n.id,
      }),
    );
    const mine = await exported(affected);
    expect(mine.summary.breachNotices).toBe(1);
    const [sent] = mine.export.subjects[0]?.breachNotices ?? [];
    expect(sent).toMatchObject({
      id: n.id,
      reference: incident.reference,
      acknowledged: true,
      locale: "en",
      title: n.title,
      sections: n.sections,
    });
    expect(sent?.shownAt).toEqual(expect.any(String));
    expect(sent?.acknowledgedAt).toEqual(expect.any(String));

    // Another affected shopper's export: their own notice, not acknowledged, and no trace of the first.
    const theirs = await exported(other);
    const [their] = theirs.export.subjects[0]?.breachNotices ?? [];
    expect(their).toMatchObject({
      reference: incident.reference,
      acknowledged: false,
      acknowledgedAt: null,
      shownAt: null,
    });
    expect(JSON.stringify(theirs)).not.toContain(n.id);
    expect(JSON.stringify(mine)).not.toContain(String(their?.id));
    // Neither says how many others the breach touched.
    expect(JSON.stringify(mine)).not.toMatch(/"persons"|"anonymous"|"signedIn"/);
    expect((await exported(bystander)).export.subjects[0]?.breachNotices).toEqual([]);
    // Reading an export is not being shown the notice.
    expect((await incidentDetail(db(), SHOP, incident.id)).affected.notices).toEqual({ shown: 1, acknowledged: 1 });
  });

  it("P21: customers/data_request's export holds the breach notices published to the customer and whether they acknowledged them", async () => {
    const incident = await noticesToCustomers(["7401", "5555"]);
    const [n] = (await read({ customerId: "5555" })).body.notices;
    await ack(
      routeArgs(proxyRequest(`/notices/${n.id}/ack`, { method: "POST", customerId: "5555", body: {} }), { id: n.id }),
    );

    const request = await db().privacyRequest.create({
      data: { shop: SHOP, source: "shopify", type: "shopify_data_request", dueAt: new Date(Date.now() + 30 * DAY) },
    });
    const { exportId } = await fulfilDataRequest(db(), keyring, {
      shop: SHOP,
      customerId: "7401",
      subjectDigest: "digest-7401",
      privacyRequestId: request.id,
    });
    const document = await readExport(db(), keyring, SHOP, exportId);
    const notices = document?.subjects.flatMap((s) => s.breachNotices) ?? [];
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ reference: incident.reference, acknowledged: false, shownAt: null });
    expect(JSON.stringify(document)).not.toContain(n.id);
    const acknowledged = await buildCustomerExport(db(), keyring, SHOP, { customerId: "5555" }, "merchant");
    expect(acknowledged.subjects[0]?.breachNotices[0]).toMatchObject({ id: n.id, acknowledged: true });
  });

  it("P21: a signed-in affected customer sees the notice by Shopify's signed id", async () => {
    await noticesToCustomers(["7401"]);
    const seen = await read({ customerId: "7401" });
    expect(seen.body.notices).toHaveLength(1);
    expect((await read({ customerId: "9999" })).body).toEqual({ notices: [] });
  });
});
