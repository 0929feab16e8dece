// Bundles the standalone analysis API (app/analysis/service.main.ts) into build/analysis/api.mjs.
// Two levels below the project root, like build/server/, so the landmark worker is found at
// app/analysis/landmarks.worker.mjs from either. Packages stay external (node_modules at run time).
import { build } from "esbuild";

await build({
  entryPoints: ["app/analysis/service.main.ts"],
  outfile: "build/analysis/api.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  logLevel: "warning",
});
