import { describe, expect, it } from "vitest";
import {
  boardDetailed,
  boardInitial,
  escapeMarkdown,
  missingFields,
  personNotice,
  renderHtml,
  renderMarkdown,
  type AffectedSummary,
} from "./documents";
import { incidentInput, reportClock, type IncidentFacts } from "./incident";

const HOUR = 3_600_000;
const discovered = new Date("2026-11-20T04:30:00Z");

const facts = (narrative: Partial<IncidentFacts["narrative"]> = {}): IncidentFacts => ({
  reference: "INC-20261120-ABC123",
  shop: "lotus-skin.myshopify.com",
  discoveredAt: discovered,
  occurredFrom: new Date("2026-11-18T00:00:00Z"),
  occurredTo: new Date("2026-11-20T03:00:00Z"),
  dataKinds: ["scan_results", "kept_photos"],
  scope: "created",
  narrative: {
    summary: "A misconfigured backup bucket was readable without a password.",
    location: "Backup storage of the app's hosting provider (Mumbai region)",
    measures: "The bucket was closed and the backup deleted; keys were rotated.",
    causes: "A deployment script changed the bucket's access policy.",
    causedBy: "No third party identified; an internal configuration error.",
    recurrence: "Policy changes now need review; storage access is monitored.",
    contact: "Asha Rao, Grievance Officer, privacy@lotus-skin.example, +91 80 0000 0000",
    noticesReport: "Signed-in customers were e-mailed through Shopify on 21 Nov 2026.",
    ...narrative,
  },
  initialSentAt: new Date("2026-11-20T06:00:00Z"),
  reportSentAt: null,
  noticesPublishedAt: new Date("2026-11-20T07:00:00Z"),
});

const affected: AffectedSummary = {
  persons: 12,
  erased: 1,
  signedIn: 4,
  anonymous: 7,
  byKind: {
    scan_results: { persons: 12, records: 30 },
    consents: { persons: 0, records: 0 },
    kept_photos: { persons: 3, records: 5 },
    rights_requests: { persons: 0, records: 0 },
    data_exports: { persons: 0, records: 0 },
  },
  notices: { shown: 5, acknowledged: 2 },
  computedAt: "2026-11-20T05:00:00.000Z",
};

const keys = (doc: { fields: { key: string; rule: string }[] }) => doc.fields.map((f) => `${f.rule} ${f.key}`);

