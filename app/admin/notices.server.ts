import { z } from "zod";
import {
  CONTACT_SECTION_KEY,
  GRIEVANCE_DAYS_MAX,
  PURPOSES,
  REQUIRED_PURPOSE,
  SECTION_KEYS,
  withContacts,
  type NoticeContacts,
  type NoticeContent,
} from "../consent/default-notice";
import { currentNotice, noticeTextHash, shopContacts, type CurrentNotice } from "../consent/notice.server";
import type { Db } from "../db/client.server";
import { isUniqueViolation } from "../db/errors";
import { auditedTransaction, recordAuditEvent } from "../privacy/audit-trail.server";
import { blankToUndefined, fieldErrors, FormError, wholeNumber } from "./form";
import { shopSettingsRow } from "./settings.server";

/**
 * The notice editor (issue 6, P7, P17). Publishing never edits a version in place: it adds the
 * next version number, so every consent record keeps pointing at the exact words it accepted, and
 * new consents are taken for the new version only. A material version also ends earlier consents
 * (the proxy then asks for fresh consent, P17); a minor one leaves them valid.
 */
export const EDITOR_LOCALES = ["en", "hi", "bn", "ta", "te", "mr", "gu", "kn", "ml", "pa", "ur", "fr", "de", "es"];

const text = (label: string, max: number) =>
  z.string().trim().min(1, `${label} cannot be empty.`).max(max, `${label} is too long (at most ${max} characters).`);

export const publishInput = z.object({
  locale: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{2,3}$/, "Choose a language."),
  sections: z
    .array(z.object({ key: z.enum(SECTION_KEYS), title: text("The heading", 120), body: text("The text", 2000) }))
    .refine(
      (sections) => SECTION_KEYS.every((key) => sections.some((s) => s.key === key)),
      "Every part of the notice is needed (who, what, why, how long, recipients, age, rights, withdrawal, complaints).",
    )
    .refine((sections) => new Set(sections.map((s) => s.key)).size === sections.length, "A part appears twice."),
  purposes: z
    .array(z.object({ key: z.enum(PURPOSES), label: text("The purpose's wording", 300), offered: z.boolean() }))
    .refine((p) => p.some((x) => x.key === REQUIRED_PURPOSE && x.offered), "Skin analysis must be offered."),
  material: z.boolean(),
});
export type PublishInput = z.infer<typeof publishInput>;

export interface NoticeHistoryEntry {
  id: string;
  version: number;
  locale: string;
  textHash: string;
  material: boolean;
  publishedAt: string;
  consents: number;
}

export interface NoticeEditorData {
  current: CurrentNotice[];
  history: NoticeHistoryEntry[];
  minimumAge: number;
  locales: string[];
  contacts: NoticeContacts;
}

export async function noticeEditorData(db: Db, shop: string): Promise<NoticeEditorData> {
  // currentNotice publishes the shipped default (v1, English and Hindi) on first use.
  await currentNotice(db, shop);
  const rows = await db.noticeVersion.findMany({
    where: { shop },
    orderBy: [{ version: "desc" }, { locale: "asc" }],
    select: { id: true, version: true, locale: true, textHash: true, material: true, publishedAt: true },
    take: 200,
  });
  const counts = await db.consentRecord.groupBy({
    by: ["noticeVersionId"],
    where: { shop, action: "grant", noticeVersionId: { in: rows.map((r) => r.id) } },
    _count: { _all: true },
  });
  const countById = new Map(counts.map((c) => [c.noticeVersionId, c._count._all]));
  const locales = [...new Set(rows.map((r) => r.locale))].sort();
  const current = await Promise.all(locales.map((locale) => currentNotice(db, shop, locale)));
  const settings = await db.shop.findUnique({ where: { shop }, select: { minimumAge: true } });
  return {
    current,
    history: rows.map((r) => ({
      ...r,
      publishedAt: r.publishedAt.toISOString(),
      consents: countById.get(r.id) ?? 0,
    })),
    minimumAge: settings?.minimumAge ?? 18,
    locales: [...new Set([...locales, ...EDITOR_LOCALES])],
    contacts: await shopContacts(db, shop),
  };
}

