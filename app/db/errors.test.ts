import { describe, expect, it } from "vitest";
import { isRowError } from "./errors";

const adapter = (cause: Record<string, unknown>) => ({ code: "P2010", meta: { driverAdapterError: { cause } } });

describe("isRowError: may the batch succeed without the offending row?", () => {
  it.each([
    ["Prisma: unique constraint", { code: "P2002" }],
    ["Prisma: foreign key", { code: "P2003" }],
    ["Prisma: value too long", { code: "P2000" }],
    ["raw query: unique constraint", adapter({ kind: "UniqueConstraintViolation" })],
    ["raw query: a trigger refused the row (SQLite)", adapter({ kind: "ForeignKeyConstraintViolation" })],
    ["raw query: check violation (PostgreSQL)", adapter({ kind: "postgres", code: "23514" })],
    ["raw query: invalid text (PostgreSQL)", adapter({ kind: "postgres", code: "22021" })],
    ["better-sqlite3: trigger", { code: "SQLITE_CONSTRAINT_TRIGGER" }],
    ["better-sqlite3: datatype mismatch", { code: "SQLITE_MISMATCH" }],
    ["node-postgres: unique violation", { code: "23505", severity: "ERROR" }],
  ])("%s: yes", (_name, error) => {
    expect(isRowError(error)).toBe(true);
  });

  it.each([
    ["better-sqlite3: database is locked", { code: "SQLITE_BUSY" }],
    ["better-sqlite3: disk I/O error", { code: "SQLITE_IOERR_WRITE" }],
    ["raw query: SQLite busy, as the adapter reports it", adapter({ kind: "SocketTimeout" })],
    ["raw query: server unreachable", adapter({ kind: "DatabaseNotReachable" })],
    ["node-postgres: connection refused", { code: "ECONNREFUSED" }],
    ["node-postgres: admin shutdown", { code: "57P01", severity: "FATAL" }],
    ["node-postgres: statement timeout", { code: "57014", severity: "ERROR" }],
    ["Prisma: transaction timed out", { code: "P2028" }],
    ["a bug", new TypeError("x is undefined")],
    ["nothing", undefined],
  ])("%s: no", (_name, error) => {
    expect(isRowError(error)).toBe(false);
  });
});