describe("incident documents (Rule 7)", () => {
  it("P21: the Board intimation has every item of Rule 7(2)(a): description and nature, extent, timing, location, likely impact", () => {
    const doc = boardInitial(facts(), affected, discovered);
    expect(keys(doc)).toEqual([
      "7(2)(a) description",
      "7(2)(a) extent",
      "7(2)(a) timing",
      "7(2)(a) location",
      "7(2)(a) likely_impact",
    ]);
    expect(missingFields(doc)).toEqual([]);
    const text = JSON.stringify(doc);
    expect(text).toContain("12 person(s) affected");
    expect(text).toContain("4 signed-in customer(s)");
    expect(text).toContain("A further 1 person(s)");
    expect(text).toContain("30 record(s) of 12 person(s)");
    expect(text).toContain("Mumbai region");
    // India's time for the Board, UTC beside it.
    expect(text).toContain("IST (2026-11-20 04:30 UTC)");
  });

  it("P21: the Board's documents speak of the affected people, not to them; the notice speaks to the person", () => {
    const blankImpact = facts({ likelyImpact: undefined });
    for (const doc of [
      boardInitial(blankImpact, affected, discovered),
      boardDetailed(blankImpact, affected, discovered),
    ]) {
      const text = [doc.title, ...doc.preamble, ...doc.fields.flatMap((f) => f.paragraphs)].join("\n");
      expect(text).toContain("Skin-scan results (skin-tone measurements and cosmetic indicators)");
      expect(text).toContain("Someone could learn the affected people's skin tone");
      expect(text, doc.kind).not.toMatch(/\b(you|your)\b/i);
    }
    const notice = JSON.stringify(personNotice(blankImpact, "en"));
    expect(notice).toContain("Someone could learn your skin tone");
  });

  it("P21: the detailed report has every item of Rule 7(2)(b), (i) to (vi), with the notices given so far", () => {
    const doc = boardDetailed(facts(), affected, discovered);
    expect(keys(doc).filter((k) => !k.startsWith("7(2)(b)(i) "))).toEqual([
      "7(2)(b)(ii) facts_causes",
      "7(2)(b)(iii) mitigation",
      "7(2)(b)(iv) caused_by",
      "7(2)(b)(v) recurrence",
      "7(2)(b)(vi) notices_report",
    ]);
    expect(keys(doc).filter((k) => k.startsWith("7(2)(b)(i) "))).toHaveLength(5);
    expect(missingFields(doc)).toEqual([]);
    const report = doc.fields.find((f) => f.key === "notices_report")?.paragraphs.join(" ");
    expect(report).toContain("5 person(s) have been shown it and 2 have acknowledged it");
    expect(report).toContain("e-mailed through Shopify");
    expect(doc.preamble.join(" ")).toContain("first intimated to the Board");
  });

  it("P21: what the merchant has not written yet is flagged, never invented", () => {
    const doc = boardDetailed(
      facts({ causes: undefined, causedBy: undefined, recurrence: undefined, location: undefined }),
      affected,
    );
    expect(missingFields(doc)).toEqual([
      "7(2)(b)(i) Location of occurrence",
      "7(2)(b)(ii) Broad facts: events, circumstances and reasons leading to the breach",
      "7(2)(b)(iv) Findings regarding the person who caused the breach",
      "7(2)(b)(v) Remedial measures taken to prevent recurrence",
    ]);
    expect(renderHtml(doc)).toContain("Not yet known; to be given in the detailed report.");
  });

  it.each(["en", "hi"] as const)(
    "P21: the notice to each person (%s) has every item of Rule 7(1): what, when, consequences, measures, steps, contact",
    (lang) => {
      const doc = personNotice(facts(), lang);
      expect(doc.lang).toBe(lang);
      expect(keys(doc)).toEqual([
        "7(1)(a) what_happened",
        "7(1)(b) consequences",
        "7(1)(c) measures",
        "7(1)(d) your_steps",
        "7(1)(e) contact",
      ]);
      expect(missingFields(doc)).toEqual([]);
      const text = JSON.stringify(doc);
      expect(text).toContain("privacy@lotus-skin.example");
      if (lang === "hi") {
        // Headings and the app's own advice in Hindi; the merchant's English text marked as English.
        expect(doc.fields.map((f) => f.label)).toEqual([
          "क्या हुआ, कब और कहाँ",
          "आपके लिए इसका क्या अर्थ हो सकता है",
          "हमने क्या किया है",
          "आप क्या कर सकते हैं",
          "किससे संपर्क करें",
        ]);
        expect(text).toContain("(अंग्रेज़ी में)");
        expect(text).toMatch(/तस्वीरें/);
        expect(renderHtml(doc)).toContain('<html lang="hi">');
      } else {
        expect(text).toContain("misconfigured backup bucket");
        expect(text).toContain("Photos kept for before/after tracking");
      }
    },
  );

  it("P21: a person's own notice names only the kinds of their data in the set; the merchant's Hindi text is used", () => {
    const doc = personNotice(facts({ summaryHi: "बैकअप बकेट बिना पासवर्ड के पढ़ा जा सकता था।" }), "hi", {
      scan_results: 2,
      kept_photos: 0,
    });
    const what = doc.fields[0]?.paragraphs.join(" ") ?? "";
    expect(what).toContain("बैकअप बकेट");
    expect(what).not.toContain("(अंग्रेज़ी में)");
    expect(what).toContain("त्वचा स्कैन के परिणाम");
    expect(what).not.toContain("रखी गई तस्वीरें");
  });

  it("P21: no contact person means the notice is not ready (Rule 7(1)(e))", () => {
    expect(missingFields(personNotice(facts({ contact: undefined }), "en"))).toEqual(["7(1)(e) Whom to contact"]);
  });

  it("P21: HTML and Markdown escape everything the merchant wrote", () => {
    const evil = facts({
      summary: `<script>alert(1)</script> & "quotes" [link](javascript:alert(1)) <img src=x onerror=alert(1)>`,
      location: "# Heading\n\n* list",
      fiduciaryName: "Lotus <b>Skin</b>",
    });
    const html = renderHtml(boardInitial(evil, affected));
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;");
    const md = renderMarkdown(boardInitial(evil, affected));
    expect(md).not.toMatch(/[^\\]<script/);
    expect(md).not.toContain("[link](javascript");
    expect(md).toContain("\\[link\\]\\(javascript\\:alert\\(1\\)\\)");
    expect(md).toContain("\\# Heading");
    expect(md).not.toMatch(/^# Heading/m);
    expect(escapeMarkdown("a_b*c`d")).toBe("a\\_b\\*c\\`d");
  });
});

describe("the 72-hour clock (Rule 7(2)(b))", () => {
  it.each([
    [discovered.getTime() + 30 * HOUR + 12 * 60_000, null, "open", "41 h 48 min left"],
    [discovered.getTime() + 75 * HOUR, null, "overdue", "Overdue by 3 h 0 min"],
    [
      discovered.getTime() + 100 * HOUR,
      discovered.getTime() + 52 * HOUR,
      "reported",
      "Sent 20 h 0 min before the deadline",
    ],
  ])("P21: at %s (report sent %s) the clock is %s: %s", (now, sent, state, text) => {
    const clock = reportClock(discovered, sent === null ? null : new Date(sent), new Date(now));
    expect(clock).toMatchObject({ state, text, deadline: "2026-11-23T04:30:00.000Z" });
  });
});

describe("the incident form", () => {
  const valid = {
    discoveredAt: "2026-11-20T04:30:00.000Z",
    occurredFrom: "2026-11-18T00:00:00.000Z",
    occurredTo: "2026-11-20T03:00:00.000Z",
    dataKinds: ["kept_photos", "scan_results"],
    narrative: { summary: "What happened", location: "   " },
  };

  it("P21: accepts the facts, orders the kinds and drops blank text", () => {
    const parsed = incidentInput.parse(valid);
    expect(parsed.dataKinds).toEqual(["scan_results", "kept_photos"]);
    expect(parsed.scope).toBe("created");
    expect(parsed.narrative.location).toBeUndefined();
  });

  it.each([
    [{ occurredTo: "2026-11-17T00:00:00.000Z" }, "occurredTo"],
    [{ occurredFrom: "2026-11-21T00:00:00.000Z", occurredTo: "2026-11-21T01:00:00.000Z" }, "occurredFrom"],
    [{ dataKinds: [] }, "dataKinds"],
    [{ dataKinds: ["selfies"] }, "dataKinds.0"],
    [{ discoveredAt: "not a date" }, "discoveredAt"],
    [{ narrative: { summary: "  " } }, "narrative.summary"],
    [{ scope: "everything" }, "scope"],
    // Dates JavaScript accepts that no database column holds (they were a 500), or that are slips.
    [{ occurredFrom: "-271821-04-20T00:00:00Z" }, "occurredFrom"],
    [{ occurredTo: "+275760-09-13T00:00:00Z" }, "occurredTo"],
    [{ occurredFrom: "0000-01-01T00:00:00Z" }, "occurredFrom"],
    [{ discoveredAt: "+010000-01-01T00:00:00Z" }, "discoveredAt"],
    // A window that ends in the future would count shoppers who came after it.
    [{ occurredTo: new Date(Date.now() + 86_400_000).toISOString() }, "occurredTo"],
  ])("P21: refuses %j on the field %s", (change, field) => {
    const parsed = incidentInput.safeParse({ ...valid, ...change });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toContain(field);
  });
});
