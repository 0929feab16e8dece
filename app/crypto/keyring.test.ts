import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, parseKeys, UnknownKeyError } from "./keyring";

const k = () => randomBytes(32).toString("base64");

describe("P14: keyring", () => {
  it("P14: round-trips and never leaves the plaintext in the envelope", () => {
    const ring = createKeyring(parseKeys(`a:${k()}`), "a");
    const sealed = ring.seal("customer 7401 face bytes", "image:scan1");
    expect(sealed.keyId).toBe("a");
    expect(sealed.envelope.includes(Buffer.from("customer 7401"))).toBe(false);
    expect(ring.openText(sealed.envelope, "image:scan1")).toBe("customer 7401 face bytes");
  });

  it("P14: uses a fresh nonce for every value", () => {
    const ring = createKeyring(parseKeys(`a:${k()}`), "a");
    expect(ring.seal("same", "c").envelope.equals(ring.seal("same", "c").envelope)).toBe(false);
  });

  it("P14: detects a flipped byte anywhere in the ciphertext or tag", () => {
    const ring = createKeyring(parseKeys(`a:${k()}`), "a");
    const { envelope } = ring.seal("hello world", "ctx");
    for (let i = 3; i < envelope.length; i++) {
      const tampered = Buffer.from(envelope);
      tampered[i]! ^= 0x01;
      expect(() => ring.open(tampered, "ctx")).toThrow(DecryptionError);
    }
  });

  it("P14: refuses a value moved to another record (associated data)", () => {
    const ring = createKeyring(parseKeys(`a:${k()}`), "a");
    const { envelope } = ring.seal("hello", "image:scan1");
    expect(() => ring.open(envelope, "image:scan2")).toThrow(DecryptionError);
  });

  it("P14: fails loudly with the wrong key material under the same id", () => {
    const sealed = createKeyring(parseKeys(`a:${k()}`), "a").seal("hello", "ctx");
    const other = createKeyring(parseKeys(`a:${k()}`), "a");
    expect(() => other.open(sealed.envelope, "ctx")).toThrow(/failed authentication/);
  });

  it("P14: names a missing key id instead of returning garbage", () => {
    const sealed = createKeyring(parseKeys(`old:${k()}`), "old").seal("hello", "ctx");
    const ring = createKeyring(parseKeys(`new:${k()}`), "new");
    expect(() => ring.open(sealed.envelope, "ctx")).toThrow(UnknownKeyError);
  });

  it("P14: reads data sealed under a retired key after rotation", () => {
    const oldKey = k();
    const before = createKeyring(parseKeys(`old:${oldKey}`), "old").seal("kept", "ctx");
    const after = createKeyring(parseKeys(`new:${k()},old:${oldKey}`), "new");
    expect(after.openText(before.envelope, "ctx")).toBe("kept");
    expect(after.seal("x", "ctx").keyId).toBe("new");
  });

  it.each([
    ["", /holds no key/],
    ["nokey", /keyId:base64Key/],
    [`a:${Buffer.alloc(16).toString("base64")}`, /32 bytes/],
    [`bad id:${k()}`, /must be 1-32/],
    [`a:${k()},a:${k()}`, /appears twice/],
  ])("rejects ENCRYPTION_KEYS %j with a clear message", (spec, message) => {
    expect(() => parseKeys(spec)).toThrow(message);
  });

  it("rejects an active key id that is not configured", () => {
    expect(() => createKeyring(parseKeys(`a:${k()}`), "b")).toThrow(/not one of the ids/);
  });
});
