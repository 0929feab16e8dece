import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "../app/env.server";
import { runtime } from "../app/runtime.server";

afterEach(async () => {
  const provider = globalThis.__scanshieldProvider;
  globalThis.__scanshieldProvider = undefined;
  delete process.env.ANALYSIS_API_URL;
  delete process.env.ANALYSIS_API_KEY;
  resetEnvForTests();
  await (await provider)?.close?.();
});

describe("the built-in engine at server start (issue 11, item 6)", () => {
  it("loads its models before the first shopper's scan, so that scan finds the engine ready", async () => {
    delete process.env.ANALYSIS_API_URL;
    resetEnvForTests();
    expect(globalThis.__scanshieldProvider).toBeUndefined();
    await runtime.preloadAnalysis();
    const provider = await globalThis.__scanshieldProvider;
    expect(provider?.engine.name).toBe("scanshield-local");
  });

  it("loads nothing when an analysis API is configured", async () => {
    process.env.ANALYSIS_API_URL = "https://analysis.example.test";
    process.env.ANALYSIS_API_KEY = "test-analysis-key";
    resetEnvForTests();
    await runtime.preloadAnalysis();
    expect(globalThis.__scanshieldProvider).toBeUndefined();
  });
});
