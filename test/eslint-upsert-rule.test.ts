import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/**
 * eslint.config.js forbids Prisma upserts with an empty update: Prisma runs them as a read then a write in
 * one transaction, which SQLite in WAL mode fails at once with "database is locked" when another
 * connection wrote in between (test/admin/sqlite-single-statements.test.ts shows it).
 */
describe("ESLint: no upsert with an empty update", () => {
  const lint = async (code: string) => {
    const [result] = await new ESLint({ cwd: process.cwd() }).lintText(code, { filePath: "app/admin/planted.ts" });
    return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-syntax");
  };

  it("fires on a planted `update: {}`, with a message that says why", async () => {
    const messages = await lint(
      `export const f = (db: any) => db.shop.upsert({ where: { shop: "x" }, create: { shop: "x" }, update: {} });\n`,
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]?.message).toMatch(/database is locked/);
  });

  it("leaves an upsert that updates something alone", async () => {
    const messages = await lint(
      `export const f = (db: any) => db.shop.upsert({ where: { shop: "x" }, create: { shop: "x" }, update: { minimumAge: 18 } });\n`,
    );
    expect(messages).toHaveLength(0);
  });
});
