import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Browser, type Locator, type Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, expect, onTestFailed } from "vitest";
import { openDatabase } from "../../app/db/client.server";
import { DEMO_CATALOGUE } from "../../app/recommendations/demo-catalogue";
import { saveProduct } from "../../app/recommendations/recommend.server";
import { signedAppProxyQuery } from "../../scripts/preview/app-proxy-signature.mjs";
import { startPreview } from "../../scripts/preview/server.mjs";
import { AXE_SOURCE, launchChromium } from "../support/chromium";
import { startServer, type RunningServer } from "../support/server";
import { SHOP, TEST_SECRET } from "../support/shopify";

/**
 * The widget's real-browser rig: the built app (server.mjs) on a fresh SQLite file, the local storefront
 * preview in front of it (signing app-proxy requests as Shopify does), and Debian's Chromium driven by
 * playwright-core. Face photos are read from @vladmandic/face-api's demo folder, never committed.
 */
const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, "..", "..");
export const ARTIFACTS = join(ROOT, "test-artifacts", "widget");

export interface Stack {
  app: RunningServer;
  storeUrl: string;
  browser: Browser;
  dir: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  fakeVideo?: string;
  appEnv?: Record<string, string>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "scanshield-widget-"));
  const databaseUrl = `file:${join(dir, "app.db")}`;
  const app = await startServer({
    DATABASE_URL: databaseUrl,
    SHOPIFY_API_SECRET: TEST_SECRET,
    LOG_LEVEL: "warn",
    ...options.appEnv,
  });
  let preview: Server | undefined;
  let browser: Browser | undefined;
  try {
    await seedCatalogue(databaseUrl);
    const started = await startPreview({
      host: "127.0.0.1",
      port: 0,
      appUrl: app.baseUrl,
      secret: TEST_SECRET,
      shop: SHOP,
    });
    preview = started.server;
    browser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      ...(options.fakeVideo ? [`--use-file-for-fake-video-capture=${options.fakeVideo}`] : []),
    ]);
    const stack: Stack = {
      app,
      storeUrl: started.url,
      browser,
      dir,
      stop: async () => {
        await browser?.close();
        await new Promise((resolve) => preview?.close(resolve));
        await app.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (error) {
    await browser?.close();
    preview?.close();
    await app.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Products tagged the way the default rules look for them (app/recommendations/rules.ts). */
async function seedCatalogue(databaseUrl: string): Promise<void> {
  const db = await openDatabase(databaseUrl);
  try {
    const products = [
      ["calming-serum", "Calming serum", "skin-scan:redness", "calm-cica-serum"],
      ["even-tone-drops", "Even tone drops", "skin-scan:unevenness", "even-tone-niacinamide-10"],
      ["matte-gel", "Matte gel moisturiser", "skin-scan:shine", "oil-balance-gel-moisturiser"],
      ["eye-cream", "Brightening eye cream", "skin-scan:under-eye", "bright-eyes-caffeine-cream"],
      ["mineral-sunscreen", "Mineral sunscreen SPF 50", "skin-scan:everyday", "daily-mineral-spf-50"],
    ] as const;
    // The demo catalogue's alt text for the same drawings, as a merchant writes it in Shopify.
    const alts = new Map(DEMO_CATALOGUE.map((p) => [p.imageUrl, p.imageAlt]));
    let n = 0;
    // Product shots: the demo catalogue's drawings, which the preview serves (public/demo-products/).
    for (const [handle, title, tag, shot] of products) {
      n += 1;
      await saveProduct(db.client, SHOP, {
        shopifyId: `gid://shopify/Product/${1000 + n}`,
        handle,
        title,
        imageUrl: `/demo-products/${shot}.svg`,
        imageAlt: alts.get(`/demo-products/${shot}.svg`) ?? null,
        price: `${400 + n * 100}.00`,
        currency: "INR",
        variantId: `gid://shopify/ProductVariant/${2000 + n}`,
        available: true,
        tags: [tag],
        collections: [],
        metafields: {},
      });
    }
  } finally {
    await db.close();
  }
}

/**
 * One test file's rig: the stack is started (and a synthetic selfie rendered, for the files that upload
 * one) before the file's tests and stopped after them. The fields are filled in by `beforeAll`, so
 * read them inside tests and hooks only. `options` may be a function when working them out is async.
 */
export function stackForFile(options: StackOptions | (() => Promise<StackOptions>) = {}): {
  stack: Stack;
  photo: Buffer;
} {
  const rig = {} as { stack: Stack; photo: Buffer };
  beforeAll(async () => {
    const resolved = typeof options === "function" ? await options() : options;
    [rig.stack, rig.photo] = await Promise.all([startStack(resolved), selfie()]);
  }, 120_000);
  afterAll(async () => {
    await rig.stack?.stop();
  });
  return rig;
}

/** A new page with its own storage, as a first-time shopper. */
export async function newShopper(
  stack: Stack,
  options: { reducedMotion?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<Page> {
  const context = await stack.browser.newContext({
    viewport: options.viewport ?? { width: 900, height: 900 },
    acceptDownloads: true,
    reducedMotion: options.reducedMotion ? "reduce" : "no-preference",
  });
  await context.grantPermissions(["camera"]);
  const page = await context.newPage();
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // Chromium logs every 4xx/5xx answer as "Failed to load resource"; the tests assert those answers
    // themselves, so only the script's own errors count here.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      errors.push(message.text());
  });
  // When a test fails, say what the widget asked the app and what the app logged.
  const calls: string[] = [];
  page.on("response", (r) => calls.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
  onTestFailed(async () => {
    const status = await page
      .evaluate(() => {
        const widget = document.querySelector("skin-scan") as (HTMLElement & { busy?: boolean }) | null;
        const said = [...(widget?.querySelectorAll("[data-say], [data-error]") ?? [])].map((e) => e.textContent);
        const step = widget?.querySelector("[data-step]:not([hidden])")?.getAttribute("data-step");
        return `step ${step} (busy: ${widget?.busy}; messages: ${said.filter(Boolean).join(" | ")})`;
      })
      .catch(() => "");
    console.error(
      `widget status: ${status}\npage errors: ${errors.join(" | ")}\ncalls:\n${calls.join("\n")}\napp:\n${stack.app.output().slice(-2000)}`,
    );
  });
  return page;
}

const pageErrors = new WeakMap<Page, string[]>();

/** One step of the flow: axe-core finds nothing on the whole page, and a screenshot is kept. */
export async function checkStep(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => {
      const { id, impact, nodes } = v as { id: string; impact: string; nodes: { target: string[] }[] };
      return { id, impact, targets: nodes.map((n) => n.target.join(" ")) };
    });
  });
  expect(violations, `axe-core at step "${name}"`).toEqual([]);
  expect(pageErrors.get(page) ?? [], `script errors by step "${name}"`).toEqual([]);
}

/** The shopper starts the scan, confirms their age and agrees to the analysis purpose only (no opt-ins). */
export async function agreeToScan(widget: Locator): Promise<void> {
  await widget.getByRole("button", { name: "Start skin scan" }).click();
  await widget.getByLabel("Yes, I am 18 or older").check();
  await widget.getByLabel("Analyse my photo now to show my skin results").check();
  await widget.getByRole("button", { name: "Agree and continue" }).click();
}

/** The shopper picks `photo` (a JPEG) in the photo step's file input. */
export async function uploadPhoto(widget: Locator, photo: Buffer): Promise<void> {
  await widget.locator("[data-file]").setInputFiles({ name: "me.jpg", mimeType: "image/jpeg", buffer: photo });
}

/** The shopper uploads `photo` and waits for the results step (the analysis may take a while under load). */
export async function uploadToResults(widget: Locator, photo: Buffer): Promise<void> {
  await uploadPhoto(widget, photo);
  await shown(widget.getByRole("heading", { name: "Your results", exact: true }), 30_000);
}

/** Presses `key` (Tab by default) until the element matching `selector` has focus; bounded. */
export async function tabTo(page: Page, selector: string, key: "Tab" | "Shift+Tab" = "Tab"): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`keyboard focus never reached ${selector}`);
}

