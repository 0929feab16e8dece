// The local storefront preview: a store-like page on 127.0.0.1 that renders the "Skin scan" app block's
// real Liquid (extensions/skin-scan) with liquidjs, serves its assets, forwards /apps/skin-scan/* to the
// app's /proxy/* signed exactly as Shopify's app proxy signs it, and fakes the theme's /cart/add.js.
//   node scripts/preview/server.mjs     (PREVIEW_PORT, default 3001; PREVIEW_APP_URL, default http://127.0.0.1:3000)
// Query parameters of the page: locale=en|hi, customer=<id> (a simulated signed-in customer, kept in a
// cookie; empty to sign out), block=0 (the same page without the block, for bench/storefront-impact.mjs).
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Liquid } from "liquidjs";
import { signedAppProxyQuery } from "./app-proxy-signature.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const EXTENSION = join(ROOT, "extensions", "skin-scan");
const BLOCK_FILE = join(EXTENSION, "blocks", "skin-scan.liquid");

/**
 * The app's development secret (app/env.server.ts, DEV_SHOPIFY_SECRET): the preview must sign with the
 * secret the app verifies with, so it reads the same variable with the same default.
 * test/widget/preview.test.ts fails if the two defaults ever differ.
 */
export const DEV_SHOPIFY_SECRET = "dev-only-shopify-api-secret";

/** @param {Record<string, string | undefined>} env */
export function previewConfig(env = process.env) {
  const appPort = env.PORT || "3000";
  return {
    host: env.PREVIEW_HOST || "127.0.0.1",
    port: Number(env.PREVIEW_PORT || 3001),
    appUrl: env.PREVIEW_APP_URL || `http://127.0.0.1:${appPort}`,
    secret: env.SHOPIFY_API_SECRET || DEV_SHOPIFY_SECRET,
    shop: env.PREVIEW_SHOP || "scanshield-preview.myshopify.com",
  };
}

/** Splits a block file into its Liquid and its `{% schema %}` JSON, as Shopify does. */
function readBlock() {
  const source = readFileSync(BLOCK_FILE, "utf8");
  const match = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/.exec(source);
  if (!match) throw new Error("blocks/skin-scan.liquid has no schema");
  return { liquid: source.replace(match[0], ""), schema: JSON.parse(match[1] ?? "{}") };
}

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const lookup = (tree, key) => key.split(".").reduce((node, part) => node?.[part], tree);

/** The `t` filter of a theme app extension: the shopper's locale, then the default, then Shopify's "translation missing". */
function translator(locale) {
  const fallback = readJson(join(EXTENSION, "locales", "en.default.json"));
  let strings = {};
  try {
    if (locale !== "en") strings = readJson(join(EXTENSION, "locales", `${locale}.json`));
  } catch {
    // A locale the extension does not ship: Shopify falls back to the default file too.
  }
  return (key) => lookup(strings, key) ?? lookup(fallback, key) ?? `translation missing: ${locale}.${key}`;
}

const themeEngine = new Liquid({ strictFilters: true });
const themeTemplate = themeEngine.parse(readFileSync(join(HERE, "theme.liquid"), "utf8"));

/**
 * The block compiled for one locale, like Shopify's own cache of compiled Liquid: reused until a file of
 * the extension changes, so edits show on reload and the page's server time stays out of the measurements.
 */
const compiled = new Map();
function compiledBlock(locale) {
  const files = [
    BLOCK_FILE,
    join(EXTENSION, "locales", "en.default.json"),
    join(EXTENSION, "locales", `${locale}.json`),
  ];
  const version = files.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)).join(":");
  const cached = compiled.get(locale);
  if (cached?.version === version) return cached;
  const { liquid: source, schema } = readBlock();
  const engine = new Liquid({ strictFilters: true });
  const t = translator(locale);
  engine.registerFilter("t", (key) => t(String(key)));
  // The block passes its lazy assets' URLs (camera, progress, notices); served below like its own assets.
  engine.registerFilter("asset_url", (name) => `/assets/${name}`);
  const entry = { version, engine, template: engine.parse(source), schema };
  compiled.set(locale, entry);
  return entry;
}

