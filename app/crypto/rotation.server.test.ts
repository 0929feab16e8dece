import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../test/support/database";
import {
  exportContext,
  imageContext,
  remoteDeletionKeyContext,
  requestDetailsContext,
  shopApiKeyContext,
} from "./contexts";
import { createKeyring, DecryptionError, parseKeys, UnknownKeyError, type Keyring } from "./keyring";
import { reencryptAll, RotationError } from "./rotation.server";
import { EncryptedSessionStorage, sessionTokenKeyId } from "./session-storage.server";

const OLD_KEY = randomBytes(32).toString("base64");
const NEW_KEY = randomBytes(32).toString("base64");
const oldRing = createKeyring(parseKeys(`old:${OLD_KEY}`), "old");
const bothRing = createKeyring(parseKeys(`new:${NEW_KEY},old:${OLD_KEY}`), "new");
const newOnlyRing = createKeyring(parseKeys(`new:${NEW_KEY}`), "new");

/** Prisma's Bytes is Uint8Array<ArrayBuffer>; the keyring returns a Buffer. */
const bytes = (buf: Buffer) => new Uint8Array(buf);

/** Every encrypted value in the database, decrypted, keyed by table and row. */
type Plaintexts = Record<string, string>;

describe.each(DATABASE_KINDS)("key rotation on %s", (kind) => {
  let db: TestDatabase;
  const sessions = (ring: Keyring) => new EncryptedSessionStorage(db.client, ring, { connectionRetries: 1 });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(async () => {
    const c = db.client;
    // Subjects cascade to consents, scans, images, requests' exports; then what hangs off shops.
    await c.subject.deleteMany();
    await c.dataExport.deleteMany();
    await c.privacyRequest.deleteMany();
    await c.noticeVersion.deleteMany();
    await c.shop.deleteMany();
    await c.session.deleteMany();
    await c.remoteDeletion.deleteMany();
  });

  /** Seeds `n` values into every encrypted column under `ring`'s active key; returns what they hold. */
  async function seed(ring: Keyring, n: number, tag = ""): Promise<Plaintexts> {
    const c = db.client;
    const expected: Plaintexts = {};
    for (let i = 0; i < n; i++) {
      const shop = `store-${tag}${i}.myshopify.com`;
      const apiKey = `analysis-key-${tag}${i}`;
      const sealedKey = ring.seal(apiKey, shopApiKeyContext(shop));
      await c.shop.create({
        data: {
          shop,
          analysisApiKeyKeyId: sealedKey.keyId,
          analysisApiKeyCiphertext: bytes(sealedKey.envelope),
          updatedAt: new Date("2026-01-01T00:00:00.000Z"),
        },
      });
      expected[`Shop:${shop}`] = apiKey;
      const apiUrl = `https://vendor-${tag}${i}.example`;
      const sealedOwed = ring.seal(apiKey, remoteDeletionKeyContext(apiUrl));
      const owed = await c.remoteDeletion.create({
        data: {
          apiUrl,
          remoteAnalysisId: `ana-${i}`,
          apiKeyKeyId: sealedOwed.keyId,
          apiKeyCiphertext: bytes(sealedOwed.envelope),
        },
      });
      expected[`RemoteDeletion:${owed.id}`] = apiKey;

      const notice = await c.noticeVersion.create({
        data: { shop, version: 1, locale: "en", textHash: "h", sections: "[]", purposes: "[]" },
      });
      const subject = await c.subject.create({ data: { shop, anonymousId: `anon-${tag}${i}` } });
      const consent = await c.consentRecord.create({
        data: {
          shop,
          subjectId: subject.id,
          noticeVersionId: notice.id,
          noticeVersion: 1,
          textHash: "h",
          locale: "en",
          action: "grant",
          purposes: '["skin_analysis","extended_retention"]',
          ageConfirmed: true,
          receipt: `R-${tag}${i}-${randomBytes(4).toString("hex")}`,
        },
      });
      const scan = await c.scan.create({
        data: {
          shop,
          subjectId: subject.id,
          consentId: consent.id,
          status: "accepted",
          provider: "local",
          quality: "{}",
        },
      });
      const image = randomBytes(2048 + i);
      const sealedImage = ring.seal(image, imageContext(scan.id));
      await c.storedImage.create({
        data: {
          shop,
          scanId: scan.id,
          subjectId: subject.id,
          keyId: sealedImage.keyId,
          ciphertext: bytes(sealedImage.envelope),
          mimeType: "image/jpeg",
          byteLength: image.length,
          expiresAt: new Date(Date.now() + 86_400_000),
        },
      });
      expected[`StoredImage:${scan.id}`] = image.toString("base64");

      const request = await c.privacyRequest.create({
        data: { shop, subjectId: subject.id, source: "shopper", type: "access", dueAt: new Date() },
      });
      const details = JSON.stringify({ message: `please send my data ${tag}${i}`, contactEmail: `s${i}@example.com` });
      const sealedDetails = ring.seal(details, requestDetailsContext(request.id));
      await c.privacyRequest.update({
        where: { id: request.id },
        data: {
          detailsKeyId: sealedDetails.keyId,
          detailsCiphertext: bytes(sealedDetails.envelope),
          updatedAt: new Date("2026-01-02T00:00:00.000Z"),
        },
      });
      expected[`PrivacyRequest:${request.id}`] = details;
      // A request without details has nothing to rotate.
      await c.privacyRequest.create({
        data: { shop, source: "shopify", type: "shopify_data_request", dueAt: new Date() },
      });

      const exportId = `export-${tag}${i}`;
      const document = JSON.stringify({ scans: [scan.id], note: `export ${tag}${i}` });
      const sealedExport = ring.seal(document, exportContext(exportId));
      await c.dataExport.create({
        data: {
          id: exportId,
          shop,
          subjectId: subject.id,
          privacyRequestId: request.id,
          keyId: sealedExport.keyId,
          ciphertext: bytes(sealedExport.envelope),
          expiresAt: new Date(Date.now() + 86_400_000),
        },
      });
      expected[`DataExport:${exportId}`] = document;

      const session = new Session({
        id: `offline_${shop}`,
        shop,
        state: "s",
        isOnline: false,
        accessToken: `shpat_${tag}${i}`,
        // Every other session has a refresh token, to cover both shapes.
        ...(i % 2 === 0 ? { refreshToken: `shprt_${tag}${i}` } : {}),
      });
      await sessions(ring).storeSession(session);
      expected[`Session:${session.id}:access`] = session.accessToken!;
      if (session.refreshToken) expected[`Session:${session.id}:refresh`] = session.refreshToken;
    }
    // An OAuth-in-progress session holds no token at all.
    await sessions(ring).storeSession(
      new Session({ id: `pending-${tag}`, shop: "x.myshopify.com", state: "s", isOnline: false }),
    );
    return expected;
  }

  /** Decrypts every encrypted value with `ring`, through the same paths domain code uses. */
  async function readAll(ring: Keyring): Promise<Plaintexts> {
    const c = db.client;
    const out: Plaintexts = {};
    for (const row of await c.shop.findMany({ where: { analysisApiKeyCiphertext: { not: null } } })) {
      out[`Shop:${row.shop}`] = ring.openText(row.analysisApiKeyCiphertext!, shopApiKeyContext(row.shop));
    }
    for (const row of await c.remoteDeletion.findMany({ where: { apiKeyCiphertext: { not: null } } })) {
      out[`RemoteDeletion:${row.id}`] = ring.openText(row.apiKeyCiphertext!, remoteDeletionKeyContext(row.apiUrl));
    }
    for (const row of await c.storedImage.findMany()) {
      out[`StoredImage:${row.scanId}`] = ring.open(row.ciphertext, imageContext(row.scanId)).toString("base64");
    }
    for (const row of await c.privacyRequest.findMany({ where: { detailsCiphertext: { not: null } } })) {
      out[`PrivacyRequest:${row.id}`] = ring.openText(row.detailsCiphertext!, requestDetailsContext(row.id));
    }
    for (const row of await c.dataExport.findMany()) {
      out[`DataExport:${row.id}`] = ring.openText(row.ciphertext, exportContext(row.id));
    }
    for (const { id } of await c.session.findMany({ where: { accessToken: { not: "" } }, select: { id: true } })) {
      const session = await sessions(ring).loadSession(id);
      out[`Session:${id}:access`] = session!.accessToken!;
      if (session!.refreshToken) out[`Session:${id}:refresh`] = session!.refreshToken;
    }
    return out;
  }

  /** The key id of every stored value, from the key-id columns and from the session envelopes. */
  async function keyIds(): Promise<string[]> {
    const c = db.client;
    const ids = [
      ...(await c.shop.findMany({ where: { analysisApiKeyKeyId: { not: null } } })).flatMap((r) => [
        r.analysisApiKeyKeyId!,
        bothRing.keyIdOf(r.analysisApiKeyCiphertext!),
      ]),
      ...(await c.storedImage.findMany()).flatMap((r) => [r.keyId, bothRing.keyIdOf(r.ciphertext)]),
      ...(await c.privacyRequest.findMany({ where: { detailsKeyId: { not: null } } })).flatMap((r) => [
        r.detailsKeyId!,
        bothRing.keyIdOf(r.detailsCiphertext!),
      ]),
      ...(await c.dataExport.findMany()).flatMap((r) => [r.keyId, bothRing.keyIdOf(r.ciphertext)]),
    ];
    for (const r of await c.session.findMany()) {
      for (const text of [r.accessToken, r.refreshToken]) if (text) ids.push(sessionTokenKeyId(bothRing, text));
    }
    return ids;
  }

  /** Raw rows of every encrypted table, to prove a run changed nothing. */
  async function snapshot(): Promise<string> {
    const c = db.client;
    const rows = await Promise.all([
      c.shop.findMany({ orderBy: { shop: "asc" } }),
      c.storedImage.findMany({ orderBy: { id: "asc" } }),
      c.privacyRequest.findMany({ orderBy: { id: "asc" } }),
      c.dataExport.findMany({ orderBy: { id: "asc" } }),
      c.session.findMany({ orderBy: { id: "asc" } }),
    ]);
    return JSON.stringify(rows, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("base64") : typeof v === "bigint" ? String(v) : v,
    );
  }

  it("P14: moves every table to the new key; all data still decrypts with both keys, then with the new key alone", async () => {
    const expected = await seed(oldRing, 5);
    expect(new Set(await keyIds())).toEqual(new Set(["old"]));

    // A small batch size so every table is walked across several pages.
    const counts = await reencryptAll(db.client, bothRing, { batchSize: 2 });

    expect(counts).toEqual({
      StoredImage: 5,
      DataExport: 5,
      PrivacyRequest: 5,
      Shop: 5,
      RemoteDeletion: 5,
      Session: 5,
    });
    expect(new Set(await keyIds())).toEqual(new Set(["new"]));
    expect(await readAll(bothRing)).toEqual(expected);
    // The old key can now be removed from ENCRYPTION_KEYS without losing anything.
    expect(await readAll(newOnlyRing)).toEqual(expected);
    await expect(readAll(oldRing)).rejects.toThrow(UnknownKeyError);
  });

  it("P14: a second run re-encrypts nothing and changes no byte", async () => {
    await seed(oldRing, 3);
    await reencryptAll(db.client, bothRing);
    const before = await snapshot();

    const counts = await reencryptAll(db.client, bothRing);

    expect(counts).toEqual({
      StoredImage: 0,
      DataExport: 0,
      PrivacyRequest: 0,
      Shop: 0,
      RemoteDeletion: 0,
      Session: 0,
    });
    expect(await snapshot()).toBe(before);
  });

  it("P14: leaves values already under the active key alone and rotates only the rest", async () => {
    const expected = { ...(await seed(oldRing, 2, "old")), ...(await seed(bothRing, 3, "new")) };

    const counts = await reencryptAll(db.client, bothRing);

    expect(counts).toEqual({
      StoredImage: 2,
      DataExport: 2,
      PrivacyRequest: 2,
      Shop: 2,
      RemoteDeletion: 2,
      Session: 2,
    });
    expect(await readAll(newOnlyRing)).toEqual(expected);
  });

  it("P14: keeps rows' last-updated times, since rotation is not a change to the record", async () => {
    await seed(oldRing, 1);
    await reencryptAll(db.client, bothRing);
    const shop = await db.client.shop.findFirstOrThrow();
    const request = await db.client.privacyRequest.findFirstOrThrow({ where: { detailsKeyId: { not: null } } });
    expect(shop.updatedAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(request.updatedAt.toISOString()).toBe("2026-01-02T00:00:00.000Z");
  });

  it("P14: a run that crashed halfway is finished by the next one, with nothing lost", async () => {
    const expected = await seed(oldRing, 4);
    let seals = 0;
    const crashing: Keyring = {
      ...bothRing,
      seal(plaintext, context) {
        if (++seals === 7) throw new Error("simulated crash");
        return bothRing.seal(plaintext, context);
      },
    };
    await expect(reencryptAll(db.client, crashing, { batchSize: 3 })).rejects.toThrow("simulated crash");
    expect(new Set(await keyIds())).toEqual(new Set(["old", "new"]));

    const counts = await reencryptAll(db.client, bothRing, { batchSize: 3 });

    // 6 values were re-sealed before the crash: 4 images and 2 exports.
    expect(counts).toEqual({
      StoredImage: 0,
      DataExport: 2,
      PrivacyRequest: 4,
      Shop: 4,
      RemoteDeletion: 4,
      Session: 4,
    });
    expect(new Set(await keyIds())).toEqual(new Set(["new"]));
    expect(await readAll(newOnlyRing)).toEqual(expected);
  });

  it("P14: never overwrites a value a concurrent writer changed mid-rotation (compare-and-swap)", async () => {
    const expected = await seed(oldRing, 3);
    const [target] = await db.client.storedImage.findMany({ orderBy: { id: "asc" }, take: 1 });
    const rewritten = randomBytes(100);
    let raced = false;
    // Just before rotation writes the first image, another process (still configured with the
    // old key) replaces that image. Rotation must not write its stale copy over it.
    const racing = db.client.$extends({
      query: {
        storedImage: {
          async updateMany({ args, query }) {
            if (!raced) {
              raced = true;
              const sealed = oldRing.seal(rewritten, imageContext(target!.scanId));
              await db.client.storedImage.update({
                where: { id: target!.id },
                data: { keyId: sealed.keyId, ciphertext: bytes(sealed.envelope) },
              });
            }
            return query(args);
          },
        },
      },
    }) as unknown as PrismaClient;

    const first = await reencryptAll(racing, bothRing);
    expect(raced).toBe(true);
    expect(first.StoredImage).toBe(2);
    const after = await db.client.storedImage.findUniqueOrThrow({ where: { id: target!.id } });
    expect(after.keyId).toBe("old");
    expect(bothRing.open(after.ciphertext, imageContext(target!.scanId)).equals(rewritten)).toBe(true);

    // The next run picks up what the race left behind.
    expect((await reencryptAll(db.client, bothRing)).StoredImage).toBe(1);
    expect(await readAll(newOnlyRing)).toEqual({
      ...expected,
      [`StoredImage:${target!.scanId}`]: rewritten.toString("base64"),
    });
  });

  it("P14: stops loudly, naming the row but not its content, when a value does not decrypt", async () => {
    await seed(oldRing, 2);
    const victim = await db.client.dataExport.findFirstOrThrow({ orderBy: { id: "asc" } });
    const tampered = Buffer.from(victim.ciphertext);
    tampered[tampered.length - 1]! ^= 0x01;
    await db.client.dataExport.update({ where: { id: victim.id }, data: { ciphertext: bytes(tampered) } });

    const error = await reencryptAll(db.client, bothRing).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RotationError);
    expect(error).toMatchObject({ table: "DataExport", rowId: victim.id });
    expect((error as RotationError).cause).toBeInstanceOf(DecryptionError);
    expect((error as Error).message).toContain("DataExport");
    expect((error as Error).message).not.toContain('"note"');
    // The run stopped at that row; everything else is intact and readable.
    expect(new Set((await db.client.storedImage.findMany()).map((r) => r.keyId))).toEqual(new Set(["new"]));
    const other = await db.client.dataExport.findFirstOrThrow({ where: { id: { not: victim.id } } });
    expect(bothRing.openText(other.ciphertext, exportContext(other.id))).toContain("export");
  });

  it("P14: refuses to rotate with a keyring that lacks the old key, and destroys nothing", async () => {
    const expected = await seed(oldRing, 1);
    const before = await snapshot();

    const error = await reencryptAll(db.client, newOnlyRing).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RotationError);
    expect((error as RotationError).cause).toBeInstanceOf(UnknownKeyError);
    expect(await snapshot()).toBe(before);
    expect(await readAll(oldRing)).toEqual(expected);
  });

  it.each([0, -1, 1.5])("rejects batchSize %s", async (batchSize) => {
    await expect(reencryptAll(db.client, bothRing, { batchSize })).rejects.toThrow(RangeError);
  });
});
