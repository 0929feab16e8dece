import { describe, expect, it } from "vitest";
import { recordAuditEvent } from "../../app/privacy/audit-trail.server";
import { action, loader } from "../../app/routes/app.consents";
import { adminRequest, call } from "../support/admin";
import { DATABASE_KINDS } from "../support/database";
import { useDatabase } from "../support/lifecycle";
import { OTHER_SHOP, SHOP, storeOfflineSession } from "../support/shopify";

describe.each(DATABASE_KINDS)("the admin's audit trail card on %s", (kind) => {
  // One database for the file and an append-only trail: the cases build on each other, in order.
  const database = useDatabase(kind, { app: true });

  it("P21: shows the shop's event count, and after 'Verify now' when it was verified and that it is intact", async () => {
    await storeOfflineSession(database.client, SHOP);
    const before = (await call(loader, await adminRequest("/app/consents"))).auditChain;
    for (const action of ["consent.given", "export"] as const) {
      await recordAuditEvent(database.client, { shop: SHOP, action });
    }
    await recordAuditEvent(database.client, { shop: OTHER_SHOP, action: "erasure" });
    const unverified = (await call(loader, await adminRequest("/app/consents"))).auditChain;
    expect(unverified.events).toBe(before.events + 2);

    const response = await call(action, await adminRequest("/app/consents", { json: {} }));
    expect(response.status).toBe(200);
    const verified = (await call(loader, await adminRequest("/app/consents"))).auditChain;
    expect(verified).toMatchObject({ events: before.events + 2, brokenAt: null, verifiedLength: before.events + 2 });
    expect(Date.now() - Date.parse(verified.verifiedAt ?? "")).toBeLessThan(60_000);
  });
});