/**
 * On the notice, by keyboard only: confirms the age, ticks the analysis purpose and submits; focus then
 * moves to the photo step's heading.
 */
export async function agreeByKeyboard(page: Page, widget: Locator): Promise<void> {
  await tabTo(page, 'skin-scan input[name="age"][value="yes"]');
  await page.keyboard.press("Space");
  await tabTo(page, 'skin-scan input[value="skin_analysis"]');
  await page.keyboard.press("Space");
  await tabTo(page, 'skin-scan [data-form="consent"] button[type="submit"]');
  await page.keyboard.press("Enter");
  await eventually(() => focused(widget.getByRole("heading", { name: "Your photo", exact: true }))).toBe(true);
}

/** Waits for an element to be shown (playwright-core has no expect matchers of its own). */
export const shown = (locator: Locator, timeout = 15_000) => locator.waitFor({ state: "visible", timeout });
/** expect.poll with room for a busy two-core machine (its default gives up after one second). */
export const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 100 });
/** For eventually(): an element's trimmed text, and whether it has focus. */
export const text = (locator: Locator) => locator.evaluate((el) => el.textContent?.trim() ?? "");
export const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

/**
 * What the shown step says: its first non-empty live region (role=status) or alert. The widget speaks where
 * the action was, and clears a step's messages when it is shown again, so this is never a stale line.
 */
