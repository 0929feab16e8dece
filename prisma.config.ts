import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// Prisma's native engines cannot be downloaded here, so the CLI runs on its JS engine with a
// driver adapter (docs/decisions/0002-prisma-6-offline.md). Only `generate` and
// `migrate diff` are used; migrations are applied by scripts/migrate.mjs.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  async adapter() {
    return new PrismaBetterSQLite3({ url: process.env.DATABASE_URL ?? "file:./data/scanshield.db" });
  },
});
