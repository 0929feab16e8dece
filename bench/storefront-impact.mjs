// `node bench/storefront-impact.mjs [runs]`: what adding the "Skin scan" block costs a storefront page.
// The local storefront preview serves the same page with the block and without it (?block=0); the same
// Chromium loads each, interleaved, `runs` times (default 9), under Lighthouse's mobile throttling
// (4× CPU slowdown, 150 ms RTT, 1.6 Mbit/s down). It prints the medians of Largest Contentful Paint,
// Total Blocking Time and Cumulative Layout Shift for both, and the difference; and how many requests went
// to the app (the insights beacon apart) and to the block's lazy assets (camera guide, My progress, notices) while loading: none should.
// Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium). The app is not needed: before a shopper clicks,
// the widget's only request to it is the insights beacon (POST events, "widget_opened", fire and forget, once
// the block is in view), which the preview then answers with an error at once; nothing waits for its answer.
import { chromium } from "playwright-core";
import { previewConfig, startPreview } from "../scripts/preview/server.mjs";

const runs = Number(process.argv[2] ?? 9);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Collected in the page from the start: LCP, layout shifts and long tasks (for TBT, after first contentful paint). */
const OBSERVE = () => {
  const m = { lcp: 0, lcpElement: "", h1: 0, cls: 0, longTasks: [], fcp: 0, requests: 0 };
  window.__bench = m;
  // Which element was largest matters: the block can push a different element out of the first screen.
  const describe = (el) =>
    el ? `${el.tagName.toLowerCase()}${el.className ? `.${el.className.split(" ")[0]}` : ""}` : "?";
  new PerformanceObserver((l) =>
    l.getEntries().forEach((e) => {
      m.lcp = e.startTime;
      m.lcpElement = describe(e.element);
      // The page's heading is an LCP candidate in both pages: when it painted compares like with like.
      if (e.element?.tagName === "H1") m.h1 = e.startTime;
    }),
  ).observe({
    type: "largest-contentful-paint",
    buffered: true,
  });
  new PerformanceObserver((l) => l.getEntries().forEach((e) => !e.hadRecentInput && (m.cls += e.value))).observe({
    type: "layout-shift",
    buffered: true,
  });
  new PerformanceObserver((l) => l.getEntries().forEach((e) => m.longTasks.push([e.startTime, e.duration]))).observe({
    type: "longtask",
    buffered: true,
  });
  new PerformanceObserver((l) =>
    l.getEntries().forEach((e) => e.name === "first-contentful-paint" && (m.fcp = e.startTime)),
  ).observe({
    type: "paint",
    buffered: true,
  });
};

async function measure(browser, url) {
  const context = await browser.newContext({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  let appRequests = 0;
  let eventRequests = 0;
  let lazyRequests = 0;
  page.on("request", (r) => {
    // The insights beacon (POST /apps/skin-scan/events, "widget_opened") is counted on its own.
    if (r.url().includes("/apps/skin-scan/events")) eventRequests++;
    else if (r.url().includes("/apps/skin-scan")) appRequests++;
    if (/\/skin-scan-[\w-]+\.js/.test(r.url())) lazyRequests++;
  });
  await page.addInitScript(OBSERVE);
  await page.goto(url, { waitUntil: "load" });
  // Quiet time after load, so deferred scripts and their long tasks are counted.
  await page.waitForTimeout(1500);
  const m = await page.evaluate(() => window.__bench);
  await context.close();
  const tbt = m.longTasks
    .filter(([start]) => start >= m.fcp)
    .reduce((sum, [, duration]) => sum + Math.max(0, duration - 50), 0);
  return { lcp: m.lcp, lcpElement: m.lcpElement, h1: m.h1, tbt, cls: m.cls, appRequests, eventRequests, lazyRequests };
}

const { server, url } = await startPreview({ ...previewConfig({}), port: 0 });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const results = { without: [], with: [] };
  await measure(browser, `${url}/?block=0`); // warm-up: the first load of a fresh browser is slower
  for (let i = 0; i < runs; i++) {
    results.without.push(await measure(browser, `${url}/?block=0`));
    results.with.push(await measure(browser, `${url}/`));
  }
  const row = (name, key, unit, digits) => {
    const a = median(results.without.map((r) => r[key]));
    const b = median(results.with.map((r) => r[key]));
    const f = (v) => `${v.toFixed(digits)}${unit}`;
    return `| ${name} | ${f(a)} | ${f(b)} | ${b - a >= 0 ? "+" : ""}${f(b - a)} |`;
  };
  console.log(`Storefront page with and without the Skin scan block: medians of ${runs} interleaved runs each,`);
  console.log("same Chromium, Lighthouse mobile throttling (4× CPU, 150 ms RTT, 1.6 Mbit/s)");
  console.log("| metric | without block | with block | difference |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(row("Largest Contentful Paint", "lcp", " ms", 0));
  console.log(row("The page's h1 painted (an LCP candidate in both)", "h1", " ms", 0));
  console.log(row("Total Blocking Time", "tbt", " ms", 0));
  console.log(row("Cumulative Layout Shift", "cls", "", 3));
  const spread = (key) => {
    const v = results.with.map((r) => r[key]);
    return `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
  };
  console.log(
    `LCP range with the block: ${spread("lcp")} ms; without: ${(() => {
      const v = results.without.map((r) => r.lcp);
      return `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
    })()} ms`,
  );
  const elements = (list) =>
    Object.entries(list.reduce((n, r) => ({ ...n, [r.lcpElement]: (n[r.lcpElement] ?? 0) + 1 }), {}))
      .map(([el, n]) => `${el} ×${n}`)
      .join(", ");
  console.log(`LCP element with the block: ${elements(results.with)}; without: ${elements(results.without)}`);
  console.log(`Requests to the app while loading: ${results.with.reduce((n, r) => n + r.appRequests, 0)}`);
  console.log(`Insights beacons while loading: ${results.with.reduce((n, r) => n + r.eventRequests, 0)}`);
  console.log(`Lazy assets fetched while loading: ${results.with.reduce((n, r) => n + r.lazyRequests, 0)}`);
} finally {
  await browser.close();
  server.close();
}
