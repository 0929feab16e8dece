import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalysisInput, AnalysisProvider } from "./engine";
import { normaliseImage } from "./image.server";
import { createLocalEngine } from "./local-engine.server";

// The face-api demo photos (read from node_modules, never copied into the repository).
const require = createRequire(import.meta.url);
const DEMO = join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo");
const photo = (name: string) => readFileSync(join(DEMO, name));

async function input(bytes: Buffer): Promise<AnalysisInput> {
  const n = await normaliseImage(bytes);
  return { rgb: { data: n.raw, width: n.width, height: n.height }, jpeg: n.jpeg };
}

describe("the local engine end to end (real photos, real detector)", () => {
  let engine: AnalysisProvider;
  let oneFace: Buffer;
  beforeAll(async () => {
    engine = await createLocalEngine({ size: 1 });
    // One person: the left third of a group photo, enlarged, as a shopper's selfie would frame it.
    const group = photo(
      readdirSync(DEMO)
        .filter((n) => /^sample\d+\.jpg$/.test(n))
        .sort()[0]!,
    );
    const meta = await sharp(group).metadata();
    const found = await engine.analyse(await input(group));
    expect(found.quality.reasons).toContain("multiple_faces");
    oneFace = await sharp(group)
      .extract({ left: 0, top: 0, width: Math.floor((meta.width ?? 0) / 3), height: meta.height ?? 0 })
      .jpeg()
      .toBuffer();
  }, 60_000);
  afterAll(() => engine.close());

  it("refuses a group photo: only one face, please", async () => {
    const group = photo("sample2.jpg");
    const outcome = await engine.analyse(await input(group));
    expect(outcome).toMatchObject({ status: "refused", quality: { ok: false, reasons: ["multiple_faces"] } });
    expect(outcome.quality.hints[0]).toMatch(/one face/i);
  });

  it("refuses a photo with no face, with a hint", async () => {
    const blank = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#c8a080" } })
      .jpeg()
      .toBuffer();
    expect(await engine.analyse(await input(blank))).toMatchObject({
      status: "refused",
      quality: { reasons: ["no_face"] },
    });
  });

  it("measures one face, or says exactly what to fix; the same photo always gives the same numbers", async () => {
    const a = await engine.analyse(await input(oneFace));
    const b = await engine.analyse(await input(oneFace));
    expect(a.engine).toEqual({ name: "scanshield-local", version: expect.stringMatching(/^1\.0\.0\+/) });
    expect(a.status).toBe(b.status);
    if (a.status === "accepted" && b.status === "accepted") {
      expect(a.measurement.indices).toEqual(b.measurement.indices);
      expect(a.measurement.indices.skinTone.fitzpatrick).toMatchObject({ isEstimate: true });
      expect(a.measurement.notes.join(" ")).toMatch(/not a diagnosis/);
      expect(a.measurement.notes.join(" ")).toMatch(/Lighting affects/);
    } else {
      expect(a.quality.reasons.length).toBeGreaterThan(0);
      expect(a.quality).toEqual(b.quality);
    }
    // Each call is its own analysis: nothing links two scans of the same photo.
    expect(a.analysisId).not.toBe(b.analysisId);
  });

  it("says too dark when the same face is photographed in a dim room", async () => {
    const dim = await sharp(oneFace).linear(0.12, 0).jpeg().toBuffer();
    const outcome = await engine.analyse(await input(dim));
    expect(outcome.status).toBe("refused");
    expect(outcome.quality.reasons.some((r) => r === "too_dark" || r === "no_face")).toBe(true);
  });
});
