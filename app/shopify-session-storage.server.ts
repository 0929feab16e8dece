import type { Session } from "@shopify/shopify-app-remix/server";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { database } from "./db.server";

/**
 * A SessionStorage whose real storage is built on first use. `shopifyApp()` wants its storage
 * synchronously at import, but the database is opened asynchronously (and only after the
 * environment has been validated), so every method awaits the inner storage and delegates.
 */
export class LazySessionStorage implements SessionStorage {
  #inner: Promise<SessionStorage> | undefined;

  constructor(private readonly open: () => Promise<SessionStorage>) {}

  private inner(): Promise<SessionStorage> {
    // A failed open (database down) is retried on the next call instead of being cached forever.
    this.#inner ??= this.open().catch((error: unknown) => {
      this.#inner = undefined;
      throw error;
    });
    return this.#inner;
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

/** The app's session storage: the process database, opened lazily. */
export function createSessionStorage(): SessionStorage {
  return new LazySessionStorage(async () => {
    const { client } = await database();
    // The one line to change for encrypted sessions:
    //   return new EncryptedSessionStorage(client, keyring);
    return new PrismaSessionStorage(client);
  });
}
