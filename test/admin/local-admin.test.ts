import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

// The local admin only exists for an app URL on this machine (env.server.ts): set before the app loads.
vi.hoisted(() => {
  process.env.SHOPIFY_APP_URL = "http://127.0.0.1:3000";
  process.env.LOCAL_ADMIN = "true";
});

import { EnvError, parseEnv, resetEnvForTests } from "../../app/env.server";
import { PEER_ADDRESS_HEADER } from "../../app/http/client-address";
import { loader as adminLayoutLoader } from "../../app/routes/app";
import { loader as settingsLoader } from "../../app/routes/app.settings";
import { loader as authLoader } from "../../app/routes/auth.$";
import { loader as signInLoader } from "../../app/routes/dev.admin";
import { loader as appBridgeLoader } from "../../app/routes/dev.app-bridge[.]js";
import { loader as sessionTokenLoader } from "../../app/routes/dev.session-token";
import { loader as landingLoader } from "../../app/routes/_index/route";
import { loader as loginLoader } from "../../app/routes/auth.login/route";
import { apiVersion } from "../../app/shopify.server";
import { shopifyApi } from "@shopify/shopify-api";
import { callForResponse } from "../support/admin";
import { useFakeShopify } from "../support/fake-shopify";
import { useDatabase } from "../support/lifecycle";

/**
 * The local admin (docs/admin.md, "The local admin"): development only, for the preview shop, with
 * session tokens the library verifies exactly as it verifies Shopify's. Impossible in production.
 */
const APP = "http://127.0.0.1:3000";
const PREVIEW_SHOP = "scanshield-preview.myshopify.com";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";
const ROOT = join(import.meta.dirname, "..", "..");

function get(path: string, peer = "127.0.0.1", headers: Record<string, string> = {}): Request {
  return new Request(`${APP}${path}`, {
    headers: { "user-agent": BROWSER, [PEER_ADDRESS_HEADER]: peer, ...headers },
  });
}

const args = (request: Request) => ({ request, params: {}, context: {} });

async function answer(loader: (a: ReturnType<typeof args>) => unknown, request: Request): Promise<Response> {
  const result = await callForResponse(loader as never, request);
  if (!(result instanceof Response)) throw new Error("expected a Response");
  return result;
}

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
}

