import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AXE_SOURCE, launchChromium } from "../support/chromium";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startServer, type RunningServer } from "../support/server";

/**
 * Every admin screen exactly as a newcomer sees it after `npm run quickstart`: the production build
 * run by server.mjs on 127.0.0.1 with LOCAL_ADMIN=true, the demo data `--seed-demo` writes, and the
 * browser entering through /dev/admin (a real session token, the App Bridge stand-in, no Shopify).
 * Each screen at a phone (390×844) and a desktop (1440×900) viewport: it renders, axe-core finds no
 * violation, and a full-page screenshot is kept in test-artifacts/admin/local/ for a person to look at.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const ARTIFACTS = join(ROOT, "test-artifacts", "admin", "local");
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36";
const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

/** The admin's screens: where each is, and text that shows it rendered with the demo data. */
const SCREENS: readonly { name: string; path: string; marker: string | { link: string } }[] = [
  { name: "dashboard", path: "/app", marker: "Scans per day" },
  { name: "checklist", path: "/app", marker: "Set recommendation rules" },
  { name: "rights-inbox", path: "/app/requests", marker: { link: "Grievance" } },
  { name: "proof-of-consent", path: "/app/consents", marker: "Proof of consent" },
  { name: "consent-notice", path: "/app/notice", marker: "Version history" },
  { name: "recommendations", path: "/app/recommendations", marker: "Coverage" },
  { name: "plan", path: "/app/plan", marker: "Starter" },
  { name: "incidents", path: "/app/incidents", marker: "Incidents" },
  { name: "record-incident", path: "/app/incidents/new", marker: "Record an incident" },
  { name: "settings", path: "/app/settings", marker: "Minimum age" },
];

