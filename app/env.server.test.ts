import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env.server";

const prodSecrets = {
  NODE_ENV: "production",
  SHOPIFY_API_SECRET: "a-real-secret",
  ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
  PSEUDONYM_KEY: "a-real-pseudonymisation-key",
};

describe("configuration (env.server.ts)", () => {
  it("runs on safe local defaults in development: SQLite, loopback, port 3000", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      PORT: 3000,
      DATABASE_URL: "file:./data/scanshield.db",
    });
    expect(env.ANALYSIS_API_URL).toBeUndefined();
  });

  it("P15: trusts two proxy hops by default (Shopify's app proxy and the host's reverse proxy)", () => {
    expect(parseEnv({}).TRUSTED_PROXY_HOPS).toBe(2);
    expect(parseEnv({ TRUSTED_PROXY_HOPS: "1" }).TRUSTED_PROXY_HOPS).toBe(1);
  });

  it("honours PORT and DATABASE_URL", () => {
    expect(parseEnv({ PORT: "8080", DATABASE_URL: "postgresql://u@db/scanshield" })).toMatchObject({
      PORT: 8080,
      DATABASE_URL: "postgresql://u@db/scanshield",
    });
  });

  it("P14: in production every secret is required, and no development default is accepted", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(EnvError);
    try {
      parseEnv({ NODE_ENV: "production" });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ["SHOPIFY_API_SECRET", "ENCRYPTION_KEYS", "PSEUDONYM_KEY"])
        expect(message).toContain(`${name}: is required in production`);
    }
    expect(() => parseEnv({ ...prodSecrets, PSEUDONYM_KEY: "dev-only-pseudonymisation-key" })).toThrow(
      /development default/,
    );
    expect(parseEnv(prodSecrets).ENCRYPTION_ACTIVE_KEY_ID).toBe("k1");
  });

  it.each([
    [{ PORT: "eighty" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL: must start with file:"],
    [{ ANALYSIS_API_URL: "https://vendor.example" }, "ANALYSIS_API_KEY: is required when ANALYSIS_API_URL is set"],
    [{ JOBS_IN_PROCESS: "maybe" }, 'JOBS_IN_PROCESS: must be "true" or "false"'],
    [{ JOB_BUSY_SHARE: "0" }, "JOB_BUSY_SHARE"],
    [{ TRUSTED_PROXY_HOPS: "-1" }, "TRUSTED_PROXY_HOPS"],
    [{ TRUSTED_PROXY_HOPS: "two" }, "TRUSTED_PROXY_HOPS"],
    [{ HTTP_REQUEST_TIMEOUT_MS: "0" }, "HTTP_REQUEST_TIMEOUT_MS"],
    [
      { HTTP_HEADERS_TIMEOUT_MS: "30000", HTTP_REQUEST_TIMEOUT_MS: "10000" },
      "HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS",
    ],
  ])("fails fast with a message naming the variable: %j", (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });

  it("never echoes a secret's value in its error", () => {
    expect(() => parseEnv({ ...prodSecrets, PSEUDONYM_KEY: "short" })).toThrow(EnvError);
    try {
      parseEnv({ ...prodSecrets, PSEUDONYM_KEY: "short-secret-x" });
    } catch (error) {
      expect((error as Error).message).not.toContain("short-secret-x");
    }
  });
});
