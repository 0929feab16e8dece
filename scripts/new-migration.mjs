// Creates a migration offline for both engines from the change in prisma/schema.prisma:
//   npm run db:migration -- <name>
// Each engine's change is diffed against the schema snapshot saved with its previous migration:
// `--from-migrations` would need a shadow database, which Prisma's JS engine cannot drive
// offline (docs/decisions/0002).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { postgresSchema, POSTGRES_SCHEMA, PRISMA_CLI } from "./prisma-generate.mjs";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- <snake_case_name>");
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const env = { ...process.env, DATABASE_URL: "file:./data/.migration-scratch.db", CHECKPOINT_DISABLE: "1" };
mkdirSync("data", { recursive: true });
writeFileSync(POSTGRES_SCHEMA, postgresSchema());
const diff = (args) =>
  execFileSync(process.execPath, [PRISMA_CLI, "migrate", "diff", ...args, "--script"], { env, encoding: "utf8" });

const snapshots = {
  sqlite: join("prisma", "migrations", "schema.snapshot.prisma"),
  postgres: join("prisma", "migrations-postgres", "schema.snapshot.prisma"),
};
const from = (snapshot) => (existsSync(snapshot) ? ["--from-schema-datamodel", snapshot] : ["--from-empty"]);
const sqlite = diff([...from(snapshots.sqlite), "--to-schema-datamodel", "prisma/schema.prisma"]);
const postgres = diff([...from(snapshots.postgres), "--to-schema-datamodel", POSTGRES_SCHEMA]);
if (!sqlite.replace(/--.*\n/g, "").trim()) {
  console.log("prisma/schema.prisma matches the migrations: nothing to do.");
  process.exit(0);
}
for (const [dir, sql] of [
  ["prisma/migrations", sqlite],
  ["prisma/migrations-postgres", postgres],
]) {
  mkdirSync(join(dir, `${stamp}_${name}`), { recursive: true });
  writeFileSync(join(dir, `${stamp}_${name}`, "migration.sql"), sql);
}
writeFileSync(snapshots.sqlite, readFileSync("prisma/schema.prisma", "utf8"));
writeFileSync(snapshots.postgres, readFileSync(POSTGRES_SCHEMA, "utf8"));
console.log(`Created ${stamp}_${name} for SQLite and PostgreSQL; review both, then run the tests.`);
