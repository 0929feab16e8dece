import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPreview } from "../../scripts/preview/server.mjs";
import { launchChromium } from "../support/chromium";
import { checkStep, eventually, focused, selfie, text } from "./harness";

/**
 * The camera guide (extensions/skin-scan/assets/skin-scan-camera.js, issue 12 item 1): Chromium's fake
 * camera plays clips made from a face photo (well lit, too dark, too bright, lit from one side, the face
 * small in a corner, no face) and the guide must say so, on the device, before any photo is taken. The
 * asset is served by the local storefront preview and opened through its contract,
 * `ScanShieldCamera.open(container, { locale, reducedMotion })`, on the preview's store page.
 */
const W = 480;
const H = 640;

type Frame = (rgb: Buffer) => Buffer;

/** A Y4M clip (a few identical frames) of the selfie on grey, after `edit` changes its RGB pixels. */
type Layout = "framed" | "corner" | "small" | "near" | "none";

/** The selfie on grey, placed as `layout` says: in the oval, small in a corner or the middle, too near, or absent. */
async function clip(dir: string, name: string, edit: Frame, layout: Layout = "framed") {
  const grey = { r: 128, g: 128, b: 128 };
  const photo = await sharp(await selfie())
    .resize(W, H, { fit: "contain", background: grey })
    .png()
    .toBuffer();
  const canvas = () => sharp({ create: { width: W, height: H, channels: 3, background: grey } });
  const small = (w: number, h: number) => sharp(photo).resize(w, h).toBuffer();
  /** The photo enlarged `z` times around its face (at about 215, 230 in the contained frame). */
  const zoom = (z: number, cx: number, cy: number) => {
    const [w, h] = [Math.round(W / z), Math.round(H / z)];
    return sharp(photo)
      .extract({ left: Math.round(cx - w / 2), top: Math.round(cy - h / 2), width: w, height: h })
      .resize(W, H);
  };
  const placed =
    layout === "none"
      ? canvas()
      : layout === "corner"
        ? canvas().composite([{ input: await small(140, 187), left: 10, top: 10 }])
        : layout === "small"
          ? canvas().composite([{ input: await small(170, 227), left: (W - 170) / 2, top: 190 }])
          : layout === "near"
            ? zoom(4, 215, 210)
            : zoom(1.7, 215, 250);
  const image = sharp(await placed.png().toBuffer());
  const rgb = edit(await image.removeAlpha().raw().toBuffer());
  const y = Buffer.alloc(W * H);
  const u = Buffer.alloc((W / 2) * (H / 2));
  const v = Buffer.alloc((W / 2) * (H / 2));
  for (let row = 0; row < H; row++) {
    for (let col = 0; col < W; col++) {
      const i = (row * W + col) * 3;
      const [r, g, b] = [rgb[i] ?? 0, rgb[i + 1] ?? 0, rgb[i + 2] ?? 0];
      y[row * W + col] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (row % 2 === 0 && col % 2 === 0) {
        const j = (row / 2) * (W / 2) + col / 2;
        u[j] = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        v[j] = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, u, v]);
  const file = join(dir, `${name}.y4m`);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
  return file;
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
const scale =
  (k: number): Frame =>
  (rgb) =>
    Buffer.from(rgb.map((v) => clamp(v * k)));
/** Light from one side: the left half of the frame at a quarter of its brightness. */
const sideLit: Frame = (rgb) => Buffer.from(rgb.map((v, i) => (Math.floor(i / 3) % W < W / 2 ? clamp(v * 0.25) : v)));

interface Photo {
  type: string;
  size: number;
  width: number;
  height: number;
}

interface Opened {
  page: Page;
  requests: string[];
}

describe("camera guide: live, on-device hints about light and position (Chromium, fake camera)", () => {
  let dir: string;
  let preview: Server;
  let storeUrl: string;
  const browsers: Browser[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scanshield-camera-"));
    // The preview serves the block's assets; the app is not needed: nothing is sent before the shutter.
    const started = await startPreview({
      host: "127.0.0.1",
      port: 0,
      appUrl: "http://127.0.0.1:9",
      secret: "unused",
      shop: "camera.myshopify.com",
    });
    preview = started.server;
    storeUrl = started.url;
  }, 60_000);
  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await new Promise((resolve) => preview?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store page in a browser whose camera plays `video`, with the guide opened in a container. */
  async function openGuide(
    video: string,
    options: {
      locale?: string;
      viewport?: { width: number; height: number };
      reducedMotion?: boolean;
      initScript?: () => void;
    } = {},
  ): Promise<Opened> {
    // An empty `video` is Chromium's own fake camera: a moving test pattern at the size asked for (1280×720).
    const browser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      ...(video ? [`--use-file-for-fake-video-capture=${video}`] : []),
    ]);
    browsers.push(browser);
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 390, height: 844 },
      reducedMotion: options.reducedMotion ? "reduce" : "no-preference",
    });
    await context.grantPermissions(["camera"]);
    const page = await context.newPage();
    if (options.initScript) await page.addInitScript(options.initScript);
    const requests: string[] = [];
    await page.goto(`${storeUrl}/?block=0${options.locale ? `&locale=${options.locale}` : ""}`);
    // The block's stylesheet (as on a page with the block) and the lazy camera asset, as skin-scan.js loads it.
    await page.addStyleTag({ url: "/assets/skin-scan.css" });
    await page.addScriptTag({ url: "/assets/skin-scan-camera.js" });
    page.on("request", (r) => requests.push(r.url()));
    await page.evaluate(
      ({ locale, reducedMotion }) => {
        const box = document.createElement("section");
        box.className = "ss";
        box.setAttribute("aria-label", "Camera");
        box.innerHTML = '<button type="button" class="ss-btn" id="opener">Use my camera</button>';
        document.querySelector("main")?.append(box);
        const w = window as unknown as {
          ScanShieldCamera: { open: (c: Element, o: object) => Promise<Blob | null> };
          photo?: Promise<Photo | null>;
        };
        w.photo = w.ScanShieldCamera.open(box, { locale, reducedMotion }).then(async (blob) => {
          (document.getElementById("opener") as HTMLElement).focus();
          if (!blob) return null;
          const bitmap = await createImageBitmap(blob);
          return { type: blob.type, size: blob.size, width: bitmap.width, height: bitmap.height };
        });
      },
      { locale: options.locale ?? "en", reducedMotion: options.reducedMotion ?? false },
    );
    return { page, requests };
  }

  const hint = (page: Page) => text(page.locator(".ssc-hint"));

  it.each([
    [
      "well lit, in the oval",
      "good",
      scale(1),
      "framed",
      "Good light and position. Take the photo when you are ready.",
    ],
    ["too dark", "dark", scale(0.2), "framed", "Too dark. Face a window or a lamp."],
    ["too bright", "bright", scale(2.6), "framed", "Too bright. Move out of direct sunlight or away from the lamp."],
    ["lit from one side", "side", sideLit, "framed", "One side of your face is in shadow. Turn to face the light."],
    ["small, in a corner", "corner", scale(1), "corner", "Move your face to the middle of the oval."],
    ["small, in the middle", "far", scale(1), "small", "Move a little closer."],
    ["filling the frame", "near", scale(1), "near", "Move back a little."],
    ["no face at all", "empty", scale(1), "none", "Fit your face inside the oval."],
  ] as const)(
    "a face %s gets its hint, and nothing leaves the device",
    async (_, name, edit, layout, expected) => {
      const { page, requests } = await openGuide(await clip(dir, name, edit, layout));
      await eventually(() => hint(page)).toBe(expected);
      expect(requests).toEqual([]);
      await page.context().browser()?.close();
    },
    60_000,
  );

  const photo = (page: Page) => page.evaluate(() => (window as unknown as { photo: Promise<Photo | null> }).photo);
  /** The camera tracks still live in the page: every MediaStream the guide's video holds or held. */
  const liveTracks = (page: Page) =>
    page.evaluate(() => {
      const video = document.querySelector(".ssc video") as HTMLVideoElement | null;
      const stream = video?.srcObject as MediaStream | null;
      return stream ? stream.getTracks().filter((t) => t.readyState === "live").length : 0;
    });
  const trackOf = (page: Page) =>
    page.evaluateHandle(
      () => ((document.querySelector(".ssc video") as HTMLVideoElement).srcObject as MediaStream).getTracks()[0],
    );

  it.each([
    [
      "en",
      "phone",
      { width: 390, height: 844 },
      "Take photo",
      "Good light and position. Take the photo when you are ready.",
    ],
    [
      "en",
      "desktop",
      { width: 1440, height: 900 },
      "Take photo",
      "Good light and position. Take the photo when you are ready.",
    ],
    ["hi", "phone", { width: 390, height: 844 }, "फ़ोटो लें", "रोशनी और स्थिति ठीक है। तैयार हों तो फ़ोटो लें।"],
    ["hi", "desktop", { width: 1440, height: 900 }, "फ़ोटो लें", "रोशनी और स्थिति ठीक है। तैयार हों तो फ़ोटो लें।"],
  ] as const)(
    "%s at %s size: keyboard only, the shutter has focus, Enter takes a JPEG photo and the camera stops; axe-clean",
    async (locale, size, viewport, snap, ok) => {
      const { page, requests } = await openGuide(await clip(dir, "good", scale(1)), { locale, viewport });
      const shutter = page.getByRole("button", { name: snap, exact: true });
      await eventually(() => focused(shutter)).toBe(true);
      await eventually(() => hint(page)).toBe(ok);
      // The oval is drawn in the video's own frame (480×640 here): 70 % of its height tall.
      expect(await page.locator(".ssc-oval").evaluate((e) => [e.getAttribute("rx"), e.getAttribute("ry")])).toEqual([
        "168",
        "224",
      ]);
      expect(await liveTracks(page)).toBe(1);
      await checkStep(page, `camera-guide-${locale}-${size}`);
      const track = await trackOf(page);
      await page.keyboard.press("Enter");
      expect(await photo(page)).toMatchObject({ type: "image/jpeg", width: 480, height: 640 });
      expect(await track.evaluate((t) => (t as MediaStreamTrack).readyState)).toBe("ended");
      // The view is gone and focus is back with the caller; nothing was sent anywhere.
      expect(await page.locator(".ssc").count()).toBe(0);
      expect(await focused(page.locator("#opener"))).toBe(true);
      expect(requests).toEqual([]);
      await page.context().browser()?.close();
    },
    60_000,
  );

  it("a 1280×720 camera gives a photo 1024 px on its long side", async () => {
    const { page } = await openGuide("", { viewport: { width: 1440, height: 900 } });
    await eventually(() =>
      page.evaluate(() => (document.querySelector(".ssc video") as HTMLVideoElement).videoWidth),
    ).toBe(1280);
    await page.getByRole("button", { name: "Take photo" }).click();
    expect(await photo(page)).toMatchObject({ type: "image/jpeg", width: 1024, height: 576 });
    await page.context().browser()?.close();
  }, 60_000);

  it("'Take photo' pressed before the camera's first frame takes the photo when the frame arrives (a slow phone camera)", async () => {
    const { page } = await openGuide("", {
      initScript: () => {
        // A camera whose first frame comes only when the test says so.
        const canvas = document.createElement("canvas");
        canvas.width = 640;
        canvas.height = 480;
        const stream = canvas.captureStream(0);
        navigator.mediaDevices.getUserMedia = async () => stream;
        (window as unknown as { firstFrame: () => void }).firstFrame = () => {
          const g = canvas.getContext("2d") as CanvasRenderingContext2D;
          g.fillStyle = "#b08070";
          g.fillRect(0, 0, 640, 480);
          (stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack).requestFrame();
        };
      },
    });
    await eventually(() => focused(page.getByRole("button", { name: "Take photo" }))).toBe(true);
    await page.keyboard.press("Enter");
    await page.evaluate(() => (window as unknown as { firstFrame: () => void }).firstFrame());
    expect(await photo(page)).toMatchObject({ type: "image/jpeg", width: 640, height: 480 });
    await page.context().browser()?.close();
  }, 60_000);

  it("Escape or Cancel stops the camera and resolves with no photo; so does hiding the step", async () => {
    const { page } = await openGuide(await clip(dir, "good", scale(1)));
    await eventually(() => focused(page.getByRole("button", { name: "Take photo" }))).toBe(true);
    let track = await trackOf(page);
    await page.keyboard.press("Escape");
    expect(await photo(page)).toBeNull();
    expect(await track.evaluate((t) => (t as MediaStreamTrack).readyState)).toBe("ended");
    expect(await focused(page.locator("#opener"))).toBe(true);

    const reopen = () =>
      page.evaluate(() => {
        const w = window as unknown as {
          ScanShieldCamera: { open: (c: Element) => Promise<Blob | null> };
          photo: unknown;
        };
        w.photo = w.ScanShieldCamera.open(document.querySelector("main section") as Element);
      });
    await reopen();
    await eventually(() => liveTracks(page)).toBe(1);
    track = await trackOf(page);
    await page.getByRole("button", { name: "Cancel" }).press("Enter");
    expect(await photo(page)).toBeNull();
    expect(await track.evaluate((t) => (t as MediaStreamTrack).readyState)).toBe("ended");

    // The widget moves to another step (the section is hidden): the camera goes off with it.
    await reopen();
    await eventually(() => liveTracks(page)).toBe(1);
    track = await trackOf(page);
    await page.evaluate(() => ((document.querySelector("main section") as HTMLElement).hidden = true));
    expect(await photo(page)).toBeNull();
    expect(await track.evaluate((t) => (t as MediaStreamTrack).readyState)).toBe("ended");
    await page.context().browser()?.close();
  }, 60_000);

  it("prefers-reduced-motion: the guide does not animate", async () => {
    const still = await openGuide(await clip(dir, "good", scale(1)), { reducedMotion: true });
    const moving = await openGuide(await clip(dir, "good", scale(1)));
    const transition = (page: Page) =>
      page.locator(".ssc-oval").evaluate((e) => getComputedStyle(e).transitionDuration.split(",")[0]);
    await eventually(() => transition(still.page)).toBe("0s");
    await eventually(() => transition(moving.page)).toBe("0.3s");
    await still.page.context().browser()?.close();
    await moving.page.context().browser()?.close();
  }, 60_000);

  it("with the browser's FaceDetector, its boxes decide the position: two faces get 'Only one face, please.'", async () => {
    const { page } = await openGuide(await clip(dir, "good", scale(1)), {
      initScript: () => {
        (window as unknown as { FaceDetector: unknown }).FaceDetector = class {
          async detect() {
            return [
              { boundingBox: { x: 150, y: 150, width: 180, height: 220 } },
              { boundingBox: { x: 10, y: 10, width: 80, height: 100 } },
            ];
          }
        };
      },
    });
    await eventually(() => hint(page)).toBe("Only one face, please.");
    await page.context().browser()?.close();
  }, 60_000);
});
