import type { Session } from "@shopify/shopify-app-remix/server";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { appKeyring } from "./crypto/keyring.server";
import { EncryptedSessionStorage } from "./crypto/session-storage.server";
import { database } from "./db.server";

/**
 * A SessionStorage whose real storage is built on first use. `shopifyApp()` wants its storage
 * synchronously at import, but the database is opened asynchronously (and only after the
 * environment has been validated), so every method awaits the inner storage and delegates.
 */
export class LazySessionStorage implements SessionStorage {
  constructor(private readonly open: () => Promise<SessionStorage>) {}

  private inner(): Promise<SessionStorage> {
    // Resolved per call (the opener caches per database); a failed open is simply retried.
    return this.open();
  }

  async storeSession(session: Session): Promise<boolean> {
    return (await this.inner()).storeSession(session);
  }

  async loadSession(id: string): Promise<Session | undefined> {
    return (await this.inner()).loadSession(id);
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.inner()).deleteSession(id);
  }

  async deleteSessions(ids: string[]): Promise<boolean> {
    return (await this.inner()).deleteSessions(ids);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    return (await this.inner()).findSessionsByShop(shop);
  }
}

/**
 * The app's session storage: the process database, opened lazily, with access tokens encrypted
 * (P14). One storage per database handle, so tests that swap databases get a matching storage.
 */
export function createSessionStorage(): SessionStorage {
  const byDatabase = new WeakMap<object, SessionStorage>();
  return new LazySessionStorage(async () => {
    const db = await database();
    let storage = byDatabase.get(db);
    if (!storage) {
      storage = new EncryptedSessionStorage(db.client, appKeyring());
      byDatabase.set(db, storage);
    }
    return storage;
  });
}
