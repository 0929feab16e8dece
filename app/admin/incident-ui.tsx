import {
  Badge,
  BlockStack,
  Button,
  Card,
  ChoiceList,
  FormLayout,
  InlineStack,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { DATA_KINDS, KIND_BOARD_TEXT, type DataKind } from "../incidents/kinds";
import type { Narrative } from "../incidents/incident";

/**
 * The incident form the register's "new" and detail pages share (P21). Times are entered in the
 * merchant's own time zone (datetime-local) and sent as ISO instants; the narrative fields carry the
 * rule item each one answers, so the merchant sees why it is asked.
 */
export interface IncidentFormValues {
  discoveredAt: string;
  occurredFrom: string;
  occurredTo: string;
  dataKinds: DataKind[];
  scope: "created" | "held";
  narrative: Partial<Narrative>;
}

/** An ISO instant as a datetime-local value in the browser's time zone. */
export const toLocalInput = (iso: string | null | undefined): string => {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

const fromLocalInput = (value: string): string => {
  const d = new Date(value);
  return value && !Number.isNaN(d.getTime()) ? d.toISOString() : value;
};

/**
 * The merchant's account, grouped by the document that needs it first, so it is clear what is needed
 * now (only "What happened") and what can follow as it becomes known. Each field names its rule item.
 */
const NARRATIVE_GROUPS: {
  title: string;
  intro: string;
  fields: { key: keyof Narrative; label: string; help: string; lines: number }[];
}[] = [
  {
    title: "For the Board's intimation (at once)",
    intro:
      "Only “What happened” is needed to record the incident. Add the rest as it becomes known: each document lists what it still needs.",
    fields: [
      {
        key: "summary",
        label: "What happened",
        help: "Rule 7(1)(a), 7(2)(a): the nature of the breach, in plain words. Do not name people.",
        lines: 4,
      },
      { key: "location", label: "Where it happened", help: "The system, service or place (Rule 7(2)(a)).", lines: 1 },
      {
        key: "likelyImpact",
        label: "Likely impact",
        help: "Blank drafts it from the kinds of data (Rule 7(1)(b), 7(2)(a)).",
        lines: 3,
      },
    ],
  },
  {
    title: "For the notice to affected people",
    intro: "Shown to each affected shopper in the skin-scan widget once you publish it, and in the notice documents.",
    fields: [
      {
        key: "measures",
        label: "Measures taken or being taken",
        help: "To contain it and reduce the risk (Rule 7(1)(c), 7(2)(b)(iii)).",
        lines: 3,
      },
      {
        key: "shopperSteps",
        label: "What affected people can do",
        help: "Added before the app's own advice for each kind of data (Rule 7(1)(d)).",
        lines: 2,
      },
      // Its help is written from the store's published contact: see contactHelp.
      { key: "contact", label: "Whom to contact", help: "", lines: 1 },
      {
        key: "fiduciaryName",
        label: "Data Fiduciary's legal name",
        help: "The business responsible for the data; blank uses the shop's domain.",
        lines: 1,
      },
    ],
  },
  {
    title: "For the detailed report (within 72 hours)",
    intro: "What the Board's detailed report adds to the intimation (Rule 7(2)(b)).",
    fields: [
      {
        key: "causes",
        label: "Facts, circumstances and reasons",
        help: "What led to the breach (Rule 7(2)(b)(ii)).",
        lines: 3,
      },
      {
        key: "causedBy",
        label: "Who caused it, if known",
        help: "Findings about the person responsible (Rule 7(2)(b)(iv)).",
        lines: 1,
      },
      {
        key: "recurrence",
        label: "Measures against recurrence",
        help: "What changes so it does not happen again (Rule 7(2)(b)(v)).",
        lines: 3,
      },
      {
        key: "noticesReport",
        label: "How else people were told",
        help: "E.g. e-mails sent through Shopify, and when (Rule 7(2)(b)(vi)).",
        lines: 2,
      },
    ],
  },
  {
    title: "In Hindi (optional)",
    intro:
      "For the Hindi notice. A blank field shows your English text, marked as English; a blank likely impact is drafted in Hindi.",
    fields: [
      { key: "summaryHi", label: "What happened (Hindi)", help: "", lines: 3 },
      { key: "likelyImpactHi", label: "Likely impact (Hindi)", help: "", lines: 2 },
      { key: "measuresHi", label: "Measures (Hindi)", help: "", lines: 2 },
      { key: "shopperStepsHi", label: "What affected people can do (Hindi)", help: "", lines: 2 },
    ],
  },
];
const NARRATIVE_FIELDS = NARRATIVE_GROUPS.flatMap((g) => g.fields);

/**
 * The contact field's help: blank names the store's published contact (DPDP Rule 9, the notice page) in
 * the documents and the widget's notice; without one, the notice cannot be published until one is given.
 */
const contactHelp = (storeContact: string | null) =>
  storeContact
    ? `Blank uses the store's published contact: ${storeContact} (Consent notice page). Fill in only to name someone else for this incident (Rule 7(1)(e)).`
    : "No contact is published on the Consent notice page yet: name a person who answers for the store, with a business e-mail or phone (Rule 7(1)(e)), here or there. The notice cannot be published without one.";

export function IncidentForm({
  initial,
  storeContact = null,
  errors,
  busy,
  submitLabel,
  onSubmit,
}: {
  initial: IncidentFormValues;
  /** The store's published processing contact on one line, or null. */
  storeContact?: string | null;
  errors: Record<string, string>;
  busy: boolean;
  submitLabel: string;
  onSubmit: (values: Record<string, unknown>) => void;
}) {
  const [times, setTimes] = useState({
    discoveredAt: toLocalInput(initial.discoveredAt),
    occurredFrom: toLocalInput(initial.occurredFrom),
    occurredTo: toLocalInput(initial.occurredTo),
  });
  // The browser's zone is known only after hydration (the server renders without it).
  const [zone, setZone] = useState<string | null>(null);
  useEffect(() => setZone(Intl.DateTimeFormat().resolvedOptions().timeZone ?? null), []);
  const [kinds, setKinds] = useState<string[]>(initial.dataKinds);
  const [scope, setScope] = useState<string[]>([initial.scope]);
  const [narrative, setNarrative] = useState<Record<string, string>>(
    Object.fromEntries(NARRATIVE_FIELDS.map((f) => [f.key, initial.narrative[f.key] ?? ""])),
  );
  const time = (key: keyof typeof times, label: string, help: string) => (
    <TextField
      label={label}
      type="datetime-local"
      autoComplete="off"
      value={times[key]}
      onChange={(value) => setTimes((t) => ({ ...t, [key]: value }))}
      error={errors[key]}
      helpText={help}
    />
  );
  const submit = () =>
    onSubmit({
      discoveredAt: fromLocalInput(times.discoveredAt),
      occurredFrom: fromLocalInput(times.occurredFrom),
      occurredTo: fromLocalInput(times.occurredTo),
      dataKinds: kinds,
      scope: scope[0],
      narrative,
    });
  return (
    <BlockStack gap="400">
      <Card>
        <FormLayout>
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              When
            </Text>
            <Text as="p" tone="subdued">
              {`Enter times in this browser's time zone${zone ? ` (${zone})` : ""}. The register and the documents show them in India's time (IST).`}
            </Text>
          </BlockStack>
          {time("discoveredAt", "Discovered at", "When the store became aware: the 72-hour clock starts here.")}
          <FormLayout.Group>
            {time("occurredFrom", "Occurred from", "The earliest time the breach may have begun.")}
            {time("occurredTo", "Occurred to", "When it was stopped, or now if it may still be going on.")}
          </FormLayout.Group>
          <ChoiceList
            allowMultiple
            title="Kinds of data involved"
            choices={DATA_KINDS.map((k) => ({ label: KIND_BOARD_TEXT[k].label, value: k }))}
            selected={kinds}
            onChange={setKinds}
            error={errors.dataKinds}
          />
          <ChoiceList
            title="Which records count"
            choices={[
              { label: "Records made during the window (e.g. traffic intercepted)", value: "created" },
              { label: "Every record held during the window (e.g. a copy of the database)", value: "held" },
            ]}
            selected={scope}
            onChange={setScope}
            error={errors.scope}
          />
        </FormLayout>
      </Card>
      {NARRATIVE_GROUPS.map((group) => (
        <Card key={group.title}>
          <FormLayout>
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {group.title}
              </Text>
              <Text as="p" tone="subdued">
                {group.intro}
              </Text>
            </BlockStack>
            {group.fields.map((f) => (
              <TextField
                key={f.key}
                label={f.label}
                requiredIndicator={f.key === "summary"}
                helpText={f.key === "contact" ? contactHelp(storeContact) : f.help || undefined}
                placeholder={f.key === "contact" && storeContact ? storeContact : undefined}
                autoComplete="off"
                multiline={f.lines > 1 ? f.lines : undefined}
                value={narrative[f.key] ?? ""}
                onChange={(value) => setNarrative((n) => ({ ...n, [f.key]: value }))}
                error={errors[`narrative.${f.key}`]}
              />
            ))}
          </FormLayout>
        </Card>
      ))}
      <InlineStack align="end">
        <Button variant="primary" onClick={submit} loading={busy}>
          {submitLabel}
        </Button>
      </InlineStack>
    </BlockStack>
  );
}

const IST = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Asia/Kolkata",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/**
 * A time on the register's pages: in India's time, labelled (the Rule's clock and the documents use IST).
 * A fixed zone also renders the same on the server and in the browser.
 */
export const incidentTime = (iso: string | null): string => (iso ? `${IST.format(new Date(iso))} IST` : "–");

/** The 72-hour clock as a badge: time left, overdue, or reported. */
export function ClockBadge({ clock }: { clock: { state: string; text: string } }) {
  if (clock.state === "reported") return <Badge tone="success">Reported</Badge>;
  if (clock.state === "overdue") return <Badge tone="critical">{clock.text}</Badge>;
  return <Badge tone="attention">{clock.text}</Badge>;
}