export const statusOf = (page: Page) =>
  page
    .locator("skin-scan [data-step]:not([hidden])")
    .locator("[data-say]:not(:empty), [data-error]:not(:empty)")
    .first();

/** Answers the widget's confirmation dialog: "yes" presses its confirming button, otherwise Cancel. */
export async function answerDialog(page: Page, yes: boolean): Promise<void> {
  const dialog = page.locator("skin-scan dialog[open]");
  await dialog.waitFor({ state: "visible", timeout: 10_000 });
  await dialog.locator(`button[value="${yes ? "yes" : "no"}"]`).click();
}

/** Face photos shipped inside an npm package; a portrait crop of `sample2.jpg` holds one face the engine can measure. */
const demo = (name: string) => join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo", name);

export async function selfie(): Promise<Buffer> {
  const group = readFileSync(demo("sample2.jpg"));
  const meta = await sharp(group).metadata();
  const [width, height] = [meta.width ?? 0, meta.height ?? 0];
  return sharp(group)
    .extract({
      left: Math.round(width * 0.675),
      top: 0,
      width: Math.round(width * 0.3),
      height: Math.round(height * 0.58),
    })
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** A photo with no face in it: the quality gate must refuse it with a hint. */
export function faceless(): Promise<Buffer> {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 180, g: 160, b: 140 } } })
    .jpeg()
    .toBuffer();
}

/** A Y4M clip of the selfie (a few identical frames) for Chromium's fake camera. */
export async function selfieVideo(dir: string): Promise<string> {
  const width = 480;
  const height = 640;
  const { data } = await sharp(await selfie())
    .resize(width, height, { fit: "contain", background: { r: 128, g: 128, b: 128 } })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const y = Buffer.alloc(width * height);
  const u = Buffer.alloc((width / 2) * (height / 2));
  const v = Buffer.alloc((width / 2) * (height / 2));
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const i = (row * width + col) * 3;
      const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
      y[row * width + col] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (row % 2 === 0 && col % 2 === 0) {
        const j = (row / 2) * (width / 2) + col / 2;
        u[j] = Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        v[j] = Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, u, v]);
  const file = join(dir, "selfie.y4m");
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]),
  );
  return file;
}

/** Calls the app's /proxy API directly, signed as Shopify's app proxy would, to check what the widget did. */
export async function proxyApi(
  stack: Stack,
  path: string,
  init: { method?: string; headers?: Record<string, string>; customerId?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const query = signedAppProxyQuery({}, { shop: SHOP, secret: TEST_SECRET, customerId: init.customerId ?? null });
  const response = await fetch(`${stack.app.baseUrl}/proxy${path}?${query}`, {
    method: init.method ?? "GET",
    headers: init.headers,
  });
  return { status: response.status, body: await response.json() };
}

/** What the widget keeps in localStorage: the random subject id and the consent receipt (the proof headers). */
export async function widgetState(page: Page): Promise<{ subject?: string; receipt?: string; scanId?: string }> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("scanshield") ?? "{}"));
}

export const proofHeaders = (state: { subject?: string; receipt?: string }) => ({
  "x-subject-id": state.subject ?? "",
  "x-consent-receipt": state.receipt ?? "",
});
