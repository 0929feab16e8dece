// Keeps docs/promises.md's "Proved by" lists in step with the tests that name each promise:
//   node scripts/promises-doc.mjs          rewrites the lists
//   node scripts/promises-doc.mjs --check  exits 1 (naming what differs) when the file is stale
// A test proves a promise by naming its id in its title ("P11: …", "P4/P14: …"), as the team's rule asks.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const DOC = join(root, "docs", "promises.md");
const PROMISES = 21;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : testFiles(path);
    return /\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Titles of it/test/describe calls (also their .each forms) in one file, with the promise ids they name. */
export function promiseTitles(source) {
  const title =
    /\b(?:it|test|describe)(?:\.(?:each|skip|only|concurrent)(?:\([^)]*\))?)?\(\s*(["'`])((?:(?!\1).)*)\1/gs;
  const found = [];
  for (const match of source.matchAll(title)) {
    const ids = [...match[2].matchAll(/\bP(\d{1,2})\b/g)].map((m) => Number(m[1]));
    if (ids.length) found.push({ title: match[2].replace(/\s+/g, " ").trim(), ids });
  }
  return found;
}

export function provedBy() {
  const byPromise = new Map(Array.from({ length: PROMISES }, (_, i) => [i + 1, []]));
  for (const file of testFiles(join(root, "test"))
    .concat(testFiles(join(root, "app")))
    .sort()) {
    for (const { title, ids } of promiseTitles(readFileSync(file, "utf8"))) {
      for (const id of new Set(ids))
        byPromise.get(id)?.push(`- \`${relative(root, file)}\`: ${title.replace(/\|/g, "\\|")}`);
    }
  }
  return byPromise;
}

export function render(doc, byPromise) {
  return doc.replace(/<!-- tests:P(\d+) -->[\s\S]*?<!-- \/tests -->/g, (_, id) => {
    const lines = byPromise.get(Number(id)) ?? [];
    const body = lines.length ? lines.join("\n") : "- (no test names this promise yet)";
    return `<!-- tests:P${id} -->\n${body}\n<!-- /tests -->`;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = readFileSync(DOC, "utf8");
  const next = render(doc, provedBy());
  if (process.argv.includes("--check")) {
    if (next !== doc) {
      console.error("docs/promises.md is out of date: run `node scripts/promises-doc.mjs`.");
      process.exit(1);
    }
  } else {
    writeFileSync(DOC, next);
  }
}
