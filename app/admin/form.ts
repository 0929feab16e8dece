import type { ZodError } from "zod";

/**
 * Form plumbing shared by the admin's domain modules (pure): zod issues become one message per
 * field, which the page shows on that field (Polaris `error` prop), never as a page-level list.
 */
export type FieldErrors = Record<string, string>;

export function fieldErrors(error: ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.join(".") || "form";
    errors[field] ??= issue.message;
  }
  return errors;
}

/** A refused form: the route answers 400 with these messages and nothing was changed. */
export class FormError extends Error {
  override name = "FormError";
  constructor(readonly fields: FieldErrors) {
    super(`Invalid fields: ${Object.keys(fields).join(", ")}`);
  }
}

/** Browsers send "" for an empty input; a blank optional field means "not set". */
export const blankToUndefined = (value: unknown): unknown =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
