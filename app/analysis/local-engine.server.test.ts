import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnalysisInput, AnalysisProvider } from "./engine";
import { normaliseImage } from "./image.server";
import { createLocalEngine, LOCAL_ENGINE } from "./local-engine.server";

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
    expect(a.engine).toEqual({ name: "scanshield-local", version: LOCAL_ENGINE.version });
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

  it("asks the shopper to move closer when the face is small in the frame", async () => {
    const small = await sharp(oneFace).resize({ height: 160 }).toBuffer();
    const canvas = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: "#9aa0a6" } })
      .composite([{ input: small, left: 440, top: 420 }])
      .jpeg()
      .toBuffer();
    const outcome = await engine.analyse(await input(canvas));
    expect(outcome.status).toBe("refused");
    expect(outcome.quality.reasons.some((r) => r === "move_closer" || r === "no_face")).toBe(true);
  });

  it("says too dark when the same face is photographed in a dim room", async () => {
    const dim = await sharp(oneFace).linear(0.12, 0).jpeg().toBuffer();
    const outcome = await engine.analyse(await input(dim));
    expect(outcome.status).toBe("refused");
    expect(outcome.quality.reasons.some((r) => r === "too_dark" || r === "no_face")).toBe(true);
  });
});

describe("white balance from a grey card in the photo (real photo, real detector)", () => {
  let engine: AnalysisProvider;
  beforeAll(async () => {
    engine = await createLocalEngine({ size: 1 });
  }, 60_000);
  afterAll(() => engine.close());

  /** The one-face crop, optionally with an 18 % grey card beside the face. */
  async function warmPhoto(card: boolean): Promise<Buffer> {
    const group = photo("sample2.jpg");
    const meta = await sharp(group).metadata();
    const third = Math.floor((meta.width ?? 0) / 3);
    const crop = await sharp(group)
      .extract({ left: 2 * third, top: 0, width: third, height: meta.height ?? 0 })
      .toBuffer();
    // sRGB 118 is 18 % reflectance grey; placed low and left, away from the face.
    const withCard = card
      ? await sharp(crop)
          .composite([
            {
              input: { create: { width: 140, height: 140, channels: 3, background: { r: 118, g: 118, b: 118 } } },
              left: 10,
              top: 860,
            },
          ])
          .toBuffer()
      : crop;
    return sharp(withCard).jpeg({ quality: 95 }).toBuffer();
  }

  it("P18: a card in the photo that the caller does not name is not used: no correction, the light unknown", async () => {
    const plain = await engine.analyse(await input(await warmPhoto(false)));
    const withCard = await engine.analyse(await input(await warmPhoto(true)));
    if (plain.status !== "accepted" || withCard.status !== "accepted") {
      throw new Error(`expected both accepted: ${JSON.stringify([plain.quality.reasons, withCard.quality.reasons])}`);
    }
    // A neutral-looking patch may be a tinted wall; the engine does not guess (docs: "White balance").
    expect(withCard.measurement.whiteBalance).toBe("none");
    expect(withCard.measurement.indices.skinTone).toMatchObject({ lightPinned: false, light: { source: "none" } });
    expect(withCard.measurement.indices.skinTone.itaRange).toEqual(plain.measurement.indices.skinTone.itaRange);
  });

  it("P18: a grey card given with its reflectance pins the light: the tone's range narrows and says so", async () => {
    const bytes = await warmPhoto(true);
    const photo = await input(bytes);
    // The card (placed by warmPhoto) in the normalised (≤ 1024 px) photo, 10 px inside its edges.
    const scale = (photo.rgb?.width ?? 0) / ((await sharp(bytes).metadata()).width ?? 1);
    const reference = { x: 20 * scale, y: 870 * scale, width: 120 * scale, height: 120 * scale, reflectance: 0.18 };
    const unknown = await engine.analyse(await input(await warmPhoto(false)));
    const pinned = await engine.analyse({ ...photo, reference });
    if (unknown.status !== "accepted" || pinned.status !== "accepted") throw new Error("expected both accepted");
    const width = (t: typeof unknown.measurement.indices.skinTone) => (t.itaRange?.[1] ?? 0) - (t.itaRange?.[0] ?? 0);
    const [without, withCard] = [unknown.measurement.indices.skinTone, pinned.measurement.indices.skinTone];
    expect(without).toMatchObject({ lightPinned: false, light: { source: "none" } });
    expect(without.confidence).toBeLessThanOrEqual(0.4);
    expect(withCard).toMatchObject({ lightPinned: true, light: { source: "card" } });
    expect(width(withCard)).toBeLessThan(width(without) / 3);
    expect(withCard.groups).toContain(withCard.group);
  });
});
