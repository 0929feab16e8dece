// docs/promises.md is the in-repo list of the product's promises and the tests that prove them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { promiseTitles, provedBy, render } from "../scripts/promises-doc.mjs";

describe("docs/promises.md", () => {
  it("lists, for each of P1–P21, exactly the tests that name it (run node scripts/promises-doc.mjs when this fails)", () => {
    const doc = readFileSync("docs/promises.md", "utf8");
    expect(render(doc, provedBy())).toBe(doc);
  });

  it("has at least one test for every promise", () => {
    const untested = [...(provedBy() as Map<number, string[]>)].filter(([, tests]) => tests.length === 0);
    expect(untested.map(([id]) => `P${id}`)).toEqual([]);
  });

  it("reads promise ids from test titles, including shared ones and .each forms, and nothing else", () => {
    const source = [
      'it("P4/P14: a redirect never carries the key", () => {});',
      "describe.each(KINDS)(`P12: a row never outlives shop/redact, on %s`, () => {});",
      'it("keeps the receipt", () => { const p = "P9: not a title"; });',
    ].join("\n");
    expect(promiseTitles(source).map((t: { ids: number[] }) => t.ids)).toEqual([[4, 14], [12]]);
  });
});
