import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalysisProvider } from "./engine";
import { normaliseImage } from "./image.server";
import { createLocalEngine } from "./local-engine.server";
import { createRemoteProvider, RemoteAnalysisError } from "./remote-provider.server";
import { startAnalysisService } from "./service.server";

const require = createRequire(import.meta.url);
const DEMO = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
const KEY = "test-analysis-key-0123456789";

describe("the analysis API served by the local engine, on 127.0.0.1", () => {
  let engine: AnalysisProvider;
  let server: Server;
  let base = "";
  let face: Buffer;

  beforeAll(async () => {
    engine = await createLocalEngine({ size: 1 });
    server = await startAnalysisService({ provider: engine, apiKey: KEY, port: 0 });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The right third of a demo photo holds one frontal face that passes the quality gates.
    const group = readFileSync(join(DEMO, "sample2.jpg"));
    const meta = await sharp(group).metadata();
    const third = Math.floor((meta.width ?? 0) / 3);
    face = await sharp(group)
      .extract({ left: 2 * third, top: 0, width: third, height: meta.height ?? 0 })
      .jpeg()
      .toBuffer();
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await engine.close();
  });

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/analyses`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${KEY}`, "content-type": "image/jpeg", ...headers },
    });

  it("answers POST /v1/analyses with the same JSON as the in-process engine", async () => {
    const response = await post(new Uint8Array(face), { "x-request-id": "5b1c1c1e-0000-4000-8000-000000000001" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("5b1c1c1e-0000-4000-8000-000000000001");
    const body = await response.json();
    const n = await normaliseImage(face);
    const direct = await engine.analyse({ rgb: { data: n.raw, width: n.width, height: n.height }, jpeg: n.jpeg });
    const { analysisId: _id, ...same } = direct;
    expect(body).toMatchObject({ ...JSON.parse(JSON.stringify(same)), id: expect.any(String) });
    expect(body.status).toBe("accepted");
  });

  it("lets the app use it exactly as it would a vendor (remote provider)", async () => {
    const remote = createRemoteProvider({ url: base, apiKey: KEY });
    const n = await normaliseImage(face);
    const outcome = await remote.analyse({ rgb: { data: n.raw, width: n.width, height: n.height }, jpeg: n.jpeg });
    // What went over the wire was the app's re-encoded JPEG; the service answered for exactly those bytes.
    const direct = await (await post(new Uint8Array(n.jpeg))).json();
    expect(outcome).toMatchObject({
      status: direct.status,
      engine: { name: "scanshield-local" },
      quality: direct.quality,
    });
    await expect(remote.deleteAnalysis(outcome.analysisId)).resolves.toBeUndefined();
    const wrongKey = createRemoteProvider({ url: base, apiKey: "wrong" });
    await expect(
      wrongKey.analyse({ rgb: { data: n.raw, width: n.width, height: n.height }, jpeg: n.jpeg }),
    ).rejects.toMatchObject({
      name: "RemoteAnalysisError",
      retryable: false,
    });
    const down = createRemoteProvider({ url: "http://127.0.0.1:9", apiKey: KEY });
    await expect(
      down.analyse({ rgb: { data: n.raw, width: n.width, height: n.height }, jpeg: n.jpeg }),
    ).rejects.toBeInstanceOf(RemoteAnalysisError);
  });

  it.each([
    [
      "no key",
      () => fetch(`${base}/v1/analyses`, { method: "POST", body: "x", headers: { "content-type": "image/jpeg" } }),
      401,
      "unauthorized",
    ],
    ["a wrong key", () => post("x", { authorization: "Bearer nope" }), 401, "unauthorized"],
    ["text instead of an image", () => post("hello", { "content-type": "text/plain" }), 415, "unsupported_media_type"],
    ["a file that only claims to be a JPEG", () => post("GIF89a....", {}), 415, "unsupported_image_type"],
    ["a truncated JPEG", () => post(new Uint8Array(face.subarray(0, 2000))), 422, "image_unreadable"],
    ["more than 5 MB", () => post(new Uint8Array(5 * 1024 * 1024 + 1)), 413, "image_too_large"],
    [
      "a bad reference rectangle",
      () =>
        fetch(`${base}/v1/analyses?reference=1,2`, {
          method: "POST",
          body: new Uint8Array(face),
          headers: { authorization: `Bearer ${KEY}`, "content-type": "image/jpeg" },
        }),
      400,
      "invalid_query",
    ],
    [
      "GET on the collection",
      () => fetch(`${base}/v1/analyses`, { headers: { authorization: `Bearer ${KEY}` } }),
      405,
      "method_not_allowed",
    ],
    ["an unknown path", () => fetch(`${base}/v2/things`), 404, "not_found"],
    [
      "DELETE with a malformed id",
      () => fetch(`${base}/v1/analyses/..%2F..`, { method: "DELETE", headers: { authorization: `Bearer ${KEY}` } }),
      400,
      "invalid_id",
    ],
  ] as const)("rejects %s", async (_name, make, status, code) => {
    const response = await make();
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code } });
  });

  it("DELETE /v1/analyses/{id} answers 204: the local engine keeps nothing", async () => {
    const response = await fetch(`${base}/v1/analyses/5b1c1c1e-0000-4000-8000-000000000001`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(response.status).toBe(204);
  });
});

describe("the analysis API under a burst", () => {
  it("answers 503 with Retry-After once its queue is full, instead of growing memory without bound", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow: AnalysisProvider = {
      engine: { name: "slow", version: "0" },
      analyse: async () => {
        await gate;
        throw new Error("not reached in this test");
      },
      deleteAnalysis: async () => undefined,
      close: async () => undefined,
    };
    const { createServer } = await import("node:http");
    const { analysisRequestHandler } = await import("./service.server");
    const handler = analysisRequestHandler(slow, KEY, { concurrency: 1, queueLimit: 0 });
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/analyses`;
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#888" } })
      .jpeg()
      .toBuffer();
    const send = () =>
      fetch(url, {
        method: "POST",
        body: new Uint8Array(jpeg),
        headers: { authorization: `Bearer ${KEY}`, "content-type": "image/jpeg" },
      });
    const first = send();
    await new Promise((r) => setTimeout(r, 200));
    const second = await send();
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("2");
    expect(await second.json()).toMatchObject({ error: { code: "busy" } });
    release();
    expect((await first).status).toBe(500);
    await new Promise((r) => server.close(r));
  });
});
