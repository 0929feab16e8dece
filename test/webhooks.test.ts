import { describe, expect, it, vi } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { resetEnvForTests } from "../app/env.server";
import { acceptDelivery, type Delivery } from "../app/privacy/compliance.server";
import { PHOTO_FOR_SHOPPER_ONLY, readExport } from "../app/privacy/export.server";
import { onShopInstalled } from "../app/privacy/shop-lifecycle.server";
import { receiveWebhook, subjectDigest } from "../app/webhooks/receive.server";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { runJobs, tableCounts } from "./support/jobs";
import { seedShop, seedSubject } from "./support/seed";
import {
  OTHER_SHOP,
  payloads,
  SHOP,
  signedWebhook,
  storeOfflineSession,
  toRequest,
  type Topic,
} from "./support/shopify";

const keyring = appKeyring();

describe.each(DATABASE_KINDS)("compliance webhooks on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  async function send(topic: Topic, payload: unknown, options: Parameters<typeof signedWebhook>[2] = {}) {
    const w = signedWebhook(topic, payload, options);
    return { response: await receiveWebhook(toRequest(w), topic), webhookId: w.webhookId };
  }

  it("P10: a signed customers/data_request is acknowledged at once and answered with an encrypted JSON export", async () => {
    const notice = await seedShop(database.client, SHOP);
    const priya = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "7401",
      scans: 2,
      marker: "priya-result",
      image: new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]),
    });
    await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "8800",
      marker: "someone-else",
    });

    const { response } = await send("CUSTOMERS_DATA_REQUEST", payloads.dataRequest(7401));
    expect(response.status).toBe(200);
    const request = await database.client.privacyRequest.findFirstOrThrow({ where: { shop: SHOP } });
    expect(request).toMatchObject({ source: "shopify", type: "shopify_data_request", status: "received" });
    expect(request.dueAt.getTime() - request.createdAt.getTime()).toBe(30 * 86_400_000);

    await runJobs(database);

    const done = await database.client.privacyRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(done.status).toBe("completed");
    const stored = await database.client.dataExport.findFirstOrThrow({ where: { privacyRequestId: request.id } });
    expect(Buffer.from(stored.ciphertext).includes(Buffer.from("priya-result"))).toBe(false);
    const document = await readExport(database.client, keyring, SHOP, stored.id);
    expect(document?.customer?.id).toBe("7401");
    expect(document?.subjects).toHaveLength(1);
    expect(document?.subjects[0]?.consents[0]?.receipt).toBe(priya.receipt);
    expect(document?.subjects[0]?.scans.map((s) => s.id).sort()).toEqual([...priya.scanIds].sort());
    // P19: the merchant's copy says a photo is kept, and never holds the photo itself.
    expect(document?.subjects[0]?.scans[0]?.image).toMatchObject({
      mimeType: "image/jpeg",
      note: PHOTO_FOR_SHOPPER_ONLY,
    });
    expect(JSON.stringify(document)).not.toContain(Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]).toString("base64"));
    expect(JSON.stringify(document)).not.toContain("someone-else");
    // The export is the merchant's: another shop cannot read it.
    expect(await readExport(database.client, keyring, OTHER_SHOP, stored.id)).toBeNull();
    const audit = await database.client.auditEvent.findMany({
      where: { shop: SHOP, action: "customer.data_exported" },
    });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain("7401");
  });

  it("P11: customers/redact erases that customer in every table and leaves everyone else", async () => {
    const notice = await seedShop(database.client, SHOP);
    const otherNotice = await seedShop(database.client, OTHER_SHOP);
    await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "7401",
      scans: 3,
      image: new Uint8Array([1, 2, 3]),
    });
    const neighbour = await seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "8800",
    });
    // The same customer id in another store is another person's data there.
    const elsewhere = await seedSubject(database.client, keyring, {
      shop: OTHER_SHOP,
      noticeId: otherNotice.id,
      customerId: "7401",
    });
    // An earlier export for this customer must go too.
    await send("CUSTOMERS_DATA_REQUEST", payloads.dataRequest(7401));
    await runJobs(database);
    expect(await database.client.dataExport.count({ where: { shop: SHOP } })).toBe(1);

    const { response } = await send("CUSTOMERS_REDACT", payloads.customerRedact(7401));
    expect(response.status).toBe(200);
    await runJobs(database);

    const db = database.client;
    expect(await db.subject.count({ where: { shop: SHOP, customerId: "7401" } })).toBe(0);
    expect(await db.consentRecord.count({ where: { shop: SHOP } })).toBe(1);
    expect(await db.scan.count({ where: { shop: SHOP } })).toBe(1);
    expect(await db.storedImage.count()).toBe(0);
    expect(await db.dataExport.count({ where: { shop: SHOP } })).toBe(0);
    expect(await db.privacyRequest.count({ where: { shop: SHOP, subjectDigest: subjectDigest(SHOP, "7401") } })).toBe(
      0,
    );
    expect(await db.scan.findMany({ where: { id: { in: neighbour.scanIds } } })).toHaveLength(1);
    expect(await db.scan.findMany({ where: { id: { in: elsewhere.scanIds } } })).toHaveLength(1);
    const ledger = await db.privacyRequest.findFirstOrThrow({ where: { shop: SHOP, type: "shopify_customer_redact" } });
    expect(ledger.status).toBe("completed");
    const audit = await db.auditEvent.findFirstOrThrow({ where: { shop: SHOP, action: "customer.redacted" } });
    expect(JSON.parse(audit.details ?? "{}")).toMatchObject({ subjects: 1, scans: 3 });
  });

  it("P10: a retried delivery (same webhook id) is acknowledged and processed exactly once", async () => {
    const notice = await seedShop(database.client, SHOP);
    await seedSubject(database.client, keyring, { shop: SHOP, noticeId: notice.id, customerId: "7401" });
    const first = await send("CUSTOMERS_REDACT", payloads.customerRedact(7401), { webhookId: "delivery-1" });
    const again = await send("CUSTOMERS_REDACT", payloads.customerRedact(7401), { webhookId: "delivery-1" });
    expect([first.response.status, again.response.status]).toEqual([200, 200]);
    await runJobs(database);
    const retry = await send("CUSTOMERS_REDACT", payloads.customerRedact(7401), { webhookId: "delivery-1" });
    expect(retry.response.status).toBe(200);
    await runJobs(database);

    expect(await database.client.webhookDelivery.count()).toBe(1);
    expect(await database.client.job.count({ where: { type: "compliance.customers_redact" } })).toBe(1);
    expect(await database.client.auditEvent.count({ where: { action: "customer.redacted" } })).toBe(1);
  });

  it("P10: a compliance delivery is acknowledged even when the shop's stored session cannot be opened", async () => {
    await seedShop(database.client, SHOP);
    // A token that is no encrypted envelope: loading this session throws. Compliance topics never need it.
    await database.client.session.create({
      data: { id: `offline_${SHOP}`, shop: SHOP, state: "installed", isOnline: false, accessToken: "shpat_in_clear" },
    });
    const { response, webhookId } = await send("CUSTOMERS_REDACT", payloads.customerRedact(7401));
    expect(response.status).toBe(200);
    expect(await database.client.webhookDelivery.count({ where: { webhookId } })).toBe(1);
    expect(await database.client.job.count({ where: { dedupeKey: `webhook:${webhookId}` } })).toBe(1);
  });

  describe("deliveries that arrive together share one transaction (ADR 0008)", () => {
    const redact = (webhookId: string, customerId: number): Delivery => ({
      webhookId,
      topic: "CUSTOMERS_REDACT",
      shop: SHOP,
      payload: payloads.customerRedact(customerId),
    });
    // Started in the same tick, so they are written as one batch.
    const acceptTogether = (deliveries: Delivery[]) =>
      Promise.allSettled(deliveries.map((d) => acceptDelivery(database, subjectDigest, d)));

    it("P10: each webhook id is recorded once, whether repeated inside the batch or recorded before it", async () => {
      await seedShop(database.client, SHOP);
      await acceptDelivery(database, subjectDigest, redact("earlier", 1));
      const fresh = Array.from({ length: 30 }, (_, i) => redact(`burst-${i}`, 100 + i));
      const repeats = [redact("burst-3", 103), redact("burst-3", 103), redact("earlier", 1)];
      const outcomes = await acceptTogether([...fresh.slice(0, 10), ...repeats, ...fresh.slice(10)]);

      const values = outcomes.map((o) => (o.status === "fulfilled" ? o.value.outcome : "refused"));
      expect(values.filter((v) => v === "accepted")).toHaveLength(30);
      expect(values.filter((v) => v === "duplicate")).toHaveLength(3);
      const db = database.client;
      expect(await db.webhookDelivery.count()).toBe(31);
      expect(await db.privacyRequest.count()).toBe(31);
      expect(await db.job.count({ where: { type: "compliance.customers_redact" } })).toBe(31);
      expect(await db.auditEvent.count({ where: { action: "webhook.customers_redact.accepted" } })).toBe(31);

      await runJobs(database);
      expect(await db.job.count({ where: { status: "done" } })).toBe(31);
      expect(await db.privacyRequest.count({ where: { status: "completed" } })).toBe(31);
      expect(await db.auditEvent.count({ where: { action: "customer.redacted" } })).toBe(31);
    });

    it("P12: an app/uninstalled in a batch with other deliveries removes the sessions and starts the clock once", async () => {
      await seedShop(database.client, SHOP);
      await storeOfflineSession(database.client);
      const uninstall: Delivery = {
        webhookId: "uninstall",
        topic: "APP_UNINSTALLED",
        shop: SHOP,
        payload: payloads.appUninstalled(),
      };
      // A shop the app has no row for yet gets one, with the usual defaults.
      const newcomer: Delivery = { ...uninstall, webhookId: "uninstall-other", shop: OTHER_SHOP };
      newcomer.payload = payloads.appUninstalled(OTHER_SHOP);
      const outcomes = await acceptTogether([redact("a", 1), uninstall, redact("b", 2), uninstall, newcomer]);
      expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.outcome : "refused"))).toEqual([
        "accepted",
        "accepted",
        "accepted",
        "duplicate",
        "accepted",
      ]);
      const other = await database.client.shop.findUniqueOrThrow({ where: { shop: OTHER_SHOP } });
      expect(other).toMatchObject({ imageRetentionDays: 90, minimumAge: 18 });
      expect(other.uninstalledAt?.getTime()).toBe(other.installedAt.getTime());
      const db = database.client;
      expect(await db.session.count({ where: { shop: SHOP } })).toBe(0);
      const shop = await db.shop.findUniqueOrThrow({ where: { shop: SHOP } });
      expect(shop.uninstalledAt).not.toBeNull();
      expect(shop.dataDeletionDueAt?.getTime()).toBe((shop.uninstalledAt?.getTime() ?? 0) + 30 * 86_400_000);
      expect(await db.auditEvent.count({ where: { action: "app.uninstalled", shop: SHOP } })).toBe(1);
      expect(await db.job.count()).toBe(2);
    });

    it("P10: a delivery the database refuses fails alone; the others in its batch are recorded", async () => {
      await seedShop(database.client, SHOP);
      // Stands in for any row the database might refuse: a trigger on the second table the batch writes.
      const [install, remove] =
        kind === "sqlite"
          ? [
              [
                `CREATE TRIGGER refuse_poison BEFORE INSERT ON "PrivacyRequest" WHEN NEW."externalRef" = 'poison'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END`,
              ],
              [`DROP TRIGGER refuse_poison`],
            ]
          : [
              [
                `CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                   IF NEW."externalRef" = 'poison' THEN RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF;
                   RETURN NEW; END $$`,
                `CREATE TRIGGER refuse_poison BEFORE INSERT ON "PrivacyRequest" FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
              ],
              [`DROP TRIGGER refuse_poison ON "PrivacyRequest"`, `DROP FUNCTION refuse_poison()`],
            ];
      for (const sql of install) await database.client.$executeRawUnsafe(sql);
      try {
        const outcomes = await acceptTogether([redact("a", 1), redact("poison", 2), redact("c", 3), redact("d", 4)]);
        expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
        const recorded = await database.client.webhookDelivery.findMany({ orderBy: { webhookId: "asc" } });
        expect(recorded.map((r) => r.webhookId)).toEqual(["a", "c", "d"]);
        expect(await database.client.job.count()).toBe(3);
      } finally {
        for (const sql of remove) await database.client.$executeRawUnsafe(sql);
      }
      // Shopify retries what was not acknowledged; the retry goes through.
      expect((await acceptDelivery(database, subjectDigest, redact("poison", 2))).outcome).toBe("accepted");
    });
  });

  it("P11: shop/redact deletes everything about the shop and nothing of another shop", async () => {
    const notice = await seedShop(database.client, SHOP);
    const otherNotice = await seedShop(database.client, OTHER_SHOP);
    for (let i = 0; i < 5; i++) {
      await seedSubject(database.client, keyring, {
        shop: SHOP,
        noticeId: notice.id,
        anonymousId: `anon-${i}`,
        image: new Uint8Array([i]),
      });
    }
    await seedSubject(database.client, keyring, { shop: OTHER_SHOP, noticeId: otherNotice.id, anonymousId: "anon-x" });
    await storeOfflineSession(database.client);
    const before = await tableCounts(database);

    expect((await send("SHOP_REDACT", payloads.shopRedact())).response.status).toBe(200);
    await runJobs(database);

    const db = database.client;
    for (const table of [
      "subject",
      "consentRecord",
      "scan",
      "storedImage",
      "noticeVersion",
      "privacyRequest",
      "auditEvent",
      "session",
      "shop",
    ] as const) {
      const count = await (db[table] as unknown as { count: (a: unknown) => Promise<number> }).count({
        where: { shop: SHOP },
      });
      expect(count, table).toBe(0);
    }
    expect(await db.subject.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await db.noticeVersion.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(before.subject).toBe(6);
  });

  it("P12: app/uninstalled removes sessions and starts the 30-day clock for the shop's data", async () => {
    await seedShop(database.client, SHOP);
    await storeOfflineSession(database.client);
    const sent = Date.now();
    expect((await send("APP_UNINSTALLED", payloads.appUninstalled())).response.status).toBe(200);
    expect(await database.client.session.count({ where: { shop: SHOP } })).toBe(0);
    const shop = await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(shop.uninstalledAt).not.toBeNull();
    const due = shop.dataDeletionDueAt?.getTime() ?? 0;
    expect(due - sent).toBeGreaterThanOrEqual(30 * 86_400_000 - 1_000);
    expect(due - sent).toBeLessThanOrEqual(30 * 86_400_000 + 60_000);
  });

  it.each([
    ["another shop's resource", () => payloads.appUninstalled(OTHER_SHOP)],
    ["a shop resource without myshopify_domain", () => ({ id: 954889, name: "Lotus Skin" })],
  ])("P10: app/uninstalled with %s is 400 invalid_payload and changes nothing", async (_name, payload) => {
    await seedShop(database.client, SHOP);
    await storeOfflineSession(database.client);
    const before = await tableCounts(database);
    const { response } = await send("APP_UNINSTALLED", payload());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: "invalid_payload" } });
    await runJobs(database);
    expect(await tableCounts(database)).toEqual(before);
    expect(await database.client.session.count({ where: { shop: SHOP } })).toBe(1);
    const shop = await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
    expect([shop.uninstalledAt, shop.dataDeletionDueAt]).toEqual([null, null]);
  });

  it("P11: nothing personal reaches the logs while a customer is exported and erased, even at debug level", async () => {
    const notice = await seedShop(database.client, SHOP);
    await seedSubject(database.client, keyring, { shop: SHOP, noticeId: notice.id, customerId: "7401" });
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array) => (lines.push(String(chunk)), true);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    resetEnvForTests();
    try {
      await send("CUSTOMERS_DATA_REQUEST", payloads.dataRequest(7401));
      await send("CUSTOMERS_REDACT", payloads.customerRedact(7401));
      await runJobs(database);
    } finally {
      process.env.LOG_LEVEL = level;
      resetEnvForTests();
      out.mockRestore();
      err.mockRestore();
    }
    const logged = lines.join("");
    expect(logged).toContain("customer redacted");
    for (const personal of ["7401", "priya@example.com", "98765"]) expect(logged).not.toContain(personal);
  });

  it("P12: reinstalling before the 30 days are up stops the clock; the data stays", async () => {
    const notice = await seedShop(database.client, SHOP);
    await seedSubject(database.client, keyring, { shop: SHOP, noticeId: notice.id, anonymousId: "kept" });
    await send("APP_UNINSTALLED", payloads.appUninstalled());
    await onShopInstalled(SHOP);
    const shop = await database.client.shop.findUniqueOrThrow({ where: { shop: SHOP } });
    expect([shop.uninstalledAt, shop.dataDeletionDueAt]).toEqual([null, null]);
    expect(await database.client.subject.count({ where: { shop: SHOP } })).toBe(1);
  });

  describe("bad input gets a clear 4xx and changes nothing", () => {
    const valid = () => signedWebhook("CUSTOMERS_REDACT", payloads.customerRedact(7401));
    const cases: [string, () => Request, number, string][] = [
      [
        "unsigned",
        () => {
          const w = valid();
          delete w.headers["x-shopify-hmac-sha256"];
          return toRequest(w);
        },
        400,
        "missing_headers",
      ],
      [
        "signed, without a webhook id",
        () => {
          const w = valid();
          delete w.headers["x-shopify-webhook-id"];
          return toRequest(w);
        },
        400,
        "missing_headers",
      ],
      [
        "signed, with a signature that is not the body's digest in base64",
        () => {
          const w = valid();
          return toRequest({
            ...w,
            headers: { ...w.headers, "x-shopify-hmac-sha256": `${w.headers["x-shopify-hmac-sha256"]}!` },
          });
        },
        401,
        "invalid_hmac",
      ],
      [
        "wrongly signed",
        () => toRequest(signedWebhook("CUSTOMERS_REDACT", payloads.customerRedact(7401), { secret: "not-the-secret" })),
        401,
        "invalid_hmac",
      ],
      [
        "signed, then body altered",
        () => {
          const w = valid();
          return toRequest({ ...w, body: w.body.replace("7401", "7402") });
        },
        401,
        "invalid_hmac",
      ],
      [
        "non-JSON (correctly signed)",
        () => toRequest(signedWebhook("CUSTOMERS_REDACT", null, { rawBody: "customer=7401" })),
        400,
        "invalid_json",
      ],
      [
        "wrong-shaped payload",
        () => toRequest(signedWebhook("CUSTOMERS_REDACT", { shop_domain: SHOP, customer: { email: "x@example.com" } })),
        400,
        "invalid_payload",
      ],
      [
        "payload for another shop",
        () => toRequest(signedWebhook("CUSTOMERS_REDACT", payloads.customerRedact(7401, OTHER_SHOP))),
        400,
        "invalid_payload",
      ],
      [
        "another topic sent to this endpoint",
        () => {
          const w = signedWebhook("SHOP_REDACT", payloads.shopRedact());
          return new Request("https://scanshield.test/webhooks/customers/redact", {
            method: "POST",
            headers: w.headers,
            body: w.body,
          });
        },
        400,
        "wrong_topic",
      ],
      [
        "an unknown topic",
        () => {
          const w = valid();
          return toRequest({ ...w, headers: { ...w.headers, "x-shopify-topic": "orders/create" } });
        },
        400,
        "wrong_topic",
      ],
      [
        "oversized",
        () => {
          const big = { ...payloads.customerRedact(7401), padding: "x".repeat(300 * 1024) };
          return toRequest(signedWebhook("CUSTOMERS_REDACT", big));
        },
        413,
        "payload_too_large",
      ],
      ["GET", () => new Request("https://scanshield.test/webhooks/customers/redact"), 405, "method_not_allowed"],
    ];

    it.each(cases.map(([name, make, status, code]) => ({ name, make, status, code })))(
      "P10: $name → $status $code",
      async ({ make, status, code }) => {
        const notice = await seedShop(database.client, SHOP);
        await seedSubject(database.client, keyring, { shop: SHOP, noticeId: notice.id, customerId: "7401" });
        const before = await tableCounts(database);
        const response = await receiveWebhook(make(), "CUSTOMERS_REDACT");
        expect(response.status).toBe(status);
        expect(await response.json()).toMatchObject({ error: { code } });
        await runJobs(database);
        expect(await tableCounts(database)).toEqual(before);
      },
    );
  });
});
