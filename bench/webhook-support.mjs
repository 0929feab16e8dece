// What the webhook benches share: a fresh database per run (a SQLite file, a new database on a
// PostgreSQL server, or a private durable PostgreSQL cluster), the real server processes on 127.0.0.1,
// the load client, the queue's open jobs and a process's CPU time. Needs `npm run build` first.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SECRET = "bench-secret";

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * A private PostgreSQL cluster on 127.0.0.1 with the server's durable defaults (fsync and
 * synchronous_commit on), unlike scripts/postgres.sh's test cluster, which turns fsync off.
 */
export async function startDurablePostgres() {
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort() : [];
  const bin = versions.length ? join("/usr/lib/postgresql", versions.at(-1), "bin") : "";
  if (!bin || !existsSync(join(bin, "initdb"))) {
    throw new Error("PostgreSQL is not installed: run scripts/postgres.sh once, or set BENCH_DATABASE_URL.");
  }
  const dir = mkdtempSync(join(tmpdir(), "scanshield-bench-pg-"));
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) chownSync(dir, Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })), 0);
  const run = (cmd, args) => {
    const [file, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    const result = spawnSync(file, argv, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr}`);
  };
  const port = await freePort();
  run(join(bin, "initdb"), ["-D", join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8"]);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=100`;
  run(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-l", join(dir, "log"), "-w", "-o", options, "start"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(join(bin, "pg_ctl"), ["-D", join(dir, "data"), "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A new, empty database: a SQLite file in a temporary directory, or a new database on `postgresUrl`. */
export async function freshDatabase(postgresUrl) {
  if (!postgresUrl) {
    const dir = mkdtempSync(join(tmpdir(), "scanshield-bench-"));
    return { url: `file:${join(dir, "bench.db")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `scanshield_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export const serverEnv = (databaseUrl, extra = {}) => ({
  ...process.env,
  NODE_ENV: "development",
  HOST: "127.0.0.1",
  DATABASE_URL: databaseUrl,
  SHOPIFY_API_SECRET: SECRET,
  LOG_LEVEL: "warn",
  ...extra,
});

/** Applies the migrations once, before several processes start on the same database. */
export function migrate(databaseUrl) {
  execFileSync(process.execPath, ["server.mjs", "--migrate-only"], { cwd: root, env: serverEnv(databaseUrl) });
}

/** `node server.mjs [args]`; resolves once it listens (or, for --worker-only, once the worker runs). */
export async function startServer(databaseUrl, { args = [], env = {} } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ["server.mjs", ...args], {
    cwd: root,
    env: serverEnv(databaseUrl, { PORT: String(port), ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (d) => (output += String(d)));
  const ready = args.includes("--worker-only") ? "worker running" : "listening";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    child.stdout.on("data", (d) => {
      output += String(d);
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Runs bench/load-client.mjs in a process of its own and returns its summary. */
export function load(bases, kind, rps, seconds, { repeat = 0, idsFile } = {}) {
  const args = [join(root, "bench/load-client.mjs"), [bases].flat().join(","), kind, String(rps), String(seconds)];
  args.push(SECRET, String(repeat), ...(idsFile ? [idsFile] : []));
  return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 }));
}

/** CPU time (user + system, ms) a process has used so far; Linux only. */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
}

/** A read-only look at the database the servers write, on either engine. */
export async function inspector(databaseUrl) {
  if (databaseUrl.startsWith("file:")) {
    const sqlite = new Database(databaseUrl.slice("file:".length), { readonly: true, fileMustExist: true });
    return { query: async (sql, values = []) => sqlite.prepare(sql).all(...values), close: async () => sqlite.close() };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return { query: async (sql, values = []) => (await client.query(sql, values)).rows, close: () => client.end() };
}

/** Waits until no job is queued or running; resolves with the seconds it took (null past `limitS`). */
export async function drained(db, limitS = 600) {
  const started = performance.now();
  for (;;) {
    const [row] = await db.query(`SELECT count(*) AS n FROM "Job" WHERE "status" IN ('queued', 'running')`);
    if (Number(row.n) === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > limitS * 1000) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const fmt = (x, digits = 1) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
