import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "../env.server";
import { appKeyring, pseudonymise, PseudonymPurposeError } from "./keyring.server";

const SAVED = { ...process.env };

function setEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
  resetEnvForTests();
}

afterEach(() => {
  for (const name of ["ENCRYPTION_KEYS", "ENCRYPTION_ACTIVE_KEY_ID", "PSEUDONYM_KEY"]) {
    if (SAVED[name] === undefined) delete process.env[name];
    else process.env[name] = SAVED[name];
  }
  resetEnvForTests();
});

describe("appKeyring", () => {
  it("P14: builds the keyring from ENCRYPTION_KEYS with the named active key, once", () => {
    const keys = `k1:${randomBytes(32).toString("base64")},k2:${randomBytes(32).toString("base64")}`;
    setEnv({ ENCRYPTION_KEYS: keys, ENCRYPTION_ACTIVE_KEY_ID: "k2" });
    const ring = appKeyring();
    expect(ring.activeKeyId).toBe("k2");
    expect(ring.keyIds).toEqual(["k1", "k2"]);
    expect(appKeyring()).toBe(ring);
    expect(ring.openText(ring.seal("secret", "ctx").envelope, "ctx")).toBe("secret");
  });

  it("follows a re-parsed environment instead of keeping stale keys", () => {
    setEnv({ ENCRYPTION_KEYS: `a:${randomBytes(32).toString("base64")}`, ENCRYPTION_ACTIVE_KEY_ID: "a" });
    const first = appKeyring();
    setEnv({ ENCRYPTION_KEYS: `b:${randomBytes(32).toString("base64")}`, ENCRYPTION_ACTIVE_KEY_ID: "b" });
    expect(appKeyring()).not.toBe(first);
    expect(appKeyring().activeKeyId).toBe("b");
  });
});

describe("pseudonymise", () => {
  it("P7: is a stable keyed digest that never contains the value", () => {
    setEnv({ PSEUDONYM_KEY: "test-pseudonym-key-one" });
    const digest = pseudonymise("network-hint", "203.0.113.0");
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(pseudonymise("network-hint", "203.0.113.0")).toBe(digest);
    expect(digest).not.toContain("203");
  });

  it("separates purposes, so one digest cannot be matched against another use", () => {
    setEnv({ PSEUDONYM_KEY: "test-pseudonym-key-one" });
    expect(pseudonymise("network-hint", "x")).not.toBe(pseudonymise("subject-digest", "x"));
  });

  it("depends on the key, so it cannot be recomputed from a guessed value without it", () => {
    setEnv({ PSEUDONYM_KEY: "test-pseudonym-key-one" });
    const one = pseudonymise("subject-digest", "shop.myshopify.com:7401");
    setEnv({ PSEUDONYM_KEY: "test-pseudonym-key-two" });
    expect(pseudonymise("subject-digest", "shop.myshopify.com:7401")).not.toBe(one);
  });

  it.each(["", "Network Hint", "a\u0000b", "x".repeat(65)])("refuses the purpose %j", (purpose) => {
    expect(() => pseudonymise(purpose, "v")).toThrow(PseudonymPurposeError);
  });
});
