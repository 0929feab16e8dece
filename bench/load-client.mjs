// The load generator for the webhook benches, run as a process of its own so the server's event loop
// is measured alone. Open loop: requests leave on schedule whether or not earlier ones have returned,
// so a slow server shows up as latency instead of a lower request rate. Bounded: rps × seconds
// requests (plus the repeats), 127.0.0.1 only.
//   node bench/load-client.mjs <baseUrl[,baseUrl…]> <healthz|webhook> <rps> <seconds> <secret> [repeat=0] [idsFile]
// Several base URLs: requests go round-robin, as a load balancer in front of several instances would.
// repeat (0–1): that share of webhooks is delivered a second time, same webhook id, to the next
// instance 50 ms later, as Shopify does when it is unsure a delivery arrived. idsFile: every webhook
// id acknowledged with 200 is written there, one per line, for an exactly-once check.
import { createHmac, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";

const [basesArg, kind, rpsArg, secondsArg, secret, repeatArg = "0", idsFile] = process.argv.slice(2);
const bases = basesArg.split(",").map((b) => new URL(b));
for (const base of bases) {
  if (base.hostname !== "127.0.0.1") throw new Error("the load client only targets 127.0.0.1");
}
const rps = Number(rpsArg);
const total = Math.round(rps * Number(secondsArg));
const repeat = Number(repeatArg);
if (!(rps > 0 && rps <= 5_000 && total > 0 && total <= 200_000 && repeat >= 0 && repeat <= 1)) {
  throw new Error("rps must be in (0, 5000], rps × seconds at most 200,000, repeat in [0, 1]");
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const shop = "bench-store.myshopify.com";
const TIMEOUT_MS = 30_000;

function webhook(webhookId) {
  const body = JSON.stringify({
    shop_id: 1,
    shop_domain: shop,
    customer: { id: Math.floor(Math.random() * 1e9), email: "bench@example.com" },
    orders_to_redact: [],
  });
  return {
    body,
    options: {
      method: "POST",
      path: "/webhooks/customers/redact",
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-shopify-topic": "customers/redact",
        "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
        "x-shopify-shop-domain": shop,
        "x-shopify-webhook-id": webhookId,
        "x-shopify-api-version": "2025-10",
      },
    },
  };
}

function send(base, request) {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    const req = http.request(
      { ...request.options, host: base.hostname, port: base.port, agent, timeout: TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ ms: elapsed(), status: res.statusCode, at: performance.now() }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ ms: elapsed(), status: 0, at: performance.now() }));
    if (request.body) req.write(request.body);
    req.end();
  });
}

const cpuAtStart = process.cpuUsage();
const results = [];
const repeats = [];
const acknowledged = new Set();
const lags = [];
const pending = [];
const start = performance.now();
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rps;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  lags.push(Math.max(0, performance.now() - due));
  const base = bases[i % bases.length];
  if (kind === "healthz") {
    pending.push(send(base, { options: { method: "GET", path: "/healthz" } }).then((r) => results.push(r)));
    continue;
  }
  const id = randomUUID();
  const request = webhook(id);
  pending.push(
    send(base, request).then((r) => {
      results.push(r);
      if (r.status === 200) acknowledged.add(id);
    }),
  );
  if (Math.random() < repeat) {
    const other = bases[(i + 1) % bases.length];
    pending.push(
      new Promise((r) => setTimeout(r, 50))
        .then(() => send(other, request))
        .then((r) => {
          repeats.push(r);
          if (r.status === 200) acknowledged.add(id);
        }),
    );
  }
}
await Promise.all(pending);
agent.destroy();
if (idsFile) writeFileSync(idsFile, [...acknowledged].join("\n"));

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const ms = sorted(results.map((r) => r.ms));
const lag = sorted(lags);
const last = Math.max(...results.map((r) => r.at));
process.stdout.write(
  JSON.stringify({
    kind,
    requests: results.length,
    non200: results.filter((r) => r.status !== 200).length,
    p50: q(ms, 0.5),
    p90: q(ms, 0.9),
    p99: q(ms, 0.99),
    max: ms.at(-1),
    // Answers per second from the first request sent to the last answer received.
    achievedRps: (results.length / (last - start)) * 1000,
    // How late the client itself sent (a starved client understates the load it meant to offer).
    sendLagP99: q(lag, 0.99),
    sendLagMax: lag.at(-1),
    // The client's own CPU per request: it shares the two cores with the server.
    clientCpuPerRequest: (({ user, system }) => (user + system) / 1000 / results.length)(process.cpuUsage(cpuAtStart)),
    repeats: repeats.length,
    repeatsNon200: repeats.filter((r) => r.status !== 200).length,
    acknowledged: acknowledged.size,
  }) + "\n",
);
