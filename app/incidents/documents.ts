import { contactSection } from "../consent/default-notice";
import type { IncidentFacts } from "./incident";
import { DATA_KINDS, KIND_BOARD_TEXT, KIND_TEXT, type DataKind, type NoticeLocale } from "./kinds";

/**
 * The documents an incident needs (P21), drafted from the register and the records: the intimation to
 * the Data Protection Board (Rule 7(2)(a), at once) and its detailed report (Rule 7(2)(b), within 72
 * hours), and the notice to each affected person (Rule 7(1)) in English and Hindi. Pure: a document is
 * a list of fields, one per item the rule names, rendered to PDF-ready HTML or to Markdown with every
 * value escaped. A field the merchant has not filled in says so and is flagged `missing`.
 */
export type DocumentKind = "board-initial" | "board-detailed" | "notice";

export interface AffectedSummary {
  /** Everyone worked out as affected: signedIn + anonymous + erased. */
  persons: number;
  /** Erased since the set was worked out: no longer linked to anyone, only counted. */
  erased: number;
  /** Still in the set: signed-in Shopify customers and anonymous shoppers. */
  signedIn: number;
  anonymous: number;
  byKind: Record<DataKind, { persons: number; records: number }>;
  notices: { shown: number; acknowledged: number };
  computedAt: string | null;
}

export interface DocumentField {
  /** Stable key: which item of the rule this is (tests and the admin's checklist read it). */
  key: string;
  /** The rule's item, e.g. "7(2)(a)". */
  rule: string;
  label: string;
  paragraphs: string[];
  /** The merchant has not given what this item needs yet. */
  missing: boolean;
}

export interface IncidentDocument {
  kind: DocumentKind;
  lang: NoticeLocale;
  title: string;
  preamble: string[];
  fields: DocumentField[];
}

/** What a person's own notice can say about their records (the kinds of theirs in the set). */
export type PersonKinds = Partial<Record<DataKind, number>>;

const formatters = {
  en: new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", dateStyle: "medium", timeStyle: "short" }),
  hi: new Intl.DateTimeFormat("hi-IN", { timeZone: "Asia/Kolkata", dateStyle: "medium", timeStyle: "short" }),
};

/** A time as India reads it (IST) with UTC beside it for the record. */
export const formatTime = (date: Date, lang: NoticeLocale = "en"): string =>
  `${formatters[lang].format(date)} IST (${date.toISOString().slice(0, 16).replace("T", " ")} UTC)`;

const paragraphs = (text: string | undefined): string[] =>
  (text ?? "")
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);

const NOT_YET = {
  en: "Not yet known; to be given in the detailed report.",
  hi: "अभी ज्ञात नहीं; विस्तृत रिपोर्ट में दिया जाएगा।",
};

function field(
  key: string,
  rule: string,
  label: string,
  given: string[],
  fallback: string[] = [],
  lang: NoticeLocale = "en",
): DocumentField {
  if (given.length > 0) return { key, rule, label, paragraphs: given, missing: false };
  if (fallback.length > 0) return { key, rule, label, paragraphs: fallback, missing: false };
  return { key, rule, label, paragraphs: [NOT_YET[lang]], missing: true };
}

const fiduciary = (facts: IncidentFacts) => facts.narrative.fiduciaryName ?? facts.shop;

const timing = (facts: IncidentFacts, lang: NoticeLocale = "en"): string =>
  lang === "hi"
    ? `${formatTime(facts.occurredFrom, "hi")} से ${formatTime(facts.occurredTo, "hi")} के बीच।`
    : `Between ${formatTime(facts.occurredFrom)} and ${formatTime(facts.occurredTo)}.`;

const scopeText = (facts: IncidentFacts) =>
  facts.scope === "held"
    ? "Records counted: every record of these kinds the app held at any time in the window."
    : "Records counted: the records of these kinds made in the window.";

