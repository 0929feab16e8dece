import sharp from "sharp";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../app/analysis/circuit-breaker";
import type { AnalysisInput } from "../app/analysis/engine";
import { createRemoteProvider, RemoteAnalysisError } from "../app/analysis/remote-provider.server";
import { acceptedAnswer, fakeVendor, type FakeVendor } from "./support/fake-vendor";

/**
 * P18 through a remote analysis API: the tone's range fields (issue 11) are optional, so a vendor that
 * does not send them still works, but when it sends them they reach the shopper's screen, so an answer
 * with a range that makes no sense (a confidence of 3, a group that does not exist) is refused like any
 * other malformed answer rather than shown.
 */
let input: AnalysisInput;
beforeAll(async () => {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#c99a7a" } })
    .jpeg()
    .toBuffer();
  input = { jpeg: new Uint8Array(jpeg) };
});

const tone = {
  itaDegrees: 31,
  group: "intermediate",
  itaRange: [12.5, 47],
  groups: ["light", "intermediate", "tan"],
  confidence: 0.3,
  lightPinned: false,
  summary: "somewhere from light to tan (confidence: low)",
};

function answerWith(skinTone: unknown) {
  const answer = acceptedAnswer();
  return JSON.stringify({ ...answer, measurement: { ...answer.measurement, indices: { skinTone } } });
}

describe("P18: a remote analysis API's tone range", () => {
  let vendor: FakeVendor;
  let base: string;
  beforeEach(async () => {
    vendor = fakeVendor();
    base = await vendor.start();
  });
  afterEach(() => vendor.stop());

  const provider = () => createRemoteProvider({ url: base, apiKey: "k", breaker: new CircuitBreaker() });
  const reply = (body: string) => vendor.reply({ status: 200, headers: { "content-type": "application/json" }, body });

  it("passes a well-formed range on as the vendor sent it, and an answer without one as before", async () => {
    reply(answerWith(tone));
    const withRange = await provider().analyse(input);
    expect(withRange.status === "accepted" && withRange.measurement.indices.skinTone).toEqual(tone);

    reply(answerWith({ itaDegrees: 31, group: "intermediate" }));
    const without = await provider().analyse(input);
    expect(without.status).toBe("accepted");
  });

  it.each([
    ["a confidence above 1", { ...tone, confidence: 3 }],
    ["a group that does not exist", { ...tone, groups: ["light", "purple"] }],
    ["a range that is not two angles", { ...tone, itaRange: [12.5] }],
    ["an angle past 90°", { ...tone, itaRange: [12.5, 400] }],
    ["lightPinned as text", { ...tone, lightPinned: "yes" }],
  ])("refuses an answer with %s (the shopper would be shown it)", async (_, skinTone) => {
    reply(answerWith(skinTone));
    const error = await provider()
      .analyse(input)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(RemoteAnalysisError);
    expect((error as RemoteAnalysisError).message).toMatch(/unexpected shape/);
  });
});