describe("the local admin in Chromium (what `npm run quickstart` shows)", () => {
  let database: TestDatabase | undefined;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    // The local admin needs an app URL on this machine (the server itself listens on a free port).
    const env = {
      DATABASE_URL: database.url,
      LOCAL_ADMIN: "true",
      SHOPIFY_APP_URL: "http://127.0.0.1:3000",
      JOBS_IN_PROCESS: "false",
      LOG_LEVEL: "warn",
    };
    // The demo data, written as quickstart writes it.
    const seeded = await promisify(execFile)(process.execPath, ["server.mjs", "--seed-demo"], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: "development", ...env },
    });
    expect(seeded.stdout).toContain("Demo admin data:");
    server = await startServer(env);
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await database?.destroy();
  });

  async function openAdmin(viewport: (typeof VIEWPORTS)[number]): Promise<{ page: Page; errors: string[] }> {
    if (!browser || !server) throw new Error("The server or Chromium did not start.");
    const base = server.baseUrl;
    const page = await browser.newPage({
      viewport: { width: viewport.width, height: viewport.height },
      // authenticate.admin answers bots (HeadlessChrome's user agent is one) with 410 Gone.
      userAgent: BROWSER_UA,
    });
    // Nothing leaves 127.0.0.1: App Bridge's CDN is not used, and fonts on Shopify's CDN are simply missing.
    await page.route("**/*", (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    return { page, errors };
  }

  async function axeViolations(page: Page) {
    await page.addScriptTag({ content: AXE_SOURCE });
    return page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (c: Document) => Promise<{ violations: unknown[] }> } }).axe;
      const result = await axe.run(document);
      return result.violations.map((v) => {
        const x = v as { id: string; nodes: { target: unknown }[] };
        return { id: x.id, targets: x.nodes.map((n) => n.target) };
      });
    });
  }

  /**
   * Form controls drawn over each other (a date field wider than its column covering the next field,
   * issue 13): every pair of visible inputs, selects, text areas and buttons whose boxes intersect.
   */
  async function overlappingControls(page: Page) {
    return page.evaluate(() => {
      const controls = [...document.querySelectorAll<HTMLElement>("input, select, textarea, button")].filter((el) => {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return r.width > 1 && r.height > 1 && style.visibility !== "hidden" && el.getAttribute("type") !== "hidden";
      });
      const name = (el: HTMLElement) =>
        el.getAttribute("aria-label") ??
        (el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null) ??
        el.textContent?.trim() ??
        el.tagName;
      const found: string[] = [];
      controls.forEach((a, i) => {
        const ra = a.getBoundingClientRect();
        for (const b of controls.slice(i + 1)) {
          if (a.contains(b) || b.contains(a)) continue;
          const rb = b.getBoundingClientRect();
          const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (w > 2 && h > 2) found.push(`${name(a)} × ${name(b)}`);
        }
      });
      return found;
    });
  }

  it("http://127.0.0.1:<port>/ opens the admin of the preview shop, signed in, with the demo data and the setup checklist", async () => {
    const { page, errors } = await openAdmin(VIEWPORTS[1]);
    const response = await page.goto(`${server!.baseUrl}/`, { waitUntil: "networkidle" });
    expect(response?.status()).toBe(200);
    const url = new URL(page.url());
    expect(url.pathname).toBe("/app");
    expect(url.searchParams.get("shop")).toBe("scanshield-preview.myshopify.com");
    await page.getByRole("heading", { name: "Dashboard" }).first().waitFor();
    // The checklist reflects the demo shop: four steps done, recommendation rules still to do.
    await page.getByText("4 of 5 steps done").waitFor();
    // The navigation App Bridge would put in Shopify's sidebar is shown by the stand-in.
    const nav = page.locator("ui-nav-menu");
    await expect.poll(() => nav.getByRole("link").count()).toBeGreaterThanOrEqual(6);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a merchant moves between pages, saves a setting (the save carries a session token) and reloads on the same page", async () => {
    const { page, errors } = await openAdmin(VIEWPORTS[1]);
    await page.goto(`${server!.baseUrl}/dev/admin`, { waitUntil: "networkidle" });
    await page.locator("ui-nav-menu").getByRole("link", { name: "Settings" }).click();
    const age = page.getByLabel("Minimum age");
    await age.waitFor();
    await age.fill("21");
    await page.getByRole("button", { name: "Save" }).click();
    // The stand-in's toast, in a polite live region.
    await page.getByRole("status").getByText("Settings saved").waitFor();
    // A reload goes through the session-token bounce and lands on the same page with the saved value.
    await page.reload({ waitUntil: "networkidle" });
    expect(new URL(page.url()).pathname).toBe("/app/settings");
    await expect.poll(() => page.getByLabel("Minimum age").inputValue()).toBe("21");
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const viewport of VIEWPORTS) {
    it.each(SCREENS)(
      `$name at ${viewport.name} size (${viewport.width}×${viewport.height}) renders with the demo data and passes axe-core`,
      async ({ name, path, marker }) => {
        const { page, errors } = await openAdmin(viewport);
        const response = await page.goto(`${server!.baseUrl}/dev/admin?path=${encodeURIComponent(path)}`, {
          waitUntil: "networkidle",
        });
        expect(response?.status()).toBe(200);
        expect(new URL(page.url()).pathname).toBe(path);
        const shot = join(ARTIFACTS, `${name}-${viewport.name}.png`);
        await (typeof marker === "string" ? page.getByText(marker) : page.getByRole("link", { name: marker.link }))
          .first()
          .waitFor({ timeout: 10_000 })
          .catch(async (error) => {
            await page.screenshot({ path: shot.replace(".png", "-failed.png"), fullPage: true });
            throw error;
          });
        if (name === "checklist") await page.getByText("Set up ScanShield").scrollIntoViewIfNeeded();
        await page.screenshot({ path: shot, fullPage: true });
        expect(await axeViolations(page), `axe-core on ${name} (${viewport.name})`).toEqual([]);
        expect(await overlappingControls(page), `form controls drawn over each other on ${name}`).toEqual([]);
        expect(errors).toEqual([]);
        await page.close();
      },
    );
  }

  it("P21: an incident recorded through the form opens on its page (clock, who is affected, documents, steps) and passes axe-core at both sizes", async () => {
    const { page, errors } = await openAdmin(VIEWPORTS[1]);
    await page.goto(`${server!.baseUrl}/dev/admin?path=/app/incidents/new`, { waitUntil: "networkidle" });
    const hoursAgo = (h: number) => {
      const d = new Date(Date.now() - h * 3_600_000);
      const pad = (n: number) => String(n).padStart(2, "0");
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    };
    await page.getByLabel("Occurred from").fill(hoursAgo(7 * 24));
    await page.getByLabel("Discovered at").fill(hoursAgo(2));
    await page.getByLabel("Occurred to").fill(hoursAgo(3));
    await page.getByLabel(/^Skin-scan results/).check();
    await page
      .getByLabel("What happened", { exact: true })
      .fill("A copy of the scan results was readable through a leaked API key.");
    await page.getByRole("button", { name: "Record and work out who is affected" }).click();
    await page.waitForURL((url) => /^\/app\/incidents\/(?!new$)[^/]+$/.test(url.pathname));
    await page.getByRole("heading", { name: "Who is affected" }).waitFor();
    const path = new URL(page.url()).pathname;
    await page.close();
    for (const viewport of VIEWPORTS) {
      const { page: view, errors: viewErrors } = await openAdmin(viewport);
      await view.goto(`${server!.baseUrl}/dev/admin?path=${encodeURIComponent(path)}`, { waitUntil: "networkidle" });
      await view.getByRole("heading", { name: "Who is affected" }).waitFor();
      await view.screenshot({ path: join(ARTIFACTS, `incident-${viewport.name}.png`), fullPage: true });
      expect(await axeViolations(view), `axe-core on the incident (${viewport.name})`).toEqual([]);
      expect(viewErrors).toEqual([]);
      await view.close();
    }
    // The register lists it with its clock.
    const { page: list } = await openAdmin(VIEWPORTS[0]);
    await list.goto(`${server!.baseUrl}/dev/admin?path=/app/incidents`, { waitUntil: "networkidle" });
    await list
      .getByText(/ h \d+ min left/)
      .first()
      .waitFor();
    await list.screenshot({ path: join(ARTIFACTS, "incidents-listed-phone.png"), fullPage: true });
    await list.close();
    expect(errors).toEqual([]);
  });

  it("P9: one rights request, opened from the inbox, renders with the person's data in plain words and passes axe-core at both sizes", async () => {
    for (const viewport of VIEWPORTS) {
      const { page, errors } = await openAdmin(viewport);
      await page.goto(`${server!.baseUrl}/dev/admin?path=/app/requests`, { waitUntil: "networkidle" });
      await page.getByRole("link", { name: "Grievance" }).first().click();
      await page.getByText("My result said uneven tone").waitFor();
      // Words a merchant reads, not the ledger's keys.
      const text = await page.locator("main, body").first().innerText();
      expect(text).not.toMatch(/\bgrant\b|request\.grievance/);
      await page.getByText("Shopper · Grievance request filed").waitFor();
      // The demo shopper left no email and the demo notice names no contact: the page says so, not "the contact above".
      expect(text).not.toContain("contact above");
      await page
        .getByText(/left no email/)
        .first()
        .waitFor();
      // A scan can be ticked for removal on any open request, and the correction note says so.
      expect(await page.getByRole("checkbox").first().isEnabled()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `rights-request-${viewport.name}.png`), fullPage: true });
      expect(await axeViolations(page), `axe-core on the request (${viewport.name})`).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it("issue 13: a history too long to summarise in a request: the dashboard says the older figures are being prepared, and passes axe-core at both sizes", async () => {
    // Older activity than the demo's month (an upgrade of a busy shop): more raw rows than a request summarises.
    const db = database!.client;
    const shop = "scanshield-preview.myshopify.com";
    const consent = await db.consentRecord.findFirstOrThrow({ where: { shop, action: "grant" } });
    const at = (i: number) => new Date(Date.now() - (45 + (i % 40)) * 86_400_000);
    await db.scan.createMany({
      data: Array.from({ length: 2_100 }, (_, i) => ({
        shop,
        subjectId: consent.subjectId,
        consentId: consent.id,
        status: "accepted",
        provider: "local",
        engineVersion: "demo",
        quality: '{"ok":true,"reasons":[],"hints":[]}',
        createdAt: at(i),
      })),
    });
    for (const viewport of VIEWPORTS) {
      const { page, errors } = await openAdmin(viewport);
      await page.goto(`${server!.baseUrl}/dev/admin`, { waitUntil: "networkidle" });
      await page.getByLabel("Period").selectOption("90");
      // This server runs no worker, so the job stays queued and the page keeps saying so.
      await page
        .getByText("Older figures are still being prepared")
        .waitFor({ timeout: 10_000 })
        .catch(async (error) => {
          await page.screenshot({
            path: join(ARTIFACTS, `dashboard-preparing-${viewport.name}-failed.png`),
            fullPage: true,
          });
          throw error;
        });
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-preparing-${viewport.name}.png`), fullPage: true });
      expect(await axeViolations(page), `axe-core on the preparing dashboard (${viewport.name})`).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }
    expect(await db.job.count({ where: { type: "dashboard.summaries", status: "queued" } })).toBe(1);
  });
});
