import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { QUALITY_HINTS } from "../../app/analysis/quality";

const LOCALES = join(__dirname, "..", "..", "extensions", "skin-scan", "locales");
const strings = (file: string): Record<string, string> =>
  (JSON.parse(readFileSync(join(LOCALES, file), "utf8")) as { skin_scan: { js: Record<string, string> } }).skin_scan.js;

describe("the widget's refusal hints", () => {
  it("say in English exactly what the engine's quality gates say (app/analysis/quality.ts)", () => {
    const en = strings("en.default.json");
    for (const [reason, hint] of Object.entries(QUALITY_HINTS))
      expect({ reason, hint: en[reason] }).toEqual({ reason, hint });
  });
});
