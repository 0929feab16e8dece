import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../../test/support/database";
import { createKeyring, DecryptionError, parseKeys, UnknownKeyError, type Keyring } from "./keyring";
import { EncryptedSessionStorage, sessionTokenKeyId } from "./session-storage.server";

const SHOP = "glow-lab.myshopify.com";
const ACCESS_TOKEN = `shpat_${randomBytes(16).toString("hex")}`;
const REFRESH_TOKEN = `shprt_${randomBytes(16).toString("hex")}`;

const key = () => randomBytes(32).toString("base64");
const ring = (spec: string, active: string): Keyring => createKeyring(parseKeys(spec), active);

function offlineSession(id = `offline_${SHOP}`): Session {
  return new Session({
    id,
    shop: SHOP,
    state: "state-123",
    isOnline: false,
    scope: "read_products",
    expires: new Date("2030-01-01T00:00:00.000Z"),
    accessToken: ACCESS_TOKEN,
    refreshToken: REFRESH_TOKEN,
    refreshTokenExpires: new Date("2030-06-01T00:00:00.000Z"),
  });
}

describe.each(DATABASE_KINDS)("EncryptedSessionStorage on %s", (kind) => {
  let db: TestDatabase;
  const keyring = ring(`s1:${key()}`, "s1");
  // The table exists (migrated), so the library's table check succeeds at once; no retries needed.
  const storage = () => new EncryptedSessionStorage(db.client, keyring, { connectionRetries: 1 });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.destroy();
  });
  beforeEach(async () => {
    await db.client.session.deleteMany();
  });

  async function rawTokens(id: string) {
    const rows = await db.client.$queryRaw<{ accessToken: string; refreshToken: string | null }[]>`
      SELECT "accessToken", "refreshToken" FROM "Session" WHERE "id" = ${id}`;
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  it("P14: keeps no access or refresh token in clear in the database", async () => {
    const session = offlineSession();
    await storage().storeSession(session);

    const raw = await rawTokens(session.id);
    expect(raw.accessToken).not.toContain(ACCESS_TOKEN);
    expect(raw.refreshToken).not.toContain(REFRESH_TOKEN);
    for (const text of [raw.accessToken, raw.refreshToken!]) {
      expect(Buffer.from(text, "base64").includes(Buffer.from(ACCESS_TOKEN))).toBe(false);
      expect(sessionTokenKeyId(keyring, text)).toBe("s1");
    }
    if (db.file) {
      // Nor anywhere in the database files (main file and write-ahead log).
      for (const file of [db.file, `${db.file}-wal`].filter(existsSync)) {
        const bytes = readFileSync(file);
        expect(bytes.includes(Buffer.from(ACCESS_TOKEN))).toBe(false);
        expect(bytes.includes(Buffer.from(REFRESH_TOKEN))).toBe(false);
      }
    }
    // Storing does not change the caller's session, which is still in use.
    expect(session.accessToken).toBe(ACCESS_TOKEN);
  });

  it("P14: loads a stored session back intact", async () => {
    const session = offlineSession();
    await storage().storeSession(session);

    const loaded = await storage().loadSession(session.id);
    expect(loaded?.accessToken).toBe(ACCESS_TOKEN);
    expect(loaded?.refreshToken).toBe(REFRESH_TOKEN);
    expect(loaded?.shop).toBe(SHOP);
    expect(loaded?.scope).toBe("read_products");
    expect(loaded?.expires?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(loaded?.refreshTokenExpires?.toISOString()).toBe("2030-06-01T00:00:00.000Z");
    expect(loaded?.isActive("read_products")).toBe(true);
  });

  it("P14: decrypts every session found for a shop, and overwrites on re-store", async () => {
    await storage().storeSession(offlineSession());
    const online = offlineSession(`${SHOP}_42`);
    online.isOnline = true;
    online.accessToken = "shpua_online";
    await storage().storeSession(online);
    online.accessToken = "shpua_online_renewed";
    await storage().storeSession(online);

    const found = await storage().findSessionsByShop(SHOP);
    expect(found.map((s) => [s.id, s.accessToken]).sort()).toEqual([
      [`${SHOP}_42`, "shpua_online_renewed"],
      [`offline_${SHOP}`, ACCESS_TOKEN],
    ]);
  });

  it("stores a session without tokens (OAuth in progress) as the library does", async () => {
    const pending = new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "s", isOnline: false });
    await storage().storeSession(pending);
    expect((await rawTokens(pending.id)).accessToken).toBe("");
    const loaded = await storage().loadSession(pending.id);
    expect(loaded?.accessToken).toBeUndefined();
    expect(loaded?.refreshToken).toBeUndefined();
  });

  it("deletes sessions", async () => {
    await storage().storeSession(offlineSession("a"));
    await storage().storeSession(offlineSession("b"));
    await storage().storeSession(offlineSession("c"));
    await storage().deleteSession("a");
    await storage().deleteSessions(["b"]);
    expect(await storage().loadSession("a")).toBeUndefined();
    expect(await storage().loadSession("b")).toBeUndefined();
    expect((await storage().loadSession("c"))?.accessToken).toBe(ACCESS_TOKEN);
  });

  it("P14: fails loudly when the key material is wrong, instead of returning a session", async () => {
    await storage().storeSession(offlineSession());
    const impostor = new EncryptedSessionStorage(db.client, ring(`s1:${key()}`, "s1"), { connectionRetries: 1 });
    await expect(impostor.loadSession(`offline_${SHOP}`)).rejects.toThrow(DecryptionError);
    await expect(impostor.findSessionsByShop(SHOP)).rejects.toThrow(DecryptionError);
  });

  it("P14: fails loudly, naming the key id, when the key is not configured", async () => {
    await storage().storeSession(offlineSession());
    const other = new EncryptedSessionStorage(db.client, ring(`s2:${key()}`, "s2"), { connectionRetries: 1 });
    await expect(other.loadSession(`offline_${SHOP}`)).rejects.toThrow(UnknownKeyError);
    await expect(other.loadSession(`offline_${SHOP}`)).rejects.toThrow(/"s1"/);
  });

  it("P14: refuses a token moved to another session or column", async () => {
    await storage().storeSession(offlineSession("a"));
    await storage().storeSession(offlineSession("b"));
    const a = await rawTokens("a");
    await db.client.session.update({ where: { id: "b" }, data: { accessToken: a.accessToken } });
    await expect(storage().loadSession("b")).rejects.toThrow(DecryptionError);
    await db.client.session.update({ where: { id: "a" }, data: { accessToken: a.refreshToken! } });
    await expect(storage().loadSession("a")).rejects.toThrow(DecryptionError);
  });

  it("P14: refuses a token found in clear, without echoing it", async () => {
    await storage().storeSession(offlineSession());
    await db.client.session.update({ where: { id: `offline_${SHOP}` }, data: { accessToken: ACCESS_TOKEN } });
    const error = await storage()
      .loadSession(`offline_${SHOP}`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecryptionError);
    expect(String(error)).not.toContain(ACCESS_TOKEN);
  });
});
