import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { NetworkForbiddenError, OfflineFetchPathError, createOfflineFetch, offlineFetch } from "./offline-fetch";

const dir = mkdtempSync(join(tmpdir(), "offline-fetch-"));
const modelFile = join(dir, "model.json");
writeFileSync(modelFile, JSON.stringify({ format: "graph-model" }));
writeFileSync(join(dir, "weights.bin"), Buffer.from([1, 2, 3, 4]));
const outside = mkdtempSync(join(tmpdir(), "offline-fetch-outside-"));
writeFileSync(join(outside, "secret.txt"), "not a model");

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

describe("offlineFetch", () => {
  it("serves file:// URLs and absolute paths from disk, like fetch", async () => {
    const byUrl = await offlineFetch(pathToFileURL(modelFile).href);
    expect(byUrl.ok).toBe(true);
    expect(byUrl.headers.get("content-type")).toBe("application/json");
    expect(await byUrl.json()).toEqual({ format: "graph-model" });

    const byPath = await offlineFetch(join(dir, "weights.bin"));
    expect(byPath.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await byPath.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]));

    const byObject = await offlineFetch(pathToFileURL(modelFile));
    expect(byObject.status).toBe(200);
    const head = await offlineFetch(modelFile, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length")]).toEqual([
      200,
      String(Buffer.byteLength(JSON.stringify({ format: "graph-model" }))),
    ]);
  });

  it("answers 404 for a missing file and 405 for anything but GET or HEAD", async () => {
    expect((await offlineFetch(pathToFileURL(join(dir, "missing.json")))).status).toBe(404);
    expect((await offlineFetch(modelFile, { method: "POST", body: "x" })).status).toBe(405);
  });

  it.each([
    "https://tfhub.dev/models/blazeface.json",
    "http://127.0.0.1:9/model.json",
    "HTTPS://EXAMPLE.COM/x",
    "ftp://example.com/model.json",
    "ws://example.com/socket",
    "blob:https://example.com/0b5c",
    "//example.com/model.json",
    "\\\\fileserver\\share\\model.json",
    "models/blazeface.json",
    "./model.json",
    "",
  ])("refuses %j loudly with NetworkForbiddenError", async (target) => {
    const error = await refusal(offlineFetch(target));
    expect(error).toBeInstanceOf(NetworkForbiddenError);
    expect((error as NetworkForbiddenError).code).toBe("NETWORK_FORBIDDEN");
    expect((error as Error).message).toMatch(/Network access is forbidden/);
  });

  it("refuses Request objects and data: URLs without echoing their contents", async () => {
    const request = await refusal(offlineFetch(new Request("https://example.com/model.json")));
    expect(request).toBeInstanceOf(NetworkForbiddenError);
    const data = await refusal(offlineFetch("data:application/json;base64,eyJzZWNyZXQiOiJ4In0="));
    expect(data).toBeInstanceOf(NetworkForbiddenError);
    expect((data as Error).message).toContain("a data: URL");
    expect((data as Error).message).not.toContain("eyJz");
  });

  it("keeps a restricted instance inside its roots, traversal included", async () => {
    const scoped = createOfflineFetch({ roots: [dir] });
    expect((await scoped(modelFile)).status).toBe(200);
    for (const target of [
      join(outside, "secret.txt"),
      pathToFileURL(join(outside, "secret.txt")).href,
      `${dir}/../${outside.split("/").pop()}/secret.txt`,
      `${dir}-evil/model.json`,
    ]) {
      const error = await refusal(scoped(target));
      expect(error, target).toBeInstanceOf(OfflineFetchPathError);
      expect((error as OfflineFetchPathError).code).toBe("OFFLINE_FETCH_PATH");
    }
    expect(await refusal(scoped("https://example.com/model.json"))).toBeInstanceOf(NetworkForbiddenError);
  });

  it("never calls the real fetch", async () => {
    const real = globalThis.fetch;
    let called = 0;
    globalThis.fetch = (() => {
      called++;
      throw new Error("real fetch used");
    }) as typeof fetch;
    try {
      await offlineFetch(modelFile);
      await refusal(offlineFetch("https://example.com/"));
    } finally {
      globalThis.fetch = real;
    }
    expect(called).toBe(0);
  });
});