function extentParagraphs(facts: IncidentFacts, affected: AffectedSummary): string[] {
  const kinds = facts.dataKinds.map((k) => {
    const n = affected.byKind[k];
    return `${KIND_BOARD_TEXT[k].label}: ${n.records} record(s) of ${n.persons} person(s).`;
  });
  return [
    `${affected.persons} person(s) affected, worked out from the app's records${affected.computedAt ? ` on ${formatTime(new Date(affected.computedAt))}` : ""}: ${affected.signedIn} signed-in customer(s) of the store and ${affected.anonymous} anonymous shopper(s).`,
    scopeText(facts),
    ...kinds,
    ...(affected.erased > 0
      ? [
          `A further ${affected.erased} person(s) in the set have since had their data erased: counted here, no longer identifiable.`,
        ]
      : []),
  ];
}

/** The merchant's words, else drafted from the kinds: to the person in a notice, of the people for the Board. */
function likelyImpact(
  facts: IncidentFacts,
  lang: NoticeLocale,
  kinds: DataKind[],
  reader: "person" | "board",
): string[] {
  const given =
    lang === "hi" ? (facts.narrative.likelyImpactHi ?? facts.narrative.likelyImpact) : facts.narrative.likelyImpact;
  if (given) return paragraphs(given);
  return kinds.map((k) => (reader === "board" ? KIND_BOARD_TEXT[k].impact : KIND_TEXT[lang][k].consequence));
}

function header(facts: IncidentFacts, now: Date): string[] {
  return [
    `Data Fiduciary: ${fiduciary(facts)} (Shopify store ${facts.shop}).`,
    `Incident reference: ${facts.reference}. Prepared on ${formatTime(now)} from the records of ScanShield, the skin-scan app that processes this data on the Data Fiduciary's behalf.`,
    `Became aware of the breach: ${formatTime(facts.discoveredAt)}.`,
  ];
}

function initialFields(facts: IncidentFacts, affected: AffectedSummary): DocumentField[] {
  const n = facts.narrative;
  return [
    field("description", "7(2)(a)", "Description of the breach and its nature", paragraphs(n.summary)),
    field("extent", "7(2)(a)", "Extent", [
      "Kinds of personal data: " + facts.dataKinds.map((k) => KIND_BOARD_TEXT[k].label).join("; ") + ".",
      ...extentParagraphs(facts, affected),
    ]),
    field("timing", "7(2)(a)", "Timing of occurrence", [
      `Occurred ${timing(facts).replace(/^Between/, "between")}`,
      `Became aware: ${formatTime(facts.discoveredAt)}.`,
    ]),
    field("location", "7(2)(a)", "Location of occurrence", paragraphs(n.location)),
    field("likely_impact", "7(2)(a)", "Likely impact", likelyImpact(facts, "en", facts.dataKinds, "board")),
  ];
}

/** Rule 7(2)(a): the intimation to the Board without delay. */
export function boardInitial(facts: IncidentFacts, affected: AffectedSummary, now = new Date()): IncidentDocument {
  return {
    kind: "board-initial",
    lang: "en",
    title: `Intimation of personal data breach to the Data Protection Board of India (Rule 7(2)(a)) — ${facts.reference}`,
    preamble: header(facts, now),
    fields: initialFields(facts, affected),
  };
}

function noticesReport(facts: IncidentFacts, affected: AffectedSummary): string[] {
  const published = facts.noticesPublishedAt
    ? `The notice of Rule 7(1) was published to the affected shoppers in the store's skin-scan widget on ${formatTime(facts.noticesPublishedAt)}, in English and Hindi. ${affected.notices.shown} person(s) have been shown it and ${affected.notices.acknowledged} have acknowledged it so far.`
    : "The notice of Rule 7(1) has not yet been published to the affected shoppers.";
  return [
    published,
    `${affected.signedIn} signed-in customer(s) are listed for the Data Fiduciary to inform through their store account or registered contact details; ${affected.anonymous} anonymous shopper(s) can be reached only through the widget, on their next visit with the same browser.`,
    ...paragraphs(facts.narrative.noticesReport),
  ];
}

