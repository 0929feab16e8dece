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
