// `node bench/widget-size.mjs`: what the storefront widget costs a shopper in bytes, raw and compressed
// (gzip -9 and brotli, as a CDN would serve them), each file against its budget (issue 12): the script that
// loads with the page ≤ 10,000 B gzip (also Shopify's suggested limit for a theme app extension's JavaScript),
// its stylesheet ≤ 4,000 B gzip, and each lazy asset (skin-scan-*.js: the camera guide, My progress, breach
// notices), loaded only when a shopper uses it, ≤ 10,000 B gzip. Also the HTML the block adds to a page.
// Exits 1 when a file is over its budget.
import { readdirSync, readFileSync } from "node:fs";
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

const KB10 = 10_000;
const rows = [
  ["skin-scan.js (loads with the page)", sizes(readFileSync(join(assets, "skin-scan.js"))), KB10],
  ["skin-scan.css (loads with the page)", sizes(readFileSync(join(assets, "skin-scan.css"))), 4_000],
  ...readdirSync(assets)
    .filter((name) => /^skin-scan-.+\.js$/.test(name))
    .sort()
    .map((name) => [`${name} (lazy: loaded when used)`, sizes(readFileSync(join(assets, name))), KB10]),
  ["block HTML (page with − without)", await blockHtml(), null],
];

console.log("Storefront widget size (bytes)");
console.log(`| ${["file", "raw", "gzip -9", "brotli 11", "budget (gzip)", "within"].join(" | ")} |`);
console.log("| --- | ---: | ---: | ---: | ---: | --- |");
let over = 0;
for (const [name, s, budget] of rows) {
  const ok = budget === null || s.gzip <= budget;
  if (!ok) over++;
  const cells = [name, s.raw, s.gzip, s.brotli, budget ?? "—", budget === null ? "—" : ok ? "yes" : "**NO**"];
  console.log(`| ${cells.join(" | ")} |`);
}
if (over) {
  console.error(`${over} file(s) over budget`);
  process.exitCode = 1;
}