describe("the local admin (development only)", () => {
  const database = useDatabase("sqlite", { app: true });
  const network = useFakeShopify();

  afterEach(() => {
    process.env.LOCAL_ADMIN = "true";
    resetEnvForTests();
  });

  it("is refused by the configuration in production and for an app URL that is not on this machine", () => {
    const production = {
      NODE_ENV: "production",
      SHOPIFY_API_SECRET: "a-real-secret",
      ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
      PSEUDONYM_KEY: "a-real-pseudonymisation-key",
      SHOPIFY_APP_URL: "https://scanshield.example.com",
    };
    expect(parseEnv(production).LOCAL_ADMIN).toBe(false);
    expect(() => parseEnv({ ...production, LOCAL_ADMIN: "true" })).toThrow(
      /LOCAL_ADMIN: must not be set in production/,
    );
    // Even on a development box: a deployed copy has a public app URL.
    expect(() => parseEnv({ LOCAL_ADMIN: "true", SHOPIFY_APP_URL: "https://staging.example.com" })).toThrow(EnvError);
    expect(() => parseEnv({ LOCAL_ADMIN: "true", SHOPIFY_APP_URL: "https://staging.example.com" })).toThrow(
      /LOCAL_ADMIN: is only for a machine's own copy/,
    );
    expect(parseEnv({ LOCAL_ADMIN: "true" }).LOCAL_ADMIN).toBe(true);
    expect(parseEnv({}).LOCAL_ADMIN).toBe(false);
  });

  it("the production server refuses to boot with LOCAL_ADMIN set, saying why, and serves nothing", async () => {
    if (!existsSync(join(ROOT, "build", "server", "index.js"))) throw new Error("No build: run `npm run build` first.");
    const child = spawn(process.execPath, ["server.mjs"], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: "production",
        LOCAL_ADMIN: "true",
        SHOPIFY_API_SECRET: "a-real-secret",
        ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
        PSEUDONYM_KEY: "a-real-pseudonymisation-key",
        SHOPIFY_APP_URL: "https://scanshield.example.com",
        DATABASE_URL: database.url,
        PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output).toContain("LOCAL_ADMIN: must not be set in production");
    expect(output).not.toContain("listening");
    // A readable refusal, not a stack trace.
    expect(output).not.toMatch(/\n\s+at /);
  });

  it("when it is off, its routes answer 404 and store nothing, and the admin loads App Bridge from Shopify", async () => {
    process.env.LOCAL_ADMIN = "false";
    resetEnvForTests();
    for (const [loader, path] of [
      [signInLoader, "/dev/admin"],
      [sessionTokenLoader, "/dev/session-token"],
      [appBridgeLoader, "/dev/app-bridge.js"],
    ] as const) {
      const response = await answer(loader, get(path));
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({ error: { code: "not_found", message: "There is no such page." } });
    }
    expect(await database.client.session.count()).toBe(0);
    // The landing page stays the landing page.
    expect(await landingLoader(args(get("/")))).toBeNull();
  });

  it("/dev/admin signs the preview shop in: an encrypted offline session, and the dashboard opened with a session token the library accepts without any network call", async () => {
    const response = await answer(signInLoader, get("/dev/admin"));
    expect(response.status).toBe(302);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const location = new URL(response.headers.get("location")!, APP);
    expect(location.pathname).toBe("/app");
    expect(location.searchParams.get("embedded")).toBe("1");
    expect(location.searchParams.get("shop")).toBe(PREVIEW_SHOP);
    expect(Buffer.from(location.searchParams.get("host")!, "base64").toString()).toBe(
      "admin.shopify.com/store/scanshield-preview",
    );

    // The token is Shopify's shape, signed with the app's secret: the library's own decoder accepts it.
    const token = location.searchParams.get("id_token")!;
    const library = shopifyApi({
      apiKey: process.env.SHOPIFY_API_KEY,
      apiSecretKey: process.env.SHOPIFY_API_SECRET!,
      hostName: "127.0.0.1:3000",
      apiVersion,
      isEmbeddedApp: true,
    });
    const payload = await library.session.decodeSessionToken(token);
    expect(payload).toMatchObject({
      iss: `https://${PREVIEW_SHOP}/admin`,
      dest: `https://${PREVIEW_SHOP}`,
      aud: process.env.SHOPIFY_API_KEY,
    });
    expect(payload.exp - payload.iat).toBe(60);

    const stored = await database.client.session.findUniqueOrThrow({ where: { id: `offline_${PREVIEW_SHOP}` } });
    expect(stored.isOnline).toBe(false);
    expect(stored.accessToken).not.toContain("local-admin");
    expect((await database.client.shop.findUniqueOrThrow({ where: { shop: PREVIEW_SHOP } })).uninstalledAt).toBeNull();

    // The page Shopify's admin would open: authenticated from the stored session, no token exchange.
    const page = await settingsLoader(args(get(`${location.pathname}/settings${location.search}`)));
    expect(page.settings.minimumAge).toBe(18);
    const layout = await adminLayoutLoader(args(get(`${location.pathname}${location.search}`)));
    expect(layout.appBridgeUrl).toBe("/dev/app-bridge.js");
    network.agent().assertNoPendingInterceptors();

    // ?path= opens another admin page; anything that is not one opens the dashboard.
    const settings = await answer(signInLoader, get("/dev/admin?path=/app/settings"));
    expect(new URL(settings.headers.get("location")!, APP).pathname).toBe("/app/settings");
    const elsewhere = await answer(signInLoader, get("/dev/admin?path=https://evil.example/app"));
    expect(new URL(elsewhere.headers.get("location")!, APP).pathname).toBe("/app");
    // Dot segments that would leave the admin once the browser resolves them open the dashboard too.
    for (const path of ["/app/../../evil", "/app/./../auth/login"]) {
      const dotted = await answer(signInLoader, get(`/dev/admin?path=${encodeURIComponent(path)}`));
      expect(dotted.headers.get("location"), path).toMatch(/^\/app\?/);
    }
  });

  it("answers 403 to a loopback peer that addresses it by another name (DNS rebinding) and gives no token", async () => {
    // A page on rebind.evil.example points its name at 127.0.0.1: the peer is loopback, the Host is not.
    for (const host of ["rebind.evil.example:3000", "127.0.0.1.nip.io", "192.168.1.20:3000"]) {
      for (const [loader, path] of [
        [signInLoader, "/dev/admin"],
        [sessionTokenLoader, "/dev/session-token"],
        [appBridgeLoader, "/dev/app-bridge.js"],
      ] as const) {
        const request = new Request(`http://${host}${path}`, {
          headers: { "user-agent": BROWSER, [PEER_ADDRESS_HEADER]: "127.0.0.1" },
        });
        const response = await answer(loader, request);
        expect(response.status, `${host}${path}`).toBe(403);
        expect(await response.text()).not.toContain('token"');
      }
      const reload = `http://${host}/app/requests?embedded=1&shop=${PREVIEW_SHOP}`;
      const bounce = await answer(
        authLoader,
        new Request(
          `http://${host}/auth/session-token?embedded=1&shop=${PREVIEW_SHOP}&shopify-reload=${encodeURIComponent(reload)}`,
          { headers: { "user-agent": BROWSER, [PEER_ADDRESS_HEADER]: "127.0.0.1" } },
        ),
      );
      expect(bounce.headers.get("location")).toBeNull();
    }
    expect(await database.client.session.count()).toBe(0);
    // The loopback names keep working.
    for (const host of ["localhost:3000", "[::1]:3000", "127.0.0.1:3000"]) {
      const request = new Request(`http://${host}/dev/session-token`, {
        headers: { "user-agent": BROWSER, [PEER_ADDRESS_HEADER]: "::1" },
      });
      expect((await answer(sessionTokenLoader, request)).status, host).toBe(200);
    }
  });

  it("fresh session tokens come from /dev/session-token, which the App Bridge stand-in uses", async () => {
    const response = await answer(sessionTokenLoader, get("/dev/session-token"));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { token } = (await response.json()) as { token: string };
    expect(claims(token).dest).toBe(`https://${PREVIEW_SHOP}`);
    const script = await answer(appBridgeLoader, get("/dev/app-bridge.js"));
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    const source = await script.text();
    expect(source).toContain("/dev/session-token");
    expect(source).toContain("window.shopify");
  });

  it.each([
    ["another machine on the network", "192.168.1.20"],
    ["a public address", "203.0.113.9"],
    ["no known peer", ""],
  ])("answers 403 to %s and stores nothing", async (_name, peer) => {
    for (const loader of [signInLoader, sessionTokenLoader]) {
      const response = await answer(loader, get("/dev/admin", peer));
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("local_only");
    }
    expect(await database.client.session.count()).toBe(0);
  });

  it("a reload of an admin page goes through the bounce page and comes back to the same page with a fresh token", async () => {
    const reload = `${APP}/app/requests?embedded=1&shop=${PREVIEW_SHOP}&host=abc`;
    const bounce = `/auth/session-token?embedded=1&shop=${PREVIEW_SHOP}&shopify-reload=${encodeURIComponent(reload)}`;
    const response = await answer(authLoader, get(bounce));
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!, APP);
    expect(location.pathname).toBe("/app/requests");
    expect(claims(location.searchParams.get("id_token")!).dest).toBe(`https://${PREVIEW_SHOP}`);

    // Another shop, or a reload address outside this app: the library's own bounce page, no token.
    for (const other of [
      bounce.replace(`shop=${PREVIEW_SHOP}`, "shop=lotus-skin.myshopify.com"),
      `/auth/session-token?embedded=1&shop=${PREVIEW_SHOP}&shopify-reload=${encodeURIComponent("https://evil.example/app")}`,
    ]) {
      const library = await answer(authLoader, get(other));
      expect(library.headers.get("location")).toBeNull();
      expect(await library.text()).not.toContain("id_token");
    }
  });

  it("the front door and the login page lead to /dev/admin", async () => {
    for (const [loader, path] of [
      [landingLoader, "/"],
      [loginLoader, "/auth/login"],
    ] as const) {
      const response = await answer(loader, get(path));
      expect(response.headers.get("location"), path).toBe("/dev/admin");
    }
  });
});
