import type { PrismaClient } from "@prisma/client";
import type { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { sessionTokenContext } from "./contexts";
import { DecryptionError, type Keyring } from "./keyring";

/**
 * Shopify session storage that never writes an access or refresh token in clear (P14). It wraps
 * the Prisma storage from the Shopify template, so the Session table keeps the shape that library
 * expects, and swaps each token for an AES-256-GCM envelope (base64 text) on the way in and back
 * on the way out. A token that does not decrypt throws: a silent "no session" would send a
 * merchant through OAuth again and hide a key misconfiguration.
 */

export interface EncryptedSessionStorageOptions {
  /**
   * PrismaSessionStorage checks for the Session table at construction, retrying this many times
   * (library default 2) and logging each failure with console.log. Migrations run before the
   * storage is built, so one attempt is enough in tests.
   */
  connectionRetries?: number;
  /** Wait between those attempts (library default 5000 ms). */
  connectionRetryIntervalMs?: number;
}

export class EncryptedSessionStorage implements SessionStorage {
  private readonly inner: PrismaSessionStorage<PrismaClient>;

  constructor(
    prisma: PrismaClient,
    private readonly keyring: Keyring,
    options: EncryptedSessionStorageOptions = {},
  ) {
    this.inner = new PrismaSessionStorage(prisma, options);
  }

  /** True once the Session table is reachable (re-checks it, like the wrapped storage). */
  isReady(): Promise<boolean> {
    return this.inner.isReady();
  }

  storeSession(session: Session): Promise<boolean> {
    // A copy: the caller keeps using its session, with the token in clear, after storing it. Built
    // with the session's own class: the Shopify packages ship CJS and ESM copies of Session.
    const SessionClass = session.constructor as new (params: ReturnType<Session["toObject"]>) => Session;
    const stored = new SessionClass(session.toObject());
    if (session.accessToken) {
      stored.accessToken = sealSessionToken(this.keyring, session.accessToken, sessionTokenContext(session.id));
    }
    if (session.refreshToken) {
      stored.refreshToken = sealSessionToken(
        this.keyring,
        session.refreshToken,
        sessionTokenContext(session.id, "refresh"),
      );
    }
    return this.inner.storeSession(stored);
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const session = await this.inner.loadSession(id);
    return session && this.decrypt(session);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const sessions = await this.inner.findSessionsByShop(shop);
    return sessions.map((session) => this.decrypt(session));
  }

  deleteSession(id: string): Promise<boolean> {
    return this.inner.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.inner.deleteSessions(ids);
  }

  private decrypt(session: Session): Session {
    if (session.accessToken) {
      session.accessToken = openSessionToken(this.keyring, session.accessToken, sessionTokenContext(session.id));
    }
    if (session.refreshToken) {
      session.refreshToken = openSessionToken(
        this.keyring,
        session.refreshToken,
        sessionTokenContext(session.id, "refresh"),
      );
    }
    return session;
  }
}

/** Seals a token into the base64 text the String column holds. */
export function sealSessionToken(keyring: Keyring, token: string, context: string): string {
  return keyring.seal(token, context).envelope.toString("base64");
}

/** The key id inside a stored token envelope; throws DecryptionError if the text is not one. */
export function sessionTokenKeyId(keyring: Keyring, stored: string): string {
  return keyring.keyIdOf(decodeEnvelope(stored));
}

/** Opens a stored token; throws DecryptionError or UnknownKeyError rather than returning garbage. */
export function openSessionToken(keyring: Keyring, stored: string, context: string): string {
  return keyring.openText(decodeEnvelope(stored), context);
}

function decodeEnvelope(stored: string): Buffer {
  const envelope = Buffer.from(stored, "base64");
  // Node's base64 decoder skips characters it does not know, so a clear token ("shpat_...")
  // would decode to noise; insisting on a clean round trip rejects it up front.
  if (envelope.toString("base64") !== stored) {
    throw new DecryptionError("A stored session token is not an encrypted envelope (was it written in clear?).");
  }
  return envelope;
}
