import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./support/server";
import { interlacedPngBomb, progressiveJpegBomb } from "./support/decode-bombs.mjs";
import { appProxyUrl, TEST_SECRET } from "./support/shopify";

/**
 * Issue 10, item 1, through the real server (server.mjs over the build, SQLite, built-in engine) on
 * 127.0.0.1: a decode bomb posted as a scan is answered 422 image_too_complex at once, the server
 * neither spends seconds of CPU nor hundreds of MB on it, and a normal photo, baseline or
 * progressive, is still analysed (201).
 */
const CUSTOMER = "7001";

/** Peak and current resident memory of a process, in MB (Linux). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: mb("VmRSS"), peak: mb("VmHWM") };
}

describe("decode bombs through POST /apps/skin-scan/scans", () => {
  let server: RunningServer;
  let dir: string;
  let token: string;
  let selfie: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-bombs-"));
    server = await startServer({
      DATABASE_URL: `file:${join(dir, "bombs.db")}`,
      SHOPIFY_API_SECRET: TEST_SECRET,
      JOBS_IN_PROCESS: "false",
      LOG_LEVEL: "warn",
    });
    const consent = await fetch(url("/consents"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ noticeVersion: 1, locale: "en", ageConfirmed: true, purposes: ["skin_analysis"] }),
    });
    expect(consent.status).toBe(201);
    token = ((await consent.json()) as { scanToken: string }).scanToken;
    // One face: the right third of a face-api demo photo (read from node_modules, never committed).
    const require = createRequire(import.meta.url);
    const group = readFileSync(
      join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo", "sample2.jpg"),
    );
    const meta = await sharp(group).metadata();
    const third = Math.floor((meta.width ?? 0) / 3);
    selfie = await sharp(group)
      .extract({ left: 2 * third, top: 0, width: third, height: meta.height ?? 0 })
      .jpeg({ quality: 92 })
      .toBuffer();
    // Warm the scan path (route modules, the engine's models) so the figures below are the bombs' own.
    expect((await scan(selfie, "image/jpeg")).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function url(path: string): string {
    return appProxyUrl(path, {}, { customerId: CUSTOMER }).replace("https://scanshield.test", server.baseUrl);
  }

  async function scan(body: Buffer, type: string) {
    const started = performance.now();
    const response = await fetch(url("/scans"), {
      method: "POST",
      headers: { "content-type": type, "x-scan-token": token },
      body: new Uint8Array(body),
    });
    const json = (await response.json()) as { status?: string; error?: { code: string; message: string } };
    return { status: response.status, json, ms: performance.now() - started };
  }

  it("a progressive JPEG of thousands of scans and a 40 MP 16-bit interlaced PNG get 422 image_too_complex at once; the server's memory does not move", async () => {
    const bombs: [string, Buffer, string][] = [
      ["scan bomb, 3000 × 3000", progressiveJpegBomb({ width: 3000, height: 3000 }), "image/jpeg"],
      ["scan bomb, 6320 × 6320", progressiveJpegBomb({ width: 6320, height: 6320 }), "image/jpeg"],
      ["16-bit interlaced PNG, 6320 × 6320", await interlacedPngBomb({ width: 6320, height: 6320 }), "image/png"],
    ];
    const before = memory(server.process.pid!);
    for (const [what, bytes, type] of bombs) {
      const answer = await scan(bytes, type);
      console.log(`${what} (${Math.round(bytes.length / 1024)} KB): ${answer.status} in ${answer.ms.toFixed(0)} ms`);
      expect(answer.status, what).toBe(422);
      expect(answer.json.error?.code, what).toBe("image_too_complex");
      expect(answer.json.error?.message).toMatch(/take a new photo/);
      // Decoding the smallest of these takes ~9 s of CPU here, the PNG ~7 s and 280 MB.
      expect(answer.ms, what).toBeLessThan(2_000);
    }
    const after = memory(server.process.pid!);
    console.log(
      `server RSS ${before.rss.toFixed(0)} → ${after.rss.toFixed(0)} MB, peak ${before.peak.toFixed(0)} → ${after.peak.toFixed(0)} MB`,
    );
    expect(after.peak - before.peak).toBeLessThan(100);
    expect(server.output()).not.toMatch(/unexpected error|TypeError/);
  }, 60_000);

  it("a normal photo, baseline or progressive, is still analysed", async () => {
    const progressive = await sharp(selfie).jpeg({ quality: 90, progressive: true }).toBuffer();
    for (const photo of [selfie, progressive]) {
      const answer = await scan(photo, "image/jpeg");
      // Decoded and analysed: whether the quality gate accepts this face is the engine's business.
      expect(answer.status, JSON.stringify(answer.json)).toBe(201);
      expect(["accepted", "refused"]).toContain(answer.json.status);
    }
  }, 60_000);
});
