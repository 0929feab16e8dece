import { createHash } from "node:crypto";
import type { Db } from "../db/client.server";
import { isUniqueViolation } from "../db/errors";
import {
  DEFAULT_CONTACTS,
  DEFAULT_LOCALE,
  DEFAULT_NOTICES,
  MINIMUM_AGE,
  withContacts,
  type NoticeContacts,
  type NoticeContent,
} from "./default-notice";

/**
 * The consent notice a shop shows, per language and version (P7, P17). The text hash goes into
 * every consent record, so the exact words a shopper agreed to can be proven later.
 */
export interface CurrentNotice extends NoticeContent {
  id: string;
  version: number;
  locale: string;
  textHash: string;
  minimumAge: number;
  publishedAt: string;
}

/** SHA-256 of the notice as shown: locale, age and every word of sections and purposes, in order. */
export function noticeTextHash(locale: string, minimumAge: number, content: NoticeContent): string {
  const canonical = JSON.stringify({ locale, minimumAge, sections: content.sections, purposes: content.purposes });
  return createHash("sha256").update(canonical).digest("hex");
}

/** "hi-IN" → "hi"; a language the shop has no notice in falls back to English. */
export function noticeLocale(requested: string | undefined, available: readonly string[]): string {
  const base = (requested ?? "").toLowerCase().split("-")[0] ?? "";
  return available.includes(base) ? base : DEFAULT_LOCALE;
}

function toCurrent(row: {
  id: string;
  version: number;
  locale: string;
  textHash: string;
  minimumAge: number;
  publishedAt: Date;
  sections: string;
  purposes: string;
}): CurrentNotice {
  return {
    id: row.id,
    version: row.version,
    locale: row.locale,
    textHash: row.textHash,
    minimumAge: row.minimumAge,
    publishedAt: row.publishedAt.toISOString(),
    sections: JSON.parse(row.sections) as NoticeContent["sections"],
    purposes: JSON.parse(row.purposes) as NoticeContent["purposes"],
  };
}

/**
 * The newest published notice for this shop in the shopper's language. A shop that has published
 * none gets the default (version 1, English and Hindi), written on first use so its hash is on record.
 */
export async function currentNotice(db: Db, shop: string, requestedLocale?: string): Promise<CurrentNotice> {
  const published = await db.noticeVersion.findMany({
    where: { shop },
    distinct: ["locale"],
    select: { locale: true },
  });
  if (published.length === 0) await publishDefaults(db, shop);
  const locales = published.length ? published.map((p) => p.locale) : Object.keys(DEFAULT_NOTICES);
  const locale = noticeLocale(requestedLocale, locales);
  const row = await db.noticeVersion.findFirst({ where: { shop, locale }, orderBy: { version: "desc" } });
  const chosen = row ?? (await db.noticeVersion.findFirstOrThrow({ where: { shop }, orderBy: { version: "desc" } }));
  return toCurrent(chosen);
}

/** The shop's published contact and grievance answer time (DPDP Rules 9, 14); defaults before any is set. */
export async function shopContacts(db: Db, shop: string): Promise<NoticeContacts> {
  const row = await db.shop.findUnique({
    where: { shop },
    select: {
      processingContactName: true,
      processingContactEmail: true,
      processingContactPhone: true,
      grievanceAnswerDays: true,
    },
  });
  if (!row) return DEFAULT_CONTACTS;
  return {
    name: row.processingContactName,
    email: row.processingContactEmail,
    phone: row.processingContactPhone,
    answerDays: row.grievanceAnswerDays,
  };
}

async function publishDefaults(db: Db, shop: string): Promise<void> {
  const contacts = await shopContacts(db, shop);
  for (const [locale, shipped] of Object.entries(DEFAULT_NOTICES)) {
    const content = withContacts(shipped, locale, contacts);
    try {
      await db.noticeVersion.create({
        data: {
          shop,
          version: 1,
          locale,
          textHash: noticeTextHash(locale, MINIMUM_AGE, content),
          sections: JSON.stringify(content.sections),
          purposes: JSON.stringify(content.purposes),
          minimumAge: MINIMUM_AGE,
        },
      });
    } catch (error) {
      // Two first requests at once: the other one published it.
      if (!isUniqueViolation(error)) throw error;
    }
  }
}