/** Rule 7(2)(b): the detailed report within 72 hours, every item the rule names. */
export function boardDetailed(facts: IncidentFacts, affected: AffectedSummary, now = new Date()): IncidentDocument {
  const n = facts.narrative;
  const initial = initialFields(facts, affected).map((f) => ({ ...f, rule: "7(2)(b)(i)" }));
  return {
    kind: "board-detailed",
    lang: "en",
    title: `Detailed report of personal data breach to the Data Protection Board of India (Rule 7(2)(b)) — ${facts.reference}`,
    preamble: [
      ...header(facts, now),
      facts.initialSentAt
        ? `The breach was first intimated to the Board on ${formatTime(facts.initialSentAt)}. This report updates that description.`
        : "This report gives the updated and detailed description of the breach.",
    ],
    fields: [
      ...initial,
      field(
        "facts_causes",
        "7(2)(b)(ii)",
        "Broad facts: events, circumstances and reasons leading to the breach",
        paragraphs(n.causes),
      ),
      field("mitigation", "7(2)(b)(iii)", "Measures implemented or proposed to mitigate risk", paragraphs(n.measures)),
      field("caused_by", "7(2)(b)(iv)", "Findings regarding the person who caused the breach", paragraphs(n.causedBy)),
      field("recurrence", "7(2)(b)(v)", "Remedial measures taken to prevent recurrence", paragraphs(n.recurrence)),
      field(
        "notices_report",
        "7(2)(b)(vi)",
        "Report on the intimations given to affected Data Principals",
        noticesReport(facts, affected),
      ),
    ],
  };
}

const NOTICE_TEXT = {
  en: {
    title: (facts: IncidentFacts) => `Notice of a personal data breach from ${fiduciary(facts)}`,
    preamble: (facts: IncidentFacts) => [
      `We are writing to tell you about a personal data breach that affected data about you held for the skin scan in ${fiduciary(facts)}'s store. Reference: ${facts.reference}.`,
    ],
    what: "What happened, when and where",
    yourData: "Your data involved: ",
    where: "Where: ",
    consequences: "What this may mean for you",
    measures: "What we have done",
    steps: "What you can do",
    contact: "Whom to contact",
    inEnglish: "",
  },
  hi: {
    title: (facts: IncidentFacts) => `${fiduciary(facts)} की ओर से व्यक्तिगत डेटा उल्लंघन की सूचना`,
    preamble: (facts: IncidentFacts) => [
      `हम आपको एक व्यक्तिगत डेटा उल्लंघन के बारे में बता रहे हैं, जिससे ${fiduciary(facts)} के स्टोर में स्किन स्कैन के लिए रखा गया आपका डेटा प्रभावित हुआ। संदर्भ: ${facts.reference}।`,
    ],
    what: "क्या हुआ, कब और कहाँ",
    yourData: "आपका प्रभावित डेटा: ",
    where: "कहाँ: ",
    consequences: "आपके लिए इसका क्या अर्थ हो सकता है",
    measures: "हमने क्या किया है",
    steps: "आप क्या कर सकते हैं",
    contact: "किससे संपर्क करें",
    inEnglish: " (अंग्रेज़ी में)",
  },
};

const MEASURES_PENDING = {
  en: "We are investigating and will tell you what we have done.",
  hi: "हम जाँच कर रहे हैं और आपको बताएँगे कि हमने क्या किया है।",
};

/** In Hindi, the merchant's Hindi text, else their English text marked as such. */
function localText(lang: NoticeLocale, en: string | undefined, hi: string | undefined): string[] {
  if (lang === "hi" && hi) return paragraphs(hi);
  if (lang === "hi" && en) return paragraphs(en).map((p, i) => (i === 0 ? `${p}${NOTICE_TEXT.hi.inEnglish}` : p));
  return paragraphs(en);
}

