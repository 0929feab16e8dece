import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../app/env.server";
import { createAnalysisProvider } from "../app/analysis/provider.server";

const ROOT = join(import.meta.dirname, "..");

describe("npm run analysis-api (the bundled standalone service)", () => {
  it("starts on 127.0.0.1 with the key from ANALYSIS_API_KEY and answers with bearer auth", async () => {
    expect(existsSync(join(ROOT, "build/analysis/api.mjs")), "run npm run build first").toBe(true);
    const child = spawn(process.execPath, ["build/analysis/api.mjs"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ANALYSIS_API_KEY: "cmd-test-key", ANALYSIS_API_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no start:\n${out}`)), 60_000);
        const onData = (d: Buffer) => {
          out += String(d);
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
      });
      const unauthorised = await fetch(`${base}/v1/analyses`, { method: "POST", body: "x" });
      expect(unauthorised.status).toBe(401);
      const deleted = await fetch(`${base}/v1/analyses/5b1c1c1e-0000-4000-8000-000000000001`, {
        method: "DELETE",
        headers: { authorization: "Bearer cmd-test-key" },
      });
      expect(deleted.status).toBe(204);
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("refuses to start without a key, saying which variable to set", async () => {
    const child = spawn(process.execPath, ["build/analysis/api.mjs"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", ANALYSIS_API_KEY: "", ANALYSIS_API_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(err).toContain("ANALYSIS_API_KEY is required");
  });

  it("the app picks the remote provider when ANALYSIS_API_URL is set", async () => {
    const provider = await createAnalysisProvider(
      parseEnv({ ANALYSIS_API_URL: "http://127.0.0.1:9/eu", ANALYSIS_API_KEY: "k" }),
    );
    expect(provider.engine).toEqual({ name: "remote", version: "127.0.0.1:9" });
    await provider.close();
  });
});
