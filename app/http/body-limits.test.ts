import { describe, expect, it } from "vitest";
import { MAX_IMAGE_BYTES } from "../analysis/image.server";
import { WEBHOOK_BODY_LIMIT } from "../webhooks/receive.server";
import { BODY_LIMITS, bodyLimitFor } from "./body-limits";

describe("the body limit of each route", () => {
  it.each([
    ["POST", "/webhooks/customers/redact", BODY_LIMITS.webhook, "payload_too_large"],
    ["POST", "/webhooks/products/update", BODY_LIMITS.webhook, "payload_too_large"],
    ["POST", "/proxy/scans", BODY_LIMITS.photo, "image_too_large"],
    ["POST", "/proxy/consents", BODY_LIMITS.proxyJson, "payload_too_large"],
    ["POST", "/proxy/events", BODY_LIMITS.proxyEvent, "payload_too_large"],
    ["DELETE", "/proxy/scans", BODY_LIMITS.proxyJson, "payload_too_large"],
    ["DELETE", "/proxy/my-data", BODY_LIMITS.proxyJson, "payload_too_large"],
    ["POST", "/auth/login", BODY_LIMITS.login, "payload_too_large"],
    ["POST", "/app/notice", BODY_LIMITS.admin, "payload_too_large"],
    ["POST", "/app", BODY_LIMITS.admin, "payload_too_large"],
    ["POST", "/", BODY_LIMITS.other, "payload_too_large"],
    ["POST", "/application", BODY_LIMITS.other, "payload_too_large"],
  ])("%s %s: %i bytes (%s)", (method, path, limit, code) => {
    expect(bodyLimitFor(method, path)).toMatchObject({ limit, code });
  });

  it("is matched as Remix matches routes, so another spelling of a path gets no larger limit", () => {
    expect(bodyLimitFor("post", "/PROXY/%73cans/").limit).toBe(BODY_LIMITS.photo);
    expect(bodyLimitFor("POST", "/Auth/Login/").limit).toBe(BODY_LIMITS.login);
    expect(bodyLimitFor("POST", "/%").limit).toBe(BODY_LIMITS.other);
  });

  it("agrees with the routes' own readers", () => {
    expect(BODY_LIMITS.photo).toBe(MAX_IMAGE_BYTES);
    expect(BODY_LIMITS.webhook).toBe(WEBHOOK_BODY_LIMIT);
  });
});
