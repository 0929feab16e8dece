// `npm run bench`: builds the app, then prints every benchmark's figures with its same-run baseline.
//   webhook acknowledgement latency (bench/webhook-latency.mjs), and with two app processes and a worker
//   on PostgreSQL (bench/webhook-scaleout.mjs, when PostgreSQL is installed or BENCH_DATABASE_URL is set)
//   compliance erasure at 100,000 scans (bench/redact.bench.ts)
//   the local analysis engine: ms per photo, photos/s, memory (bench/analysis.bench.ts)
//   the storefront scan path against the analysis service alone (bench/proxy-path.mjs)
//   the widget's size and page impact (bench/widget-size.mjs, bench/storefront-impact.mjs)
//   the admin's dashboard and inbox loaders at a million scans (bench/admin-loaders.bench.ts)
//   the storefront widget: compressed sizes (bench/widget-size.mjs) and page impact in Chromium (bench/storefront-impact.mjs)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) =>
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, LOG_LEVEL: "silent" } });

run("npm", ["run", "--silent", "build"]);
console.log("");
run(process.execPath, ["bench/webhook-latency.mjs", "500", "10", "1"]);
console.log("");
if (process.env.BENCH_DATABASE_URL || existsSync("/usr/lib/postgresql")) {
  run(process.execPath, ["bench/webhook-scaleout.mjs", "500", "10"]);
  console.log("");
}
run(join(root, "node_modules/.bin/vite-node"), ["--config", "vitest.config.ts", "bench/redact.bench.ts", "100000"]);
console.log("");
run(join(root, "node_modules/.bin/vite-node"), ["--config", "vitest.config.ts", "bench/analysis.bench.ts"]);
console.log("");
run(process.execPath, ["bench/analysis-service-memory.mjs", "30", "20"]);
console.log("");
run(process.execPath, ["bench/widget-size.mjs"]);
console.log("");
run(process.execPath, ["bench/storefront-impact.mjs", "9"]);
console.log("");
run(process.execPath, ["bench/proxy-path.mjs", "40", "15", "60"]);
console.log("");
run(join(root, "node_modules/.bin/vite-node"), ["--config", "vitest.config.ts", "bench/admin-loaders.bench.ts"]);
