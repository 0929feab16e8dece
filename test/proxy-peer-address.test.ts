import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../app/db/client.server";
import { PEER_ADDRESS_HEADER } from "../app/http/client-address";
import { startServer, type RunningServer } from "./support/server";
import { appProxyUrl, SHOP, TEST_SECRET } from "./support/shopify";

/**
 * P15 through the real server (server.mjs over the build): the socket's peer address reaches the app
 * in a header server.mjs always overwrites, so a client cannot pick its network by sending that header
 * itself. With TRUSTED_PROXY_HOPS=0 (nothing in front trusted) the peer is the only thing that counts:
 * every request here comes from 127.0.0.1, whatever headers it carries.
 */
describe("P15: the client address the real server hands the app", () => {
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-peer-"));
    const databaseUrl = `file:${join(dir, "app.db")}`;
    server = await startServer({
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_SECRET: TEST_SECRET,
      JOBS_IN_PROCESS: "false",
      LOG_LEVEL: "warn",
      TRUSTED_PROXY_HOPS: "0",
    });
    // The server migrated the file; two consents an hour per network (2 × scansPerNetworkPerHour).
    const db = await openDatabase(databaseUrl);
    try {
      await db.client.shop.create({ data: { shop: SHOP, scansPerNetworkPerHour: 1 } });
    } finally {
      await db.close();
    }
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const consent = (i: number) =>
    fetch(appProxyUrl("/consents").replace("https://scanshield.test", server.baseUrl), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        // What a client might send to pose as another network each time.
        [PEER_ADDRESS_HEADER]: `192.0.2.${i}`,
        "x-forwarded-for": `198.51.100.${i}`,
      },
      body: JSON.stringify({
        noticeVersion: 1,
        locale: "en",
        ageConfirmed: true,
        purposes: ["skin_analysis"],
        subjectId: `anon_peer_test_subject_${i}_0123456789`,
      }),
    });

  it("P15: a client-sent peer-address header is overwritten: rotating it does not escape the network limit", async () => {
    expect((await consent(1)).status).toBe(201);
    expect((await consent(2)).status).toBe(201);
    const refused = await consent(3);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});
