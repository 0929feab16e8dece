import { z, type ZodError } from "zod";
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

/** What a whole-number field accepts, and what it says on the field otherwise. */
export interface WholeNumberField {
  min: number;
  max: number;
  /** Blank or missing. */
  required?: string;
  /** Not a number at all: `true`, `[15]`, `"0x10"`, `"1e2"`, `"+5"`, `"15 days"`. */
  notNumber?: string;
  /** A number with a fraction: `7.5`, `"7.5"`, `"15.0"`. */
  notWhole?: string;
  tooSmall?: string;
  tooLarge?: string;
}

const DECIMAL_INTEGER = /^-?\d+$/;
const DECIMAL_FRACTION = /^-?(\d+\.\d*|\.\d+)$/;

/**
 * A whole number as an admin form sends it (text) or a JSON client does (a number), and nothing else:
 * only plain decimal digits (a leading "-" where the range allows it), never what `Number()` or
 * `z.coerce` would also turn into a number (`true` → 1, `[15]` → 15, `"0x10"` → 16, `"1e2"` → 100,
 * `""` → 0). Each refusal is one message on the field (FormError via `fieldErrors`). The one helper
 * every admin form and query parameter uses for numbers.
 */
export const wholeNumber = (field: WholeNumberField) =>
  z.unknown().transform((raw, ctx): number => parseWholeNumber(raw, ctx, field) ?? z.NEVER);

/** The same, where blank or missing means "not set" (undefined). */
export const optionalWholeNumber = (field: WholeNumberField) =>
  z.unknown().transform((raw, ctx): number | undefined => parseWholeNumber(raw, ctx, { ...field, required: null }));

function parseWholeNumber(
  raw: unknown,
  ctx: z.RefinementCtx,
  field: Omit<WholeNumberField, "required"> & { required?: string | null },
): number | undefined {
  const refuse = (message: string) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  const notNumber = field.notNumber ?? "Enter a whole number.";
  const value = blankToUndefined(raw);
  if (value === undefined || value === null) {
    return field.required === null ? undefined : refuse(field.required ?? "Enter a number.");
  }
  let n: number;
  if (typeof value === "number" && Number.isFinite(value)) n = value;
  else if (typeof value === "string" && DECIMAL_INTEGER.test(value.trim())) n = Number(value.trim());
  else if (typeof value === "string" && DECIMAL_FRACTION.test(value.trim())) return refuse(field.notWhole ?? notNumber);
  else return refuse(notNumber);
  if (!Number.isInteger(n)) return refuse(field.notWhole ?? notNumber);
  if (n < field.min) return refuse(field.tooSmall ?? `Enter ${field.min} or more.`);
  if (n > field.max) return refuse(field.tooLarge ?? `Enter ${field.max} or less.`);
  return n;
}
