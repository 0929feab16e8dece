import type { ZodError } from "zod";
import { DomainError } from "../domain-error";

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

/**
 * A refused form: 400 with one message per field (the page shows each on its field) and nothing was
 * changed. The body keeps the error shape and adds the admin pages' `{ ok: false, errors }`.
 */
export class FormError extends DomainError {
  constructor(readonly fields: FieldErrors) {
    super(400, "invalid_fields", `Check these fields: ${Object.keys(fields).join(", ")}.`);
  }

  override body() {
    return { ...super.body(), ok: false, errors: this.fields };
  }
}

/** Browsers send "" for an empty input; a blank optional field means "not set". */
export const blankToUndefined = (value: unknown): unknown =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