/**
 * Rule 7(1): the notice to one affected person, in their language. `own` narrows the data described to
 * that person's records (the widget's notice); without it the notice covers every kind in the incident.
 */
export function personNotice(facts: IncidentFacts, lang: NoticeLocale, own?: PersonKinds): IncidentDocument {
  const n = facts.narrative;
  const t = NOTICE_TEXT[lang];
  const kinds: DataKind[] = own
    ? DATA_KINDS.filter((k) => facts.dataKinds.includes(k) && (own[k] ?? 0) > 0)
    : facts.dataKinds;
  const described = kinds.length > 0 ? kinds : facts.dataKinds;
  return {
    kind: "notice",
    lang,
    title: t.title(facts),
    preamble: t.preamble(facts),
    fields: [
      field(
        "what_happened",
        "7(1)(a)",
        t.what,
        [
          ...localText(lang, n.summary, n.summaryHi),
          timing(facts, lang),
          ...(n.location ? [`${t.where}${n.location}`] : []),
          t.yourData + described.map((k) => KIND_TEXT[lang][k].label).join("; ") + (lang === "hi" ? "।" : "."),
        ],
        [],
        lang,
      ),
      field("consequences", "7(1)(b)", t.consequences, likelyImpact(facts, lang, described, "person"), [], lang),
      field(
        "measures",
        "7(1)(c)",
        t.measures,
        localText(lang, n.measures, n.measuresHi),
        [MEASURES_PENDING[lang]],
        lang,
      ),
      field(
        "your_steps",
        "7(1)(d)",
        t.steps,
        [...localText(lang, n.shopperSteps, n.shopperStepsHi), ...described.map((k) => KIND_TEXT[lang][k].step)],
        [],
        lang,
      ),
      // The incident's own contact, else the store's published one (Rule 9), in the notice's language.
      field(
        "contact",
        "7(1)(e)",
        t.contact,
        paragraphs(n.contact),
        facts.storeContact ? [contactSection(lang, facts.storeContact).body] : [],
        lang,
      ),
    ],
  };
}

/** Which items of a document still need the merchant's words. */
export const missingFields = (doc: IncidentDocument): string[] =>
  doc.fields.filter((f) => f.missing).map((f) => `${f.rule} ${f.label}`);

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** Every ASCII punctuation character escaped (CommonMark allows it for all of them): no markup, links or HTML survive. */
export const escapeMarkdown = (text: string): string =>
  text.replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`).replace(/\r?\n/g, "  \n");

/** A whole, printable HTML page (A4): open it in a browser and print to PDF. */
export function renderHtml(doc: IncidentDocument): string {
  const body = doc.fields
    .map(
      (f) =>
        `<section${f.missing ? ' class="missing"' : ""}>\n<h2><span class="rule">${escapeHtml(f.rule)}</span> ${escapeHtml(f.label)}</h2>\n${f.paragraphs
          .map((p) => `<p>${escapeHtml(p)}</p>`)
          .join("\n")}\n</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="${doc.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Sans", "Noto Sans Devanagari", Arial, sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; }
h2 { font-size: 1.05rem; margin-top: 1.4rem; break-after: avoid; }
.rule { color: #555; font-weight: normal; }
section { break-inside: avoid; }
.missing p { color: #8e1f0b; font-style: italic; }
</style>
</head>
<body>
<h1>${escapeHtml(doc.title)}</h1>
${doc.preamble.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${body}
</body>
</html>
`;
}

export function renderMarkdown(doc: IncidentDocument): string {
  const lines = [`# ${escapeMarkdown(doc.title)}`, "", ...doc.preamble.flatMap((p) => [escapeMarkdown(p), ""])];
  for (const f of doc.fields) {
    lines.push(`## ${escapeMarkdown(`${f.rule} ${f.label}`)}`, "");
    for (const p of f.paragraphs) lines.push(f.missing ? `_${escapeMarkdown(p)}_` : escapeMarkdown(p), "");
  }
  return lines.join("\n");
}
