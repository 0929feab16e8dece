import { describe, expect, it } from "vitest";
import {
  consentsPerNetworkPerHour,
  DEFAULT_LIMITS,
  rateLimitMessage,
  RateLimitedError,
  retryAfterSeconds,
} from "./limits";

describe("rate limit rules", () => {
  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1000, 1],
    [1001, 2],
    [59_500, 60],
    [3_599_001, 3600],
  ])("P15: %i ms before the window ends is Retry-After %i (whole seconds, never 0)", (ms, seconds) => {
    expect(retryAfterSeconds(ms)).toBe(seconds);
  });

  it.each([
    ["shop", "scan", 42, "This store is receiving too many scans right now; please try again in 42 seconds."],
    ["subject", "scan", 1, "You have reached the limit of scans for now; please try again in 1 second."],
    ["network", "consent", 1800, "Too many consents have come from your network; please try again in 30 minutes."],
    ["network", "request", 95, "Too many requests have come from your network; please try again in 2 minutes."],
    [
      "network",
      "proof",
      3600,
      "Too many requests about shopper data have come from your network; please try again in 60 minutes.",
    ],
  ] as const)("P15: a %s limit on %ss says which limit and when to retry", (scope, action, seconds, message) => {
    expect(rateLimitMessage(scope, action, seconds)).toBe(message);
  });

  it("P15: the error carries the scope and whole seconds to wait", () => {
    const error = new RateLimitedError("subject", "scan", 12_345);
    expect(error).toMatchObject({ scope: "subject", action: "scan", retryAfterSeconds: 13 });
    expect(error.message).toContain("13 seconds");
  });

  it("P15: a shop without settings gets the Shop model's defaults; consents allow twice the network's scans", () => {
    expect(DEFAULT_LIMITS).toEqual({
      scansPerShopPerMinute: 120,
      scansPerSubjectPerHour: 10,
      scansPerNetworkPerHour: 30,
    });
    expect(consentsPerNetworkPerHour(DEFAULT_LIMITS)).toBe(60);
  });
});
