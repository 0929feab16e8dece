import { z } from "zod";
import type { NoticeContacts } from "../consent/default-notice";
import { dataKindsSchema, SCOPES, type DataKind, type Scope } from "./kinds";

/**
 * An incident as the merchant records it (P21, DPDP Rules 2025, Rule 7), and the clock to the Board's
 * detailed report. Pure: the register validates with these schemas, the documents read the same shape.
 */
export const REPORT_HOURS = 72;
const HOUR = 3_600_000;

/** An optional text; blank (or only spaces) is "not given". */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    .optional()
    .transform((v) => v || undefined);

/**
 * The merchant's own account of the event: what the documents need that the app's records cannot know.
 * Free text for the Board and the notices, so it must not name people (the page says so).
 */
export const narrativeSchema = z.object({
  /** Rule 7(1)(a), 7(2)(a): what happened, the nature of the breach. */
  summary: z.string({ required_error: "Say what happened." }).trim().min(1, "Say what happened.").max(4000),
  summaryHi: text(4000),
  /** Where it happened: the system, the vendor, the place. */
  location: text(1000),
  /** Likely impact; blank drafts it from the kinds of data. */
  likelyImpact: text(4000),
  likelyImpactHi: text(4000),
  /** Mitigation implemented or being implemented (7(1)(c), 7(2)(b)(iii)). */
  measures: text(4000),
  measuresHi: text(4000),
  /** The broad facts, circumstances and reasons (7(2)(b)(ii)). */
  causes: text(4000),
  /** Findings about the person who caused it (7(2)(b)(iv)). */
  causedBy: text(1000),
  /** Remedial measures against recurrence (7(2)(b)(v)). */
  recurrence: text(4000),
  /** What the affected person can do; blank drafts it from the kinds of data (7(1)(d)). */
  shopperSteps: text(4000),
  shopperStepsHi: text(4000),
  /** Business contact of a person who answers on the Data Fiduciary's behalf (7(1)(e)). */
  contact: text(500),
  /** The Data Fiduciary's legal name (the store's owner); the shop domain when blank. */
  fiduciaryName: text(200),
  /** How else the affected people were told (e.g. e-mail through Shopify on a date), for 7(2)(b)(vi). */
  noticesReport: text(4000),
});
export type Narrative = z.infer<typeof narrativeSchema>;

/**
 * The times an incident can have: from 2000 (before any record this app keeps) to a few minutes from
 * now (clocks differ). Outside it a date is a typing slip, and years such as -271821 or 275760 (which
 * JavaScript accepts) cannot even be stored: they were a 500.
 */
const EARLIEST = new Date("2000-01-01T00:00:00Z");
const CLOCK_SLACK_MS = 5 * 60_000;

const when = (label: string, future = `${label} is in the future.`) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? new Date(v) : v instanceof Date ? v : undefined),
    z
      .date({ required_error: `${label} is required.`, invalid_type_error: `${label} is not a date.` })
      .min(EARLIEST, `${label} must be in 2000 or later.`)
      .refine((d) => d.getTime() <= Date.now() + CLOCK_SLACK_MS, future),
  );

/** A recorded incident's facts: times, kinds, scope and the narrative. */
export const incidentInput = z
  .object({
    discoveredAt: when("Discovered at"),
    occurredFrom: when("Occurred from"),
    // A window reaching into the future would count shoppers who came after the breach was stopped.
    occurredTo: when("Occurred to", "Occurred to is in the future: give now if it may still be going on."),
    dataKinds: z.preprocess(
      (v) => (typeof v === "string" ? v.split(",").filter(Boolean) : v),
      dataKindsSchema as unknown as z.ZodType<DataKind[]>,
    ),
    scope: z.enum(SCOPES).default("created"),
    narrative: narrativeSchema,
  })
  .superRefine((v, ctx) => {
    if (Number.isNaN(v.discoveredAt.getTime()))
      ctx.addIssue({ code: "custom", path: ["discoveredAt"], message: "Discovered at is not a date." });
    if (Number.isNaN(v.occurredFrom.getTime()))
      ctx.addIssue({ code: "custom", path: ["occurredFrom"], message: "Occurred from is not a date." });
    if (Number.isNaN(v.occurredTo.getTime()))
      ctx.addIssue({ code: "custom", path: ["occurredTo"], message: "Occurred to is not a date." });
    if (v.occurredTo < v.occurredFrom)
      ctx.addIssue({ code: "custom", path: ["occurredTo"], message: "The window ends before it starts." });
    if (v.occurredFrom > v.discoveredAt)
      ctx.addIssue({
        code: "custom",
        path: ["occurredFrom"],
        message: "The breach cannot start after it was discovered.",
      });
  });
export type IncidentInput = z.infer<typeof incidentInput>;

export interface IncidentFacts {
  reference: string;
  shop: string;
  discoveredAt: Date;
  occurredFrom: Date;
  occurredTo: Date;
  dataKinds: DataKind[];
  scope: Scope;
  narrative: Narrative;
  initialSentAt: Date | null;
  reportSentAt: Date | null;
  noticesPublishedAt: Date | null;
  /**
   * The store's published processing contact (DPDP Rule 9, the notice page), or null when none is
   * published: whom the notice names (Rule 7(1)(e)) when the incident names no one of its own.
   */
  storeContact?: NoticeContacts | null;
}

/** The shop's contact settings as a contact, or null when they name no one (only the answer time is set). */
export const publishedContact = (contacts: NoticeContacts): NoticeContacts | null =>
  contacts.name || contacts.email || contacts.phone ? contacts : null;

/** The contact on one line, as the form shows it: "Asha Rao, privacy@example.com, +91 80 4000 1234". */
export const contactLine = (contacts: NoticeContacts): string =>
  [contacts.name, contacts.email, contacts.phone].filter(Boolean).join(", ");

export interface ReportClock {
  deadline: string;
  /** reported: the detailed report was marked sent; open: time left; overdue: past the deadline. */
  state: "reported" | "open" | "overdue";
  /** Milliseconds left (negative when overdue); for a sent report, how long before (+) or after (−) the deadline. */
  marginMs: number;
  /** "41 h 12 min left", "Overdue by 3 h 5 min", "Sent 20 h 0 min before the deadline". */
  text: string;
}

/** Whole hours and minutes: the rule counts hours. */
const span = (ms: number) => {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/** The 72-hour clock of Rule 7(2)(b): it runs from when the shop became aware of the breach. */
export function reportClock(discoveredAt: Date, reportSentAt: Date | null, now = new Date()): ReportClock {
  const deadline = new Date(discoveredAt.getTime() + REPORT_HOURS * HOUR);
  if (reportSentAt) {
    const margin = deadline.getTime() - reportSentAt.getTime();
    return {
      deadline: deadline.toISOString(),
      state: "reported",
      marginMs: margin,
      text: margin >= 0 ? `Sent ${span(margin)} before the deadline` : `Sent ${span(margin)} after the deadline`,
    };
  }
  const left = deadline.getTime() - now.getTime();
  return {
    deadline: deadline.toISOString(),
    state: left >= 0 ? "open" : "overdue",
    marginMs: left,
    text: left >= 0 ? `${span(left)} left` : `Overdue by ${span(left)}`,
  };
}
