import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM envelopes with a key id inside, so keys can be rotated while old data stays
 * readable (P14). Layout: version(1) | keyIdLength(1) | keyId | nonce(12) | tag(16) | ciphertext.
 * The associated data binds a ciphertext to where it is stored (e.g. "image:<scanId>"), so a
 * value copied into another row fails to decrypt instead of being read as someone else's.
 */
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyringConfigError extends Error {
  override name = "KeyringConfigError";
}

/** The envelope names a key this process does not have. */
export class UnknownKeyError extends Error {
  override name = "UnknownKeyError";
  constructor(readonly keyId: string) {
    super(`No encryption key with id "${keyId}" is configured; add it to ENCRYPTION_KEYS to read this data.`);
  }
}

/** Authentication failed: the data, its context or the key is wrong. Never returns garbage. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
}

export interface Sealed {
  keyId: string;
  envelope: Buffer;
}

export interface Keyring {
  readonly activeKeyId: string;
  readonly keyIds: readonly string[];
  seal(plaintext: Uint8Array | string, context: string): Sealed;
  open(envelope: Uint8Array, context: string): Buffer;
  openText(envelope: Uint8Array, context: string): string;
  keyIdOf(envelope: Uint8Array): string;
}

/**
 * Parses `ENCRYPTION_KEYS` ("id:base64key,id2:base64key") into a keyring whose active key
 * seals new data. Each key must decode to exactly 32 bytes.
 */
export function parseKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(":");
    if (sep < 0) throw new KeyringConfigError('Each ENCRYPTION_KEYS entry must look like "keyId:base64Key".');
    const id = entry.slice(0, sep);
    const material = Buffer.from(entry.slice(sep + 1), "base64");
    if (!KEY_ID_PATTERN.test(id)) {
      throw new KeyringConfigError(`Encryption key id "${id}" must be 1-32 letters, digits, "-" or "_".`);
    }
    if (material.length !== 32) {
      throw new KeyringConfigError(
        `Encryption key "${id}" must be 32 bytes of base64 (got ${material.length}); create one with: openssl rand -base64 32`,
      );
    }
    if (keys.has(id)) throw new KeyringConfigError(`Encryption key id "${id}" appears twice.`);
    keys.set(id, material);
  }
  if (keys.size === 0) throw new KeyringConfigError("ENCRYPTION_KEYS holds no key.");
  return keys;
}

export function createKeyring(keys: Map<string, Buffer>, activeKeyId: string): Keyring {
  const active = keys.get(activeKeyId);
  if (!active) {
    throw new KeyringConfigError(`ENCRYPTION_ACTIVE_KEY_ID "${activeKeyId}" is not one of the ids in ENCRYPTION_KEYS.`);
  }

  function keyIdOf(envelope: Uint8Array): string {
    const buf = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
    if (buf.length < 2 || buf[0] !== VERSION) throw new DecryptionError("Not a ScanShield encrypted envelope.");
    const idLength = buf[1]!;
    if (buf.length < 2 + idLength + NONCE_BYTES + TAG_BYTES)
      throw new DecryptionError("Encrypted envelope is truncated.");
    return buf.subarray(2, 2 + idLength).toString("utf8");
  }

  function seal(plaintext: Uint8Array | string, context: string): Sealed {
    const idBytes = Buffer.from(activeKeyId, "utf8");
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", active!, nonce);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([
      cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext),
      cipher.final(),
    ]);
    const header = Buffer.from([VERSION, idBytes.length]);
    return { keyId: activeKeyId, envelope: Buffer.concat([header, idBytes, nonce, cipher.getAuthTag(), body]) };
  }

  function open(envelope: Uint8Array, context: string): Buffer {
    const keyId = keyIdOf(envelope);
    const key = keys.get(keyId);
    if (!key) throw new UnknownKeyError(keyId);
    const buf = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
    let at = 2 + Buffer.byteLength(keyId, "utf8");
    const nonce = buf.subarray(at, (at += NONCE_BYTES));
    const tag = buf.subarray(at, (at += TAG_BYTES));
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(buf.subarray(at)), decipher.final()]);
    } catch {
      throw new DecryptionError(
        `Encrypted data failed authentication (key "${keyId}"): it was altered, moved to another record, or the key material is wrong.`,
      );
    }
  }

  return {
    activeKeyId,
    keyIds: [...keys.keys()],
    seal,
    open,
    openText: (envelope, context) => open(envelope, context).toString("utf8"),
    keyIdOf,
  };
}
