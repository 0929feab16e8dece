// The load generator for bench/webhook-latency.mjs, run as a second process so the server's
// event loop is measured alone. Open loop: requests leave on schedule whether or not earlier
// ones have returned, so a slow server shows up as latency instead of a lower request rate.
//   node bench/load-client.mjs <baseUrl> <healthz|webhook> <rps> <seconds> <secret>
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";

const [baseUrl, kind, rpsArg, secondsArg, secret] = process.argv.slice(2);
const rps = Number(rpsArg);
const total = Math.round(rps * Number(secondsArg));
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const shop = "bench-store.myshopify.com";

function once() {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let options;
    let body = null;
    if (kind === "healthz") {
      options = { method: "GET", path: "/healthz" };
    } else {
      body = JSON.stringify({
        shop_id: 1,
        shop_domain: shop,
        customer: { id: Math.floor(Math.random() * 1e9), email: "bench@example.com" },
        orders_to_redact: [],
      });
      options = {
        method: "POST",
        path: "/webhooks/customers/redact",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-shopify-topic": "customers/redact",
          "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
          "x-shopify-shop-domain": shop,
          "x-shopify-webhook-id": randomUUID(),
          "x-shopify-api-version": "2025-10",
        },
      };
    }
    const url = new URL(baseUrl);
    const req = http.request({ ...options, host: url.hostname, port: url.port, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: res.statusCode }));
    });
    req.on("error", () => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: 0 }));
    if (body) req.write(body);
    req.end();
  });
}

const results = [];
const start = performance.now();
const pending = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rps;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(once().then((r) => results.push(r)));
}
await Promise.all(pending);
agent.destroy();
const ms = results.map((r) => r.ms).sort((a, b) => a - b);
const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
const bad = results.filter((r) => r.status !== 200).length;
process.stdout.write(
  JSON.stringify({
    kind,
    requests: results.length,
    non200: bad,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: ms.at(-1),
  }) + "\n",
);
