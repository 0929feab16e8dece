import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainRemoteDeletions } from "../app/analysis/remote-deletion.server";
import { shopApiKeyContext } from "../app/crypto/contexts";
import { appKeyring } from "../app/crypto/keyring.server";
import { setDatabaseForTests } from "../app/db.server";
import { eraseCustomer } from "../app/privacy/erasure.server";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { fakeVendor } from "./support/fake-vendor";
import { consentAndScan } from "./support/shopper";
import { SHOP } from "./support/shopify";

describe("scans sent to the shop's own analysis API", () => {
  let database: TestDatabase;
  const vendor = fakeVendor();
  let regionUrl = "";
  let photo: Buffer;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    setDatabaseForTests(database);
    regionUrl = `${await vendor.start()}/in`;
    const sealed = appKeyring().seal("vendor-secret-key", shopApiKeyContext(SHOP));
    await database.client.shop.create({
      data: {
        shop: SHOP,
        analysisApiUrl: regionUrl,
        analysisRegion: "in",
        analysisApiKeyKeyId: sealed.keyId,
        analysisApiKeyCiphertext: new Uint8Array(sealed.envelope),
      },
    });
    photo = await sharp({ create: { width: 900, height: 1200, channels: 3, background: "#c99a7a" } })
      .withExif({
        IFD0: { Artist: "Priya Sharma", Make: "SelfieCam" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "28/1 36/1 0/1" },
      })
      .jpeg()
      .toBuffer();
  });
  afterAll(async () => {
    await vendor.stop();
    await database.destroy();
  });

  const scanAs = (customerId: string) => consentAndScan({ photo, customerId, forwardedFor: "203.0.113.9" });

  it("P16: goes to the endpoint (and region) the shop set, with the shop's own key", async () => {
    const { response, body } = await scanAs("7401");
    expect(response.status).toBe(201);
    expect(body.engine).toEqual({ name: "vendor", version: "7.1" });
    const post = vendor.received.find((r) => r.method === "POST");
    expect(post?.url).toBe("/in/v1/analyses");
    expect(post?.headers.authorization).toBe("Bearer vendor-secret-key");
  });

  it("P4: sends only a re-encoded JPEG with no metadata, a random request id, and nothing about the shop or the shopper", async () => {
    const post = vendor.received.find((r) => r.method === "POST");
    if (!post) throw new Error("the vendor received nothing");
    expect(post.headers["content-type"]).toBe("image/jpeg");
    expect(post.body.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const meta = await sharp(post.body).metadata();
    expect([meta.exif, meta.icc, meta.xmp, meta.iptc]).toEqual([undefined, undefined, undefined, undefined]);
    expect(post.body.includes(Buffer.from("Priya"))).toBe(false);
    expect(post.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const everything = JSON.stringify({ url: post.url, headers: post.headers });
    for (const personal of [SHOP, "7401", "203.0.113", "lotus"]) expect(everything).not.toContain(personal);
  });

  it("P11: erasing the customer deletes the analysis at the vendor too", async () => {
    const scan = await database.client.scan.findFirstOrThrow({ where: { shop: SHOP } });
    expect(scan.remoteApiUrl).toBe(regionUrl);
    await eraseCustomer(database.client, appKeyring(), { shop: SHOP, customerId: "7401", subjectDigest: "d" });
    await drainRemoteDeletions(database.client, appKeyring());
    const deletion = vendor.received.find((r) => r.method === "DELETE");
    expect(deletion?.url).toBe(`/in/v1/analyses/${scan.remoteAnalysisId}`);
    expect(deletion?.headers.authorization).toBe("Bearer vendor-secret-key");
  });
});