/** The block as Shopify renders it into a page: Liquid with its settings' defaults, plus the assets it declares. */
async function renderPage({ locale, customerId, withBlock, analyticsAllowed, overrides = {} }) {
  const shop = { name: "Lotus Skin", privacy_policy: { url: "/policies/privacy-policy" } };
  const request = { locale: { iso_code: locale }, design_mode: false };
  const customer = customerId ? { id: customerId } : null;
  let blockHtml = "";
  let head = "";
  if (withBlock) {
    const { engine, template, schema } = compiledBlock(locale);
    // ?setting.<id>=value sets one of the block's own settings, as a merchant would in the theme editor.
    const settings = Object.fromEntries(
      schema.settings.filter((s) => s.id).map((s) => [s.id, overrides[s.id] ?? s.default ?? null]),
    );
    blockHtml = await engine.render(template, {
      block: { id: "preview1", settings, shopify_attributes: "" },
      shop,
      request,
      customer,
      // The pretend store sells in India: dates and prices follow en-IN / hi-IN.
      localization: { country: { iso_code: "IN" } },
    });
    // Shopify adds a block's declared stylesheet to <head> and its script with `defer`.
    head = `<link rel="stylesheet" href="/assets/${schema.stylesheet}">\n<script src="/assets/${schema.javascript}" defer></script>`;
  }
  return themeEngine.render(themeTemplate, {
    shop,
    request,
    customer,
    block_html: blockHtml,
    content_for_header: head,
    analytics_allowed: analyticsAllowed,
  });
}

const FORWARDED_REQUEST_HEADERS = [
  "content-type",
  "accept",
  "accept-language",
  "x-scan-token",
  "x-subject-id",
  "x-consent-receipt",
];
const FORWARDED_RESPONSE_HEADERS = ["content-type", "retry-after", "content-disposition", "cache-control"];
const MAX_BODY = 6 * 1024 * 1024;

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error("body too large"), { status: 413 }));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const cookie = (req, name) =>
  (req.headers.cookie ?? "")
    .split(";")
    .map((c) => c.trim().split("="))
    .find(([key]) => key === name)?.[1];

/**
 * @param {ReturnType<typeof previewConfig>} config
 * @returns {import("node:http").Server}
 */
