// The production entry point: serves the built Remix app with Express and drives the runtime
// (migrations, background worker, key rotation) that entry.server.tsx exports from the same build.
//
//   node server.mjs                 migrate, serve HTTP, run background work (unless JOBS_IN_PROCESS=false)
//   node server.mjs --worker-only   migrate, run background work, no HTTP
//   node server.mjs --migrate-only  migrate and exit
//   node server.mjs --rotate-keys   re-encrypt stored secrets under the active key and exit
//   node server.mjs --audit-verify  check every shop's audit chain; exit 1 naming the first broken link (P21)
//   node server.mjs --seed-demo     give the local preview's shop (PREVIEW_SHOP) a demo catalogue
//                                   (and, with LOCAL_ADMIN=true, demo activity for the local admin)
//   node server.mjs --export-training  print the anonymised, opted-in results as JSON (P13)
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { setPriority } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import express from "express";
import { createHttpServer, guardRequests, lastErrorHandler, remixHandler } from "./server/http-edge.mjs";

const root = dirname(fileURLToPath(import.meta.url));
const serverBuildPath = join(root, "build", "server", "index.js");
const clientBuildPath = join(root, "build", "client");

// Operational errors with a readable message of their own: no stack trace needed (or wanted).
const EXPECTED_ERRORS = new Set(["EnvError", "MigrationError", "RotationError"]);

function fail(error) {
  if (error instanceof Error && EXPECTED_ERRORS.has(error.name)) console.error(error.message);
  else console.error("ScanShield stopped on an unexpected error:", error);
  process.exit(1);
}

function modeFrom(args) {
  const modes = [
    "--worker-only",
    "--migrate-only",
    "--rotate-keys",
    "--audit-verify",
    "--seed-demo",
    "--export-training",
  ];
  const unknown = args.filter((arg) => !modes.includes(arg));
  const chosen = args.filter((arg) => modes.includes(arg));
  if (unknown.length > 0 || chosen.length > 1) {
    console.error(`Usage: node server.mjs [${modes.join(" | ")}]`);
    process.exit(2);
  }
  return chosen[0] ?? "--serve";
}

async function loadBuild() {
  if (!existsSync(serverBuildPath)) {
    console.error(`No server build at ${serverBuildPath}: run npm run build first.`);
    process.exit(1);
  }
  // Importing the build validates the environment (app/env.server.ts) and configures Shopify.
  const build = await import(pathToFileURL(serverBuildPath).href);
  const { runtime, env, bodyLimitFor } = build.entry.module;
  if (!runtime || typeof env !== "function" || typeof bodyLimitFor !== "function") {
    throw new Error("the server build does not export runtime, env and bodyLimitFor from app/entry.server.tsx");
  }
  return { build, runtime, config: env() };
}

async function migrate(runtime) {
  const applied = await runtime.migrate();
  for (const name of Array.isArray(applied) ? applied : []) console.log(`Applied migration ${name}`);
}

function createApp(build) {
  const app = express();
  app.disable("x-powered-by");
  // Before anything else, every request: a decodable path, and a body within its route's limit
  // (server/http-edge.mjs, app/http/body-limits.ts).
  app.use(guardRequests(build.entry.module.bodyLimitFor));
  // Fingerprinted by Vite: safe to cache forever.
  app.use("/assets", express.static(join(clientBuildPath, "assets"), { immutable: true, maxAge: "1y", index: false }));
  app.use(express.static(clientBuildPath, { maxAge: "1h", index: false }));
  // P15: the socket's peer address for app/http/client-address.ts (PEER_ADDRESS_HEADER), set on every
  // request and overwriting any value a client sent under that name, which is why the app may trust it.
  app.use((req, _res, next) => {
    req.headers["x-scanshield-peer-address"] = req.socket.remoteAddress ?? "";
    next();
  });
  // The Remix build, with each body counted against its limit as it arrives.
  app.all("*", remixHandler(build));
  app.use(lastErrorHandler());
  return app;
}

