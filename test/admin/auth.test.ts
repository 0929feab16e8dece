import { describe, expect, it } from "vitest";
import { loader as settingsLoader } from "../../app/routes/app.settings";
import { loader as inboxLoader } from "../../app/routes/app.requests._index";
import { action as settingsAction } from "../../app/routes/app.settings";
import { adminRequest, call, callForResponse, expiredToken } from "../support/admin";
import { useFakeShopify } from "../support/fake-shopify";
import { useDatabase } from "../support/lifecycle";
import { SHOP, storeOfflineSession } from "../support/shopify";

describe("embedded admin authentication", () => {
  const database = useDatabase("sqlite", { app: true });
  const shopify = useFakeShopify();

  it("a page load with a real session token and a stored offline session is served without any network call", async () => {
    await storeOfflineSession(database.client, SHOP);
    const data = await call(settingsLoader, await adminRequest("/app/settings"));
    expect(data.settings.minimumAge).toBe(18);
    // The fake Shopify refuses every connection: a token exchange would have thrown.
    shopify.agent().assertNoPendingInterceptors();
  });

  it("a form post with a Bearer session token is authenticated the same way", async () => {
    await storeOfflineSession(database.client, SHOP);
    const response = await call(settingsAction, await adminRequest("/app/settings", { form: { minimumAge: "x" } }));
    expect(response.status).toBe(400);
  });

  it("a forged session token (wrong secret) gets the library's answer and reads nothing", async () => {
    await storeOfflineSession(database.client, SHOP);
    const result = await callForResponse(
      settingsLoader,
      await adminRequest("/app/settings", { secret: "not-the-secret" }),
    );
    expect(result).toBeInstanceOf(Response);
    const response = result as Response;
    // A page load goes to the session-token bounce page, where App Bridge fetches a fresh token.
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/auth\/session-token\?/);
    expect(response.headers.get("location")).not.toContain("id_token");
    const post = await callForResponse(
      settingsAction,
      await adminRequest("/app/settings", { form: { minimumAge: "30" }, secret: "not-the-secret" }),
    );
    expect((post as Response).status).toBe(401);
    expect((post as Response).headers.get("x-shopify-retry-invalid-session-request")).toBe("1");
    expect(await database.client.auditEvent.count()).toBe(0);
  });

  it("an expired session token gets the library's answer", async () => {
    await storeOfflineSession(database.client, SHOP);
    const token = await expiredToken();
    const page = await callForResponse(inboxLoader, await adminRequest("/app/requests", { token }));
    expect((page as Response).status).toBe(302);
    expect((page as Response).headers.get("location")).toMatch(/^\/auth\/session-token\?/);
    const post = await callForResponse(settingsAction, await adminRequest("/app/settings", { form: {}, token }));
    expect((post as Response).status).toBe(401);
  });
});
