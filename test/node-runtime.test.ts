// The runtime is Node 22 LTS (docs/decisions/0009-node-22-runtime.md): everything runs on the major .nvmrc
// names, installing prints no engine warning, and scripts/use-node.sh brings that Node where the machine's
// own `node` is another version, with node-gyp pointed at its headers.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const major = Number(readFileSync(join(root, ".nvmrc"), "utf8").trim().split(".")[0]);
const work = mkdtempSync(join(tmpdir(), "scanshield-node-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment without what an outer `npm run` exported about itself (its prefix, its node). */
function cleanEnv(path: string): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([key]) =>
      key !== "NODE" &&
      (!/^npm_/i.test(key) || /^npm_config_(registry|cache|userconfig|globalconfig|cafile)$/i.test(key)),
  );
  return { ...Object.fromEntries(kept), NODE_ENV: process.env.NODE_ENV, PATH: path };
}

/** A copy of the project's runtime files in a directory of its own, sharing the project's .cache. */
function projectCopy(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "scripts"), { recursive: true });
  for (const file of [".nvmrc", "package.json", "scripts/use-node.sh"]) copyFileSync(join(root, file), join(dir, file));
  mkdirSync(join(root, ".cache"), { recursive: true });
  symlinkSync(join(root, ".cache"), join(dir, ".cache"));
  return dir;
}

const headerMajor = (nodedir: string) =>
  Number(
    /#define NODE_MAJOR_VERSION (\d+)/.exec(readFileSync(join(nodedir, "include/node/node_version.h"), "utf8"))?.[1],
  );

describe("the Node runtime", () => {
  it("tests run on the Node major that .nvmrc pins (run them through npm test or after `source scripts/use-node.sh`)", () => {
    expect(major).toBe(22);
    expect(process.versions.node.split(".")[0]).toBe(String(major));
  });

  it("installing the lockfile on this Node prints no EBADENGINE warning, for the app or any dependency", () => {
    const dir = join(work, "install");
    mkdirSync(dir);
    copyFileSync(join(root, "package.json"), join(dir, "package.json"));
    copyFileSync(join(root, "package-lock.json"), join(dir, "package-lock.json"));
    // npm runs on this test's Node: its shebang finds the first `node` on PATH.
    const run = spawnSync(
      "npm",
      ["ci", "--dry-run", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn"],
      { cwd: dir, encoding: "utf8", env: cleanEnv(dirname(process.execPath) + delimiter + process.env.PATH) },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/added \d+ packages/);
    expect(run.stdout + run.stderr).not.toMatch(/EBADENGINE/);
  }, 120_000);

  it("scripts/use-node.sh runs a command on Node 22 when PATH's node is another version, with node-gyp pointed at Node 22's headers", () => {
    const dir = projectCopy("older-node");
    // A `node` that is Node 20 as far as the script can tell: `-v` says so, and it cannot run anything.
    const fake = join(dir, "fake-bin");
    mkdirSync(fake);
    writeFileSync(join(fake, "node"), '#!/bin/sh\n[ "$1" = -v ] && echo v20.19.0 && exit 0\nexit 1\n');
    chmodSync(join(fake, "node"), 0o755);

    const run = spawnSync(
      "bash",
      [
        join(dir, "scripts/use-node.sh"),
        "node",
        "-p",
        "JSON.stringify({ version: process.versions.node, nodedir: process.env.npm_config_nodedir })",
      ],
      // When the cache is empty the script installs node@22 with npm, which it finds on PATH.
      { encoding: "utf8", env: cleanEnv(fake + delimiter + process.env.PATH), timeout: 110_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as { version: string; nodedir: string };
    expect(seen.version.split(".")[0]).toBe(String(major));
    expect(headerMajor(seen.nodedir)).toBe(major);
    expect(run.stderr).toContain("the system's node is v20.19.0");
  }, 120_000);

  it("scripts/use-node.sh changes nothing when PATH's node already is Node 22", () => {
    const dir = projectCopy("right-node");
    const run = spawnSync(
      "bash",
      [join(dir, "scripts/use-node.sh"), "node", "-p", "process.execPath + ' ' + process.env.npm_config_nodedir"],
      {
        encoding: "utf8",
        env: { ...cleanEnv(dirname(process.execPath) + delimiter + process.env.PATH), npm_config_nodedir: "/opt/own" },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`${process.execPath} /opt/own`);
    expect(run.stderr).toBe("");
  });
});