function listen(app, config) {
  const timeouts = {
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
  return new Promise((resolve, reject) => {
    const server = createHttpServer(app, timeouts).listen(config.PORT, config.HOST);
    server.once("listening", () => resolve(server));
    server.once("error", reject);
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would otherwise hold close() open until they time out.
    server.closeIdleConnections();
    // A request that never finishes must not block the shutdown forever.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  });
}

/**
 * The worker that `npm start` runs for you: the same code as `--worker-only`, in a child process
 * at a lower CPU priority, so jobs never delay webhook acknowledgements or page loads on the
 * server's event loop (docs/decisions/0003-job-queue.md). Restarted if it dies.
 */
const WORKER_NICENESS = 10;

function superviseWorker(running) {
  let child;
  const start = () => {
    child = fork(fileURLToPath(import.meta.url), ["--worker-only"], { stdio: "inherit" });
    try {
      setPriority(child.pid, WORKER_NICENESS);
    } catch {
      // Not permitted on some hosts: the worker then simply shares the CPU evenly.
    }
    child.once("exit", (code, signal) => {
      if (running.stopping) return;
      console.error(`ScanShield worker exited (${signal ?? code}); restarting in 1 s`);
      setTimeout(start, 1_000);
    });
  };
  start();
  return {
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function main() {
  const mode = modeFrom(process.argv.slice(2));
  const running = { server: undefined, worker: undefined, stopping: false };

  // Registered first, so a signal during startup also ends the process cleanly.
  const shutdown = () => {
    if (running.stopping) return;
    running.stopping = true;
    const closing = running.server ? closeServer(running.server) : undefined;
    // Requests in flight finish; the worker finishes (or releases) its current job.
    Promise.all([closing, running.worker?.stop()]).then(
      () => process.exit(0),
      (error) => {
        console.error("ScanShield shutdown failed:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  const { build, runtime, config } = await loadBuild();

  if (mode === "--rotate-keys") {
    const counts = await runtime.rotateKeys();
    const entries = Object.entries(counts ?? {});
    if (entries.length === 0) console.log("Key rotation: nothing to re-encrypt.");
    for (const [kind, count] of entries) console.log(`Re-encrypted ${kind}: ${count}`);
    process.exit(0);
  }

  await migrate(runtime);
  if (mode === "--migrate-only") process.exit(0);
  if (mode === "--audit-verify") {
    // P21: one line per shop; the first broken link is named by position and event id, and fails the run.
    const results = await runtime.verifyAudit();
    for (const r of results) {
      if (r.intact) console.log(`${r.shop}: intact, ${r.events} events`);
      else {
        const id = r.broken.eventId ? ` (event ${r.broken.eventId})` : "";
        console.log(`${r.shop}: BROKEN at position ${r.broken.position}${id}: ${r.broken.reason}: ${r.broken.message}`);
      }
    }
    if (results.length === 0) console.log("Audit trail: no events yet.");
    process.exit(results.every((r) => r.intact) ? 0 : 1);
  }
  if (mode === "--seed-demo") {
    const seeded = await runtime.seedDemo();
    console.log(`Demo catalogue: ${seeded.products} products for ${seeded.shop}`);
    if (seeded.admin?.seeded) {
      console.log(`Demo admin data: ${seeded.admin.shoppers} shoppers, ${seeded.admin.scans} scans over 4 weeks`);
    } else if (seeded.admin) console.log("Demo admin data: already there");
    process.exit(0);
  }
  if (mode === "--export-training") {
    process.stdout.write(`${JSON.stringify(await runtime.exportTraining())}\n`, () => process.exit(0));
    return;
  }
  if (running.stopping) return;

  if (mode === "--serve") {
    running.server = await listen(createApp(build), config);
    const address = running.server.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    console.log(`ScanShield listening on http://${config.HOST}:${port}`);
    // The built-in engine's models load now, not on the first shopper's scan (when no analysis API is set).
    void runtime.preloadAnalysis?.();
  }

  if (running.stopping) return;
  if (mode === "--serve" && config.JOBS_IN_PROCESS) {
    running.worker = superviseWorker(running);
  } else if (mode === "--worker-only") {
    running.worker = await runtime.startBackgroundWork();
    // Started by `npm start`: if that process dies (even by SIGKILL) the worker goes with it;
    // leases hand its job to the next worker, so nothing is lost.
    if (process.send) process.on("disconnect", () => process.exit(1));
    // Runs until a signal arrives, whether or not the worker's own timers hold the event loop open.
    setInterval(() => undefined, 2 ** 30);
    console.log("ScanShield worker running");
  }
}

main().catch(fail);
