/**
 * What the database said, read the same way on both engines. Pure: domain modules use it without
 * depending on the job queue or a client.
 */

/** A unique-constraint failure, from a model query (P2002) or a raw one (P2010, as the driver adapter reports it). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } };
  if (code === "P2002") return true;
  return code === "P2010" && meta?.driverAdapterError?.cause?.kind === "UniqueConstraintViolation";
}

/** Prisma's codes for a refusal caused by one row's values (too long, unique, foreign key, constraint, null, range). */
const ROW_ERROR_CODES = new Set(["P2000", "P2002", "P2003", "P2004", "P2011", "P2020"]);
/** The same, as the driver adapters report them under a raw query's P2010. */
const ROW_ERROR_KINDS = new Set([
  "UniqueConstraintViolation",
  "NullConstraintViolation",
  "ForeignKeyConstraintViolation",
  "LengthMismatch",
  "ValueOutOfRange",
]);

/**
 * True when the database refused a write because of the rows it was given (a constraint, a trigger, a
 * value it cannot store), as opposed to being unavailable (locked, unreachable, timed out): only then
 * can a batch succeed without the offending row (app/db/group-commit.ts). Reads Prisma's errors and the
 * drivers' own.
 */
export function isRowError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, meta } = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } };
  };
  if (typeof code === "string" && ROW_ERROR_CODES.has(code)) return true;
  // Straight from the drivers (app/db/hot-writer.server.ts): better-sqlite3's codes, PostgreSQL's SQLSTATE.
  if (typeof code === "string" && /^(SQLITE_CONSTRAINT|SQLITE_MISMATCH|SQLITE_TOOBIG|2[23][0-9A-Z]{3}$)/.test(code)) {
    return true;
  }
  const cause = meta?.driverAdapterError?.cause;
  if (typeof cause?.kind === "string" && ROW_ERROR_KINDS.has(cause.kind)) return true;
  // PostgreSQL's SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation).
  return cause?.kind === "postgres" && /^2[23]/.test(String(cause.code));
}
