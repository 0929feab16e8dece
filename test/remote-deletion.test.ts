import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { shopApiKeyContext } from "../app/crypto/contexts";
import { appKeyring } from "../app/crypto/keyring.server";
import { drainRemoteDeletions, RemoteDeletionPendingError } from "../app/analysis/remote-deletion.server";
import { eraseCustomer } from "../app/privacy/erasure.server";
import { clearAll, createTestDatabase, type TestDatabase } from "./support/database";
import { seedShop, seedSubject } from "./support/seed";
import { SHOP } from "./support/shopify";

/** A stand-in for the analysis vendor on 127.0.0.1 that records what it is sent. */
function fakeVendor() {
  const received: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  let status = 204;
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    res.writeHead(status).end();
  });
  return {
    received,
    setStatus: (s: number) => (status = s),
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("P11: erasure propagates to the analysis API", () => {
  let database: TestDatabase;
  const vendor = fakeVendor();
  let apiUrl = "";
  const keyring = appKeyring();

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    apiUrl = await vendor.start();
  });
  afterAll(async () => {
    await vendor.stop();
    await database.destroy();
  });
  beforeEach(async () => {
    vendor.received.length = 0;
    vendor.setStatus(204);
    await clearAll(database);
  });

  async function customerWithRemoteScans() {
    const notice = await seedShop(database.client, SHOP);
    const sealed = keyring.seal("vendor-key-123", shopApiKeyContext(SHOP));
    await database.client.shop.update({
      where: { shop: SHOP },
      data: {
        analysisApiUrl: apiUrl,
        analysisApiKeyCiphertext: new Uint8Array(sealed.envelope),
        analysisApiKeyKeyId: sealed.keyId,
      },
    });
    return seedSubject(database.client, keyring, {
      shop: SHOP,
      noticeId: notice.id,
      customerId: "7401",
      scans: 2,
      remote: { apiUrl },
    });
  }

  it("P11: sends DELETE /v1/analyses/{id} with the shop's key for each remote analysis, even after the shop's settings are gone", async () => {
    await customerWithRemoteScans();
    const remoteIds = (await database.client.scan.findMany({ select: { remoteAnalysisId: true } })).map(
      (s) => s.remoteAnalysisId,
    );
    const counts = await eraseCustomer(database.client, keyring, {
      shop: SHOP,
      customerId: "7401",
      subjectDigest: "digest",
    });
    expect(counts.remoteDeletionsQueued).toBe(2);
    // The outbox holds the key sealed, never in clear.
    const outbox = await database.client.remoteDeletion.findMany();
    expect(
      outbox.every(
        (r) => r.apiKeyCiphertext && !Buffer.from(r.apiKeyCiphertext).includes(Buffer.from("vendor-key-123")),
      ),
    ).toBe(true);
    await database.client.shop.deleteMany();

    expect(await drainRemoteDeletions(database.client, keyring)).toEqual({ deleted: 2, pending: 0 });
    expect(vendor.received.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      remoteIds.map((id) => `DELETE /v1/analyses/${id}`).sort(),
    );
    for (const r of vendor.received) {
      expect(r.headers.authorization).toBe("Bearer vendor-key-123");
      expect(r.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      // P4: nothing about the shop or the customer goes to the vendor.
      expect(JSON.stringify(r)).not.toContain(SHOP);
      expect(JSON.stringify(r)).not.toContain("7401");
    }
  });

  it("P11: keeps what the vendor did not confirm and fails so the job retries; 404 counts as already deleted", async () => {
    await customerWithRemoteScans();
    await eraseCustomer(database.client, keyring, { shop: SHOP, customerId: "7401", subjectDigest: "digest" });
    vendor.setStatus(503);
    await expect(drainRemoteDeletions(database.client, keyring)).rejects.toBeInstanceOf(RemoteDeletionPendingError);
    const pending = await database.client.remoteDeletion.findMany();
    expect(pending).toHaveLength(2);
    expect(pending[0]?.lastError).toContain("503");
    vendor.setStatus(404);
    expect(await drainRemoteDeletions(database.client, keyring)).toEqual({ deleted: 2, pending: 0 });
  });
});
