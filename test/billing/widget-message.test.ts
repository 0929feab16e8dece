import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ScanQuotaReachedError } from "../../app/billing/quota.server";

const EXTENSION = join(import.meta.dirname, "..", "..", "extensions", "skin-scan");

describe("the widget's words when scans pause (P20)", () => {
  it.each(["en.default", "hi"])(
    "P20: %s has a message for the server's scan_quota_reached, and the block hands it to the script",
    (locale) => {
      const code = new ScanQuotaReachedError().code;
      const strings = JSON.parse(readFileSync(join(EXTENSION, "locales", `${locale}.json`), "utf8"));
      const message: unknown = strings.skin_scan.js[code];
      expect(typeof message === "string" && message.length > 20).toBe(true);
      const block = readFileSync(join(EXTENSION, "blocks", "skin-scan.liquid"), "utf8");
      const keys = /assign js_keys = '([^']*)'/.exec(block)?.[1]?.split(",") ?? [];
      expect(keys).toContain(code);
    },
  );
});
