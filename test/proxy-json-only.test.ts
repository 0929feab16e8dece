import { describe, expect, it } from "vitest";
import { appKeyring } from "../app/crypto/keyring.server";
import { action as withdraw } from "../app/routes/proxy.consents.$id.withdraw";
import { action as consents } from "../app/routes/proxy.consents";
import { action as myDataAction } from "../app/routes/proxy.my-data";
import { action as requests } from "../app/routes/proxy.requests";
import { loader as requestDetail } from "../app/routes/app.requests.$id";
import { loader as exportLoader } from "../app/routes/app.exports.$id";
import { action as answer } from "../app/routes/app.requests.$id";
import { adminRequest, call, callForResponse } from "./support/admin";
import { DATABASE_KINDS } from "./support/database";
import { useDatabase } from "./support/lifecycle";
import { seedShop, seedSubject } from "./support/seed";
import { appProxyUrl, SHOP, storeOfflineSession } from "./support/shopify";

/**
 * A storefront page is on the shop's own domain, where Shopify's app proxy adds the logged-in
 * customer's id to every request. So an HTML form on any other site could post to
 * /apps/skin-scan/… in a signed-in customer's browser: forms can send text/plain (JSON-looking)
 * or form-encoded bodies without a preflight, but never `application/json`. State-changing JSON
 * routes therefore read only `application/json` (415 otherwise), and nothing changes.
 */
const CUSTOMER = "7401";
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

function post(path: string, contentType: string | null, body: string): Request {
  const headers: Record<string, string> = {};
  if (contentType) headers["content-type"] = contentType;
  return new Request(appProxyUrl(path, {}, { customerId: CUSTOMER }), { method: "POST", headers, body });
}

describe.each(DATABASE_KINDS)("storefront JSON routes take only application/json on %s", (kind) => {
  const database = useDatabase(kind, { app: true });
  const keyring = appKeyring();

  async function signedInCustomerWithAKeptPhoto() {
    const notice = await seedShop(database.client, SHOP);
    return seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: CUSTOMER,
      image: new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]),
    });
  }

  const counts = async () => ({
    withdrawals: await database.client.consentRecord.count({ where: { action: "withdraw" } }),
    images: await database.client.storedImage.count(),
    requests: await database.client.privacyRequest.count(),
    grants: await database.client.consentRecord.count({ where: { action: "grant" } }),
  });

  // What a cross-site HTML form can send: text/plain (enctype="text/plain"), form-encoded, or multipart.
  const FORM_TYPES = [
    { label: "text/plain", type: "text/plain" },
    { label: "a form", type: "application/x-www-form-urlencoded" },
    { label: "multipart", type: "multipart/form-data; boundary=x" },
    { label: "no type at all", type: null },
  ];

  it.each(FORM_TYPES)(
    "P8: a withdrawal posted as $label is a 415 and the customer's consent and kept photo stay",
    async ({ type }) => {
      const me = await signedInCustomerWithAKeptPhoto();
      const before = await counts();
      const response = await withdraw(
        args(post(`/consents/${me.consentId}/withdraw`, type, "{}"), { id: me.consentId }),
      );
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ error: { code: "unsupported_media_type" } });
      expect(await counts()).toEqual(before);
      expect(before.images).toBe(1);

      // The same withdrawal as the widget sends it goes through: only the type was refused.
      const real = await withdraw(
        args(post(`/consents/${me.consentId}/withdraw`, "application/json", "{}"), { id: me.consentId }),
      );
      expect(real.status).toBe(200);
      expect((await counts()).images).toBe(0);
    },
  );

  it("P9: an erasure request posted as text/plain is a 415 and no request is filed", async () => {
    await signedInCustomerWithAKeptPhoto();
    const response = await requests(args(post("/requests", "text/plain", JSON.stringify({ type: "erasure" }))));
    expect(response.status).toBe(415);
    expect((await counts()).requests).toBe(0);
  });

  it("a consent posted as text/plain is a 415 and nothing is recorded", async () => {
    await seedShop(database.client, SHOP);
    const body = JSON.stringify({ noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"] });
    const response = await consents(args(post("/consents", "text/plain;charset=UTF-8", body)));
    expect(response.status).toBe(415);
    expect((await counts()).grants).toBe(0);
    // application/json with a charset is still JSON.
    expect((await consents(args(post("/consents", "application/json; charset=utf-8", body)))).status).toBe(201);
  });

  it("P9: DELETE my-data has no body and needs no content type", async () => {
    await signedInCustomerWithAKeptPhoto();
    const request = new Request(appProxyUrl("/my-data", {}, { customerId: CUSTOMER }), { method: "DELETE" });
    const response = await myDataAction(args(request));
    expect(response.status).toBe(200);
    expect((await counts()).images).toBe(0);
  });
});

describe.each(DATABASE_KINDS)("admin record ids on %s", (kind) => {
  const database = useDatabase(kind, { app: true });

  // Longer than any id the app makes (UUIDs): not found, like another shop's, never a 500.
  const LONG = "a".repeat(300);

  it("an id that is too long is a 404 on a request's page, its actions and an export download", async () => {
    await storeOfflineSession(database.client, SHOP);
    const read = (await callForResponse(requestDetail, await adminRequest(`/app/requests/${LONG}`), {
      id: LONG,
    })) as Response;
    expect(read.status).toBe(404);
    const acted = await call(answer, await adminRequest(`/app/requests/${LONG}`, { json: { intent: "export" } }), {
      id: LONG,
    });
    expect(acted.status).toBe(404);
    const download = (await callForResponse(exportLoader, await adminRequest(`/app/exports/${LONG}`), {
      id: LONG,
    })) as Response;
    expect(download.status).toBe(404);
  });
});
