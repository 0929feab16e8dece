import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { analysisProvider } from "../app/analysis/provider.server";
import { imageContext } from "../app/crypto/contexts";
import { appKeyring } from "../app/crypto/keyring.server";
import { setDatabaseForTests } from "../app/db.server";
import { saveProduct } from "../app/recommendations/recommend.server";
import { action as consents } from "../app/routes/proxy.consents";
import { action as scans } from "../app/routes/proxy.scans";
import { createTestDatabase, type TestDatabase } from "./support/database";
import { appProxyUrl, SHOP } from "./support/shopify";

/** The one-face crop of a face-api demo photo (read from node_modules, never committed), with EXIF and GPS added. */
async function selfie(): Promise<Buffer> {
  const require = createRequire(import.meta.url);
  const demo = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
  const group = readFileSync(join(demo, "sample2.jpg"));
  const meta = await sharp(group).metadata();
  const third = Math.floor((meta.width ?? 0) / 3);
  return sharp(group)
    .extract({ left: 2 * third, top: 0, width: third, height: meta.height ?? 0 })
    .withExif({
      IFD0: { Make: "SelfieCam", Artist: "Priya Sharma" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "28/1 36/1 0/1" },
    })
    .jpeg({ quality: 92 })
    .toBuffer();
}

const SUBJECT = "anon_scan_test_0123456789";

