// Decode bombs (issue 10, item 1): what one hostile upload costs the process that receives it, before
// and after the header checks. Each file goes through `normaliseImage` (what a scan does with the
// photo) in a fresh child process, so its wall time, CPU time (every libvips thread included) and the
// rise of the kernel's peak-RSS mark are that file's alone.
//   before: app/analysis/image.server.ts as it was at BEFORE_REV (default: the commit before the
//           header checks), taken from git into .cache/ (gitignored)
//   after:  app/analysis/image.server.ts as it is now
// Files: the two bombs (a 127 KB progressive JPEG of a flat 3000 × 3000 picture in 2,647 scans;
// a 233 KB 16-bit interlaced PNG of 6320 × 6320) and, as the same-run baseline, a real photo and its
// progressive re-encoding (a face-api demo photo, read from node_modules, never copied); then eight at
// once in one process, of a 12 MP photo (what the decode slots cost normal traffic) and of the PNG bomb
// (what they spare the process). Bounded: one run per row and implementation, about a minute in all.
// Add `big` for the 6320 × 6320 scan bomb (~45 s more before the change).
//   npx vite-node --config vitest.config.ts bench/decode-bombs.bench.ts [big]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { interlacedPngBomb, progressiveJpegBomb } from "../test/support/decode-bombs.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(root, ".cache", "decode-bombs-bench");
const BEFORE_REV = process.env.BEFORE_REV ?? "33701c1^";

const peakMb = () => {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

if (process.argv[2] === "child") {
  // One decode, measured; the module is imported and sharp warmed up first so neither is counted.
  const [, , , modulePath, file, copies = "1"] = process.argv;
  const { normaliseImage } = (await import(modulePath!)) as typeof import("../app/analysis/image.server");
  await normaliseImage(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: "#888" } })
      .png()
      .toBuffer(),
  );
  const bytes = readFileSync(file!);
  const basePeak = peakMb();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: Number(copies) }, () =>
      normaliseImage(bytes).then(
        (out) => `decoded ${out.width}×${out.height}`,
        (error: { code?: string; status?: number }) => `${error.status ?? "?"} ${error.code ?? String(error)}`,
      ),
    ),
  );
  const outcome = [...new Set(outcomes)].join(" / ");
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({ outcome, ms, cpuMs: (used.user + used.system) / 1000, addedPeakMb: peakMb() - basePeak }),
  );
  process.exit(0);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const beforeModule = join(work, "image-before.server.ts");
writeFileSync(beforeModule, execFileSync("git", ["show", `${BEFORE_REV}:app/analysis/image.server.ts`], { cwd: root }));
const afterModule = join(root, "app", "analysis", "image.server.ts");

const require = createRequire(import.meta.url);
const photo = readFileSync(join(dirname(require.resolve("@vladmandic/face-api/package.json")), "demo", "sample2.jpg"));
const twelve = await sharp(photo).resize(4000, 3000, { fit: "cover" }).jpeg({ quality: 92 }).toBuffer();
const pngBomb = await interlacedPngBomb({ width: 6320, height: 6320 });
// [name, bytes, how many at once in the one process]
const files: [string, Buffer, number][] = [
  ["photo, baseline (1920 × 1367)", photo, 1],
  ["photo, progressive (sharp, 10 scans)", await sharp(photo).jpeg({ quality: 90, progressive: true }).toBuffer(), 1],
  ["12 MP photo × 8 at once", twelve, 8],
  ["scan bomb, 3000 × 3000", progressiveJpegBomb({ width: 3000, height: 3000 }), 1],
  ["16-bit interlaced PNG, 6320 × 6320", pngBomb, 1],
  ["16-bit interlaced PNG × 8 at once", pngBomb, 8],
];
if (process.argv.includes("big"))
  files.push(["scan bomb, 6320 × 6320", progressiveJpegBomb({ width: 6320, height: 6320 }), 1]);

const viteNode = join(root, "node_modules", ".bin", "vite-node");
const self = fileURLToPath(import.meta.url);
console.log(`decode bombs: normaliseImage, each row in a fresh process (before = ${BEFORE_REV})`);
console.log(
  "file".padEnd(40) +
    "size".padStart(8) +
    "  " +
    "before: answer, wall, CPU, +peak RSS".padEnd(52) +
    "after: answer, wall, CPU, +peak RSS",
);
for (const [name, bytes, copies] of files) {
  const file = join(work, `${name.replace(/\W+/g, "-")}.bin`);
  writeFileSync(file, bytes);
  const cells = [beforeModule, afterModule].map((module) => {
    const run = spawnSync(viteNode, ["--config", "vitest.config.ts", self, "child", module, file, String(copies)], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, LOG_LEVEL: "silent" },
      timeout: 120_000,
    });
    const line = run.stdout.trim().split("\n").at(-1) ?? "";
    if (!line.startsWith("{")) return `failed: ${run.stderr.trim().split("\n").at(-1) ?? run.status}`;
    const r = JSON.parse(line) as { outcome: string; ms: number; cpuMs: number; addedPeakMb: number };
    return `${r.outcome}, ${r.ms.toFixed(1)} ms, ${r.cpuMs.toFixed(0)} ms, +${r.addedPeakMb.toFixed(0)} MB`;
  });
  console.log(
    name.padEnd(40) + `${(bytes.length / 1024).toFixed(0)} KB`.padStart(8) + "  " + cells[0]!.padEnd(52) + cells[1],
  );
}
rmSync(work, { recursive: true, force: true });
