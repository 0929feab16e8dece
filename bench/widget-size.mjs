// `node bench/widget-size.mjs`: what the storefront widget costs a shopper in bytes, raw and compressed
// (gzip -9 and brotli, as a CDN would serve them), beside Shopify's suggested limits for theme app
// extensions (10 KB compressed JavaScript, 100 KB CSS). Also the HTML the block adds to a page.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const assets = join(root, "extensions", "skin-scan", "assets");

const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

/** The block's HTML as the preview renders it (real Liquid), measured from the page with and without it. */
async function blockHtml() {
  const { startPreview, previewConfig } = await import("../scripts/preview/server.mjs");
  const { server, url } = await startPreview({ ...previewConfig({}), port: 0 });
  try {
    const withBlock = Buffer.from(await (await fetch(url)).text());
    const without = Buffer.from(await (await fetch(`${url}/?block=0`)).text());
    const a = sizes(withBlock);
    const b = sizes(without);
    return { raw: a.raw - b.raw, gzip: a.gzip - b.gzip, brotli: a.brotli - b.brotli };
  } finally {
    server.close();
  }
}

const rows = [
  ["skin-scan.js", sizes(readFileSync(join(assets, "skin-scan.js"))), "10,000 B compressed"],
  ["skin-scan.css", sizes(readFileSync(join(assets, "skin-scan.css"))), "100,000 B"],
  ["block HTML (page with − without)", await blockHtml(), "—"],
];

console.log("Storefront widget size (bytes)");
console.log(`| ${["file", "raw", "gzip -9", "brotli 11", "Shopify's limit"].join(" | ")} |`);
console.log("| --- | ---: | ---: | ---: | --- |");
for (const [name, s, limit] of rows) console.log(`| ${name} | ${s.raw} | ${s.gzip} | ${s.brotli} | ${limit} |`);
