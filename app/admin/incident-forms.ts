import { z } from "zod";
import { incidentInput, type IncidentInput } from "../incidents/incident";
import { INCIDENT_STEPS, type IncidentStep } from "../incidents/register.server";
import { fieldErrors, FormError } from "./form";

/**
 * The incident register's forms (P21): the facts (new or changed) and the one-click steps. A refused
 * form is a 400 with one message per field, which the page shows on that field; nothing is changed.
 */
export function parseIncidentForm(body: Record<string, unknown>): IncidentInput {
  const parsed = incidentInput.safeParse(body);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data;
}

const stepForm = z.object({ intent: z.literal("step"), step: z.enum(INCIDENT_STEPS) });

/** The detail page posts either `{ intent: "update", …facts }` or `{ intent: "step", step }`. */
export function parseIncidentAction(
  body: Record<string, unknown>,
): { intent: "update"; input: IncidentInput } | { intent: "step"; step: IncidentStep } {
  if (body.intent === "update") return { intent: "update", input: parseIncidentForm(body) };
  const parsed = stepForm.safeParse(body);
  if (!parsed.success) throw new FormError({ form: "Choose what to do: update the facts or take a step." });
  return parsed.data;
}