export function createPreviewServer(config) {
  /** The fake theme cart: variant id → quantity. */
  const cart = new Map();

  /** @type {(req: import("node:http").IncomingMessage, url: URL, customerId: string | null) => Promise<Response>} */
  const forward = async (req, url, customerId) => {
    const rest = url.pathname.slice("/apps/skin-scan".length);
    const query = signedAppProxyQuery(url.searchParams, { shop: config.shop, secret: config.secret, customerId });
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === "string") headers.set(name, value);
    }
    // Shopify passes the shopper's address on; the app keeps only a keyed hash of its network (P7).
    headers.set("x-forwarded-for", req.socket.remoteAddress ?? "127.0.0.1");
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
    return fetch(`${config.appUrl}/proxy${rest}?${query}`, { method: req.method, headers, body, redirect: "manual" });
  };

  return createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://preview.local");
    const send = (status, type, body, extra = {}) => {
      // Compressed like Shopify's CDN serves storefront pages and assets.
      const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) && !type.startsWith("image/");
      const headers = {
        "content-type": type,
        "cache-control": "no-store",
        ...extra,
        ...(gzip && { "content-encoding": "gzip" }),
      };
      res.writeHead(status, headers);
      res.end(gzip ? gzipSync(body) : body);
    };
    try {
      let customerId = cookie(req, "preview_customer") || null;
      const extra = {};
      if (url.searchParams.has("customer")) {
        customerId = /^\d{1,15}$/.test(url.searchParams.get("customer") ?? "")
          ? url.searchParams.get("customer")
          : null;
        extra["set-cookie"] = `preview_customer=${customerId ?? ""}; Path=/; SameSite=Lax`;
      }
      if (url.pathname === "/apps/skin-scan" || url.pathname.startsWith("/apps/skin-scan/")) {
        const upstream = await forward(req, url, customerId);
        const headers = {};
        for (const name of FORWARDED_RESPONSE_HEADERS) {
          const value = upstream.headers.get(name);
          if (value) headers[name] = value;
        }
        res.writeHead(upstream.status, headers);
        res.end(Buffer.from(await upstream.arrayBuffer()));
        return;
      }
      if (url.pathname === "/cart/add.js" && req.method === "POST") {
        const body = JSON.parse(String(await readBody(req)) || "{}");
        const items = body.items ?? [body];
        if (!items.every((i) => Number.isInteger(Number(i.id)) && Number(i.id) > 0)) {
          return send(422, "application/json", JSON.stringify({ status: 422, description: "Variant not found" }));
        }
        for (const item of items)
          cart.set(Number(item.id), (cart.get(Number(item.id)) ?? 0) + (Number(item.quantity) || 1));
        const added = items.map((i) => ({
          id: Number(i.id),
          variant_id: Number(i.id),
          quantity: cart.get(Number(i.id)),
        }));
        return send(200, "application/json", JSON.stringify({ items: added }));
      }
      if (url.pathname === "/cart.js") {
        const items = [...cart].map(([id, quantity]) => ({ id, variant_id: id, quantity }));
        const count = items.reduce((n, i) => n + i.quantity, 0);
        return send(200, "application/json", JSON.stringify({ item_count: count, items }));
      }
      // The demo catalogue's product shots (app/recommendations/demo-catalogue.ts), as a CDN serves images.
      const shot = /^\/demo-products\/([\w-]+\.svg)$/.exec(url.pathname);
      if (shot && existsSync(join(ROOT, "public", "demo-products", shot[1] ?? ""))) {
        return send(200, "image/svg+xml", readFileSync(join(ROOT, "public", "demo-products", shot[1] ?? "")), {
          "cache-control": "public, max-age=3600",
        });
      }
      const asset = /^\/assets\/([\w.-]+\.(js|css))$/.exec(url.pathname);
      if (asset) {
        const type = asset[2] === "js" ? "text/javascript" : "text/css";
        const file = asset[1] === "theme.css" ? join(HERE, "theme.css") : join(EXTENSION, "assets", asset[1] ?? "");
        if (!existsSync(file)) return send(404, "text/plain; charset=utf-8", "Not found");
        return send(200, `${type}; charset=utf-8`, readFileSync(file));
      }
      if (url.pathname === "/" && req.method === "GET") {
        const locale = url.searchParams.get("locale") === "hi" ? "hi" : "en";
        const html = await renderPage({
          locale,
          customerId,
          withBlock: url.searchParams.get("block") !== "0",
          analyticsAllowed: cookie(req, "preview_analytics") === "yes",
          overrides: Object.fromEntries(
            [...url.searchParams].filter(([k]) => k.startsWith("setting.")).map(([k, v]) => [k.slice(8), v]),
          ),
        });
        return send(200, "text/html; charset=utf-8", html, extra);
      }
      const page = (title) =>
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main><h1>${title}</h1><p><a href="/">Back to the store</a></p></main></body></html>`;
      if (url.pathname.startsWith("/products/"))
        return send(200, "text/html; charset=utf-8", page("Product page (preview)"));
      if (url.pathname === "/policies/privacy-policy")
        return send(200, "text/html; charset=utf-8", page("Privacy policy (preview)"));
      if (url.pathname === "/cart")
        return send(200, "text/html; charset=utf-8", page(`Cart (preview): ${cart.size} products`));
      return send(404, "text/plain; charset=utf-8", "Not found");
    } catch (error) {
      if (error?.status === 413)
        return send(
          413,
          "application/json",
          JSON.stringify({ error: { code: "payload_too_large", message: "Too large." } }),
        );
      // The app is down or the page failed to render: say so without echoing the request.
      const appDown = error instanceof TypeError && String(error.message).includes("fetch");
      console.error(
        appDown ? `preview: the app at ${config.appUrl} did not answer` : "preview: request failed",
        error?.message ?? "",
      );
      send(
        502,
        "application/json",
        JSON.stringify({
          error: {
            code: appDown ? "app_unreachable" : "preview_failed",
            message: "The preview could not complete this request.",
          },
        }),
      );
    }
  });
}

/** Starts the preview; resolves with its URL once it listens. */
export function startPreview(config = previewConfig()) {
  const server = createPreviewServer(config);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      resolve({ server, url: `http://${config.host}:${port}` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = previewConfig();
  const { url } = await startPreview(config);
  console.log(`storefront preview listening on ${url} (app proxy → ${config.appUrl}/proxy)`);
}
