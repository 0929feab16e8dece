import { isAbsolute, resolve } from "node:path";

export type DatabaseKind = "sqlite" | "postgresql";

export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  throw new Error("DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL).");
}

/** The SQLite file a `file:` URL names; relative paths are taken from the working directory. */
export function sqliteFile(url: string): string {
  const path = url.slice("file:".length).split("?")[0]!;
  if (!path) throw new Error("DATABASE_URL file: path is empty.");
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}