export function parsePublish(body: unknown): PublishInput {
  // The contact section is written from the shop's settings (saveNoticeContacts), never from the
  // editor: one the editor sends back with the rest of the text is set aside here.
  const sections = (body as { sections?: unknown } | null)?.sections;
  if (Array.isArray(sections)) {
    const editable = sections.filter((s) => (s as { key?: unknown } | null)?.key !== CONTACT_SECTION_KEY);
    body = { ...(body as object), sections: editable };
  }
  const parsed = publishInput.safeParse(body);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data;
}

/** The notice content as shoppers get it: sections in the checklist's order, offered purposes only. */
export function toContent(input: Pick<PublishInput, "sections" | "purposes">): NoticeContent {
  return {
    sections: SECTION_KEYS.map((key) => input.sections.find((s) => s.key === key)).flatMap((s) =>
      s ? [{ key: s.key, title: s.title, body: s.body }] : [],
    ),
    purposes: input.purposes
      .filter((p) => p.offered)
      .map((p) => ({ key: p.key, label: p.label, required: p.key === REQUIRED_PURPOSE })),
  };
}

/** Publishes the next version for one language; the previous versions stay on record (P17). */
export async function publishNotice(db: Db, shop: string, input: PublishInput) {
  const content = withContacts(toContent(input), input.locale, await shopContacts(db, shop));
  const settings = await shopSettingsRow(db, shop, { minimumAge: true });
  const textHash = noticeTextHash(input.locale, settings.minimumAge, content);
  const latest = await currentNotice(db, shop, input.locale);
  if (latest.locale === input.locale && latest.textHash === textHash) {
    throw new FormError({ form: "Nothing changed: this text is already the published version." });
  }
  // One number per publication across the shop's languages; two merchants publishing at once: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const top = await db.noticeVersion.findFirst({ where: { shop }, orderBy: { version: "desc" } });
    const version = (top?.version ?? 0) + 1;
    try {
      const trail = {
        shop,
        action: "notice.published" as const,
        detail: { version, locale: input.locale, material: input.material, textHash },
      };
      const [row] = (await auditedTransaction(db, trail, (tx) => [
        tx.noticeVersion.create({
          data: {
            shop,
            version,
            locale: input.locale,
            textHash,
            sections: JSON.stringify(content.sections),
            purposes: JSON.stringify(content.purposes),
            minimumAge: settings.minimumAge,
            material: input.material,
          },
        }),
        tx.auditEvent.create({
          data: {
            shop,
            actor: "merchant",
            action: "notice.publish",
            targetType: "NoticeVersion",
            details: JSON.stringify({ version, locale: input.locale, material: input.material }),
          },
        }),
      ])) as [{ id: string }];
      return { id: row.id, version, locale: input.locale, textHash };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new FormError({ form: "Someone else published at the same moment. Reload and try again." });
}

const optionalText = (max: number, message: string) =>
  z.preprocess(blankToUndefined, z.string().trim().max(max, message).optional());

/**
 * Characters that do not belong in a one-line name in a legal notice: control characters (line breaks,
 * NUL) and the bidirectional overrides that make text display in another order than it is stored.
 * The joiners Hindi and other scripts need (U+200C, U+200D) are allowed.
 */
const NOT_IN_A_NAME = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** DPDP Rules 9 and 14: the contact for processing questions and the grievance answer time. */
export const contactsInput = z
  .object({
    contactName: z
      .string({ required_error: "Enter a name or a role." })
      .trim()
      .min(1, "Enter a name or a role.")
      .max(120, "The name or role is too long (at most 120 characters).")
      .refine((v) => !NOT_IN_A_NAME.test(v), "Use one line of text: no line breaks or control characters."),
    contactEmail: optionalText(254, "The email is too long.").pipe(
      z.string().email("Enter an email address like privacy@example.com.").optional(),
    ),
    contactPhone: optionalText(30, "The phone number is too long.").pipe(
      z
        .string()
        .regex(/^\+?[0-9][0-9 ()-]{5,28}$/, "Enter a phone number with digits, spaces, ( ) or - only.")
        .optional(),
    ),
    // A number, or decimal digits; `true`, `[15]` or `0x10` are not (wholeNumber).
    grievanceAnswerDays: wholeNumber({
      min: 1,
      max: GRIEVANCE_DAYS_MAX,
      required: "Enter a number of days.",
      notNumber: "Enter a number of days.",
      notWhole: "Enter a whole number of days.",
      tooSmall: "The answer time must be at least 1 day.",
      tooLarge: `The answer time must be at most ${GRIEVANCE_DAYS_MAX} days (DPDP Rules, Rule 14).`,
    }),
  })
  .refine((c) => c.contactEmail || c.contactPhone, {
    path: ["contactEmail"],
    message: "Give an email or a phone number (or both) where questions reach this contact.",
  });
export type ContactsInput = z.infer<typeof contactsInput>;

export function parseContacts(body: unknown): ContactsInput {
  const parsed = contactsInput.safeParse(body);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data;
}

/**
 * Saves the contact and answer time and publishes them: every language the shop shows gets a new
 * version (one number for all) with the same text and its contact section rewritten (P17). Not a
 * material change: how data is processed is unchanged, so earlier consents stay valid.
 */
export async function saveNoticeContacts(db: Db, shop: string, input: ContactsInput) {
  const contacts: NoticeContacts = {
    name: input.contactName,
    email: input.contactEmail ?? null,
    phone: input.contactPhone ?? null,
    answerDays: input.grievanceAnswerDays,
  };
  const before = await shopContacts(db, shop);
  if (JSON.stringify(before) === JSON.stringify(contacts)) {
    throw new FormError({ form: "Nothing changed: these contacts are already published." });
  }
  // The shipped default (v1) is on record first, so the new version follows it.
  await currentNotice(db, shop);
  const settings = await shopSettingsRow(db, shop, { minimumAge: true });
  const published = await db.noticeVersion.findMany({
    where: { shop },
    distinct: ["locale"],
    select: { locale: true },
  });
  const latest = await Promise.all(published.map((p) => currentNotice(db, shop, p.locale)));
  for (let attempt = 0; attempt < 3; attempt++) {
    const top = await db.noticeVersion.findFirst({ where: { shop }, orderBy: { version: "desc" } });
    const version = (top?.version ?? 0) + 1;
    try {
      await db.$transaction(async (tx) => {
        // P21: both in the trail, first (the append is a write: SQLite's lock is held before anything reads).
        await recordAuditEvent(tx, {
          shop,
          action: "settings.changed",
          detail: { fields: "grievanceAnswerDays,processingContact" },
        });
        await recordAuditEvent(tx, {
          shop,
          action: "notice.published",
          detail: { version, locales: latest.map((n) => n.locale).join(","), material: false, reason: "contacts" },
        });
        await tx.shop.update({
          where: { shop },
          data: {
            processingContactName: contacts.name,
            processingContactEmail: contacts.email,
            processingContactPhone: contacts.phone,
            grievanceAnswerDays: contacts.answerDays,
          },
        });
        for (const notice of latest) {
          const content = withContacts(notice, notice.locale, contacts);
          await tx.noticeVersion.create({
            data: {
              shop,
              version,
              locale: notice.locale,
              textHash: noticeTextHash(notice.locale, settings.minimumAge, content),
              sections: JSON.stringify(content.sections),
              purposes: JSON.stringify(content.purposes),
              minimumAge: settings.minimumAge,
              material: false,
            },
          });
        }
      });
      return { version, locales: latest.map((n) => n.locale) };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new FormError({ form: "Someone else published at the same moment. Reload and try again." });
}
