import { env } from "./env.server";

/**
 * Structured logs: a constant message plus a context object, one JSON line each. Callers pass
 * shop domains, ids, counts and durations only; never emails, names, IPs, tokens or image bytes.
 */
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
export type LogContext = Record<string, string | number | boolean | null | undefined>;

function write(level: Level, message: string, context: LogContext = {}): void {
  if (ORDER[level] < ORDER[env().LOG_LEVEL]) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...context });
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(`${line}\n`);
}

export const logger = {
  debug: (message: string, context?: LogContext) => write("debug", message, context),
  info: (message: string, context?: LogContext) => write("info", message, context),
  warn: (message: string, context?: LogContext) => write("warn", message, context),
  error: (message: string, context?: LogContext) => write("error", message, context),
};

/** The part of an error that is safe to log or store: its class and message, never a payload. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return "non-Error thrown";
}