describe("P1, P2: a scan through the app proxy (SQLite, real local engine)", () => {
  let database: TestDatabase;
  let photo: Buffer;
  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    setDatabaseForTests(database);
    photo = await selfie();
    await analysisProvider();
  }, 60_000);
  afterAll(async () => {
    await (await analysisProvider()).close();
    await database.destroy();
  });

  async function consent(purposes: string[]) {
    const request = new Request(appProxyUrl("/consents"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ noticeVersion: 1, locale: "en", ageConfirmed: true, purposes, subjectId: SUBJECT }),
    });
    return (await consents({ request, params: {}, context: {} })).json();
  }
  const scan = (token: string | null, body: Uint8Array<ArrayBuffer>) =>
    scans({
      request: new Request(appProxyUrl("/scans"), {
        method: "POST",
        headers: { "content-type": "image/jpeg", ...(token ? { "x-scan-token": token } : {}) },
        body,
      }),
      params: {},
      context: {},
    });

  /** A few slices of the photo's own bytes: if any sits anywhere on disk, the photo was written. */
  const fingerprints = (bytes: Buffer) =>
    [0.3, 0.5, 0.7].map((f) => bytes.subarray(Math.floor(bytes.length * f), Math.floor(bytes.length * f) + 48));
  const onDisk = () => {
    const dir = dirname(database.file ?? "");
    return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
  };

  it("P1: without the opt-in the photo is analysed and gone: no image bytes in the database, on disk or in logs", async () => {
    const logs: string[] = [];
    const capture = (chunk: string | Uint8Array) => (logs.push(String(chunk)), true);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
    let body: { scanId: string; status: string; image: unknown; result: unknown };
    try {
      const { scanToken } = await consent(["skin_analysis"]);
      const response = await scan(scanToken, new Uint8Array(photo));
      expect(response.status).toBe(201);
      body = await response.json();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(body.status).toBe("accepted");
    expect(body.image).toEqual({ kept: false });
    expect(await database.client.storedImage.count()).toBe(0);
    const row = await database.client.scan.findUniqueOrThrow({ where: { id: body.scanId } });
    expect(row.result).toContain("skinTone");
    await database.flushErasures();
    const disk = onDisk();
    for (const slice of fingerprints(photo)) expect(disk.includes(slice)).toBe(false);
    expect(disk.includes(Buffer.from("Priya Sharma"))).toBe(false);
    expect(logs.join("")).not.toContain("Priya");
    expect(existsSync(join(dirname(database.file ?? ""), "uploads"))).toBe(false);
  });

  it("P2: with the separate opt-in the photo is kept, encrypted, without its metadata, until the shop's window ends", async () => {
    const { scanToken } = await consent(["skin_analysis", "extended_retention"]);
    const body = await (await scan(scanToken, new Uint8Array(photo))).json();
    expect(body.image).toMatchObject({ kept: true, encrypted: true });
    const stored = await database.client.storedImage.findUniqueOrThrow({ where: { scanId: body.scanId } });
    const days = (stored.expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    const plain = appKeyring().open(stored.ciphertext, imageContext(body.scanId));
    expect(plain.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const meta = await sharp(plain).metadata();
    expect(meta.exif).toBeUndefined();
    // Sealed: the kept JPEG's own bytes are not readable in the database.
    await database.flushErasures();
    const disk = onDisk();
    for (const slice of fingerprints(plain)) expect(disk.includes(slice)).toBe(false);
  });

  it("P13: a result is marked for model training only under its own opt-in; products come from the shop's catalogue", async () => {
    await saveProduct(database.client, SHOP, {
      shopifyId: "gid://shopify/Product/77",
      handle: "daily-spf-50",
      title: "Daily SPF 50",
      imageUrl: null,
      price: "649.00",
      currency: "INR",
      variantId: "7701",
      available: true,
      tags: ["skin-scan:everyday"],
      collections: [],
      metafields: {},
    });
    const withOptIn = await (
      await scan((await consent(["skin_analysis", "model_training"])).scanToken, new Uint8Array(photo))
    ).json();
    const without = await (await scan((await consent(["skin_analysis"])).scanToken, new Uint8Array(photo))).json();
    const rows = await database.client.scan.findMany({ where: { id: { in: [withOptIn.scanId, without.scanId] } } });
    expect(Object.fromEntries(rows.map((r) => [r.id, r.trainingOptIn]))).toEqual({
      [withOptIn.scanId]: true,
      [without.scanId]: false,
    });
    expect(without.recommendations).toContainEqual(
      expect.objectContaining({ title: "Daily SPF 50", variantId: "7701", concern: "any" }),
    );
  });

  it("the answer outlines where the skin was measured (six boxes on the photo, 0–1) and the stored scan does not keep them", async () => {
    const body = await (await scan((await consent(["skin_analysis"])).scanToken, new Uint8Array(photo))).json();
    expect(body.status).toBe("accepted");
    expect(body.zones.map((z: { name: string }) => z.name).sort()).toEqual(
      ["forehead", "leftCheek", "leftUnderEye", "nose", "rightCheek", "rightUnderEye"].sort(),
    );
    for (const z of body.zones as { x: number; y: number; w: number; h: number }[]) {
      expect(z.w).toBeGreaterThan(0);
      expect(z.h).toBeGreaterThan(0);
      expect(z.x + z.w).toBeLessThanOrEqual(1);
      expect(z.y + z.h).toBeLessThanOrEqual(1);
    }
    const row = await database.client.scan.findUniqueOrThrow({ where: { id: body.scanId } });
    expect(JSON.stringify(row)).not.toContain("leftUnderEye");
  });

  it("P6: no scan without a valid token, and none under a withdrawn consent", async () => {
    expect((await scan(null, new Uint8Array(photo))).status).toBe(401);
    expect((await scan("forged.token", new Uint8Array(photo))).status).toBe(401);
    const given = await consent(["skin_analysis"]);
    const withdrawn = await (
      await import("../app/routes/proxy.consents.$id.withdraw")
    ).action({
      request: new Request(appProxyUrl(`/consents/${given.consentId}/withdraw`), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subjectId: SUBJECT, receipt: given.receipt }),
      }),
      params: { id: given.consentId },
      context: {},
    });
    expect(withdrawn.status).toBe(200);
    const refused = await scan(given.scanToken, new Uint8Array(photo));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "consent_withdrawn" } });
  });

  it.each([
    ["a non-image", Buffer.from("just some text, not a photo"), 415, "unsupported_image_type"],
    ["a truncated JPEG", null, 422, "image_unreadable"],
    ["more than 5 MB", Buffer.alloc(5 * 1024 * 1024 + 1, 1), 413, "image_too_large"],
  ])("refuses %s with %i and stores nothing", async (_name, bytes, status, code) => {
    const { scanToken } = await consent(["skin_analysis"]);
    const before = await database.client.scan.count();
    const response = await scan(scanToken, new Uint8Array(bytes ?? photo.subarray(0, 4000)));
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
    expect(await database.client.scan.count()).toBe(before);
  });
});
