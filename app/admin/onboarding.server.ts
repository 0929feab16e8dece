import { z } from "zod";
import type { Db } from "../db/client.server";
import { env } from "../env.server";
import { fieldErrors, FormError } from "./form";

/**
 * The admin home's setup checklist (issue 13): five steps, each read from the state it is about, so
 * an item is ticked when its condition is true and not when a button was pressed:
 * - the block is on the theme: the storefront made a request through the app proxy, signed by
 *   Shopify (ShopOnboarding.storefrontSeenAt, recorded by the proxy's edge; no theme scope needed);
 * - the notice was reviewed: the merchant published a version of their own (the shipped text is v1),
 *   or said the shipped text is right;
 * - the analysis provider and region were chosen: a remote API or a region is saved, or the merchant
 *   said the built-in engine is right;
 * - recommendation rules are set: the shop has rules of its own, or the merchant kept the defaults;
 * - the first scan: a scan exists (or a day's summary counted one, after retention deleted it).
 * Each item links to where it is done. Confirming a default is audited like any other setting.
 */
export const BLOCK_HANDLE = "skin-scan";
export const CHECKLIST_STEPS = ["block", "notice", "provider", "rules", "first_scan"] as const;
export type ChecklistStep = (typeof CHECKLIST_STEPS)[number];
/** The steps a merchant may complete by keeping the default, and the column that records it. */
const CONFIRMABLE = {
  notice: "noticeReviewedAt",
  provider: "providerChosenAt",
  rules: "rulesChosenAt",
} as const;
export type ConfirmableStep = keyof typeof CONFIRMABLE;

export interface ChecklistItem {
  step: ChecklistStep;
  done: boolean;
  /** When it became true, where that is known. */
  doneAt: string | null;
  /** What the merchant reads under the title: what was found, or what to do. */
  detail: string;
  /** Where it is done: an admin path, or a URL outside the app (theme editor, storefront). */
  url: string;
  external: boolean;
  /** Whether "keep the default" can complete it (the other steps can only be observed). */
  confirmable: boolean;
}

export interface Checklist {
  items: ChecklistItem[];
  done: number;
  complete: boolean;
}

/**
 * Shopify's deep link that opens the theme editor on the product template with the app block being
 * added to its main section: `addAppBlockId` is the app's API key (client id) and the block's file
 * name under extensions/skin-scan/blocks/.
 */
export function themeEditorLink(shop: string, apiKey: string): string {
  const query = new URLSearchParams({
    template: "product",
    addAppBlockId: `${apiKey}/${BLOCK_HANDLE}`,
    target: "mainSection",
  });
  return `https://${shop}/admin/themes/current/editor?${query.toString()}`;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function setupChecklist(db: Db, shop: string, apiKey = env().SHOPIFY_API_KEY): Promise<Checklist> {
  const [marks, settings, published, rule, firstScan, summarisedScan, product] = await Promise.all([
    db.shopOnboarding.findUnique({ where: { shop } }),
    db.shop.findUnique({ where: { shop }, select: { analysisApiUrl: true, analysisRegion: true } }),
    // The shipped notice is version 1; a merchant's publication is always a later version.
    db.noticeVersion.findFirst({
      where: { shop, version: { gt: 1 } },
      orderBy: { version: "asc" },
      select: { publishedAt: true },
    }),
    db.recommendationRule.findFirst({ where: { shop }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
    db.scan.findFirst({ where: { shop }, orderBy: { createdAt: "asc" }, select: { createdAt: true } }),
    db.dailyStat.findFirst({ where: { shop, scans: { gt: 0 } }, orderBy: { day: "asc" }, select: { day: true } }),
    db.product.findFirst({ where: { shop, available: true }, orderBy: { title: "asc" }, select: { handle: true } }),
  ]);
  const remote = Boolean(settings?.analysisApiUrl);
  const region = settings?.analysisRegion ?? null;
  const scanAt = firstScan?.createdAt ?? (summarisedScan ? new Date(`${summarisedScan.day}T00:00:00Z`) : null);
  const storefront = product
    ? `https://${shop}/products/${encodeURIComponent(product.handle)}`
    : `https://${shop}/collections/all`;

  const items: ChecklistItem[] = [
    {
      step: "block",
      done: Boolean(marks?.storefrontSeenAt),
      doneAt: iso(marks?.storefrontSeenAt),
      detail: marks?.storefrontSeenAt
        ? "Your storefront has reached the app: the Skin scan block is live."
        : "Open the theme editor with the Skin scan block added to your product page, then save. This ticks itself once a shopper's page loads the block.",
      url: themeEditorLink(shop, apiKey),
      external: true,
      confirmable: false,
    },
    {
      step: "notice",
      done: Boolean(published || marks?.noticeReviewedAt),
      doneAt: iso(published?.publishedAt ?? marks?.noticeReviewedAt),
      detail: published
        ? "You published a notice of your own."
        : marks?.noticeReviewedAt
          ? "You kept the shipped notice (English and Hindi)."
          : "Read the consent notice shoppers agree to, and publish your changes or keep the shipped text.",
      url: "/app/notice",
      external: false,
      confirmable: true,
    },
    {
      step: "provider",
      done: Boolean(remote || region || marks?.providerChosenAt),
      doneAt: iso(marks?.providerChosenAt),
      detail: remote
        ? `A remote analysis API is set${region ? ` (region: ${region})` : ""}.`
        : region
          ? `The built-in engine, region: ${region}.`
          : marks?.providerChosenAt
            ? "You kept the built-in engine: photos are analysed inside this app."
            : "Choose the built-in engine (photos never leave this app) or a remote analysis API and its region.",
      url: "/app/settings",
      external: false,
      confirmable: true,
    },
    {
      step: "rules",
      done: Boolean(rule || marks?.rulesChosenAt),
      doneAt: iso(rule?.createdAt ?? marks?.rulesChosenAt),
      detail: rule
        ? "Your recommendation rules are set."
        : marks?.rulesChosenAt
          ? "You kept the default rules (products tagged skin-scan:…)."
          : "Match concerns and skin tones to your products by tag, collection or metafield, or keep the defaults.",
      url: "/app/recommendations",
      external: false,
      confirmable: true,
    },
    {
      step: "first_scan",
      done: scanAt !== null,
      doneAt: iso(scanAt),
      detail: scanAt
        ? "A shopper has scanned: the figures below are filling in."
        : "Open a product page of your store and try a scan yourself.",
      url: storefront,
      external: true,
      confirmable: false,
    },
  ];
  const done = items.filter((i) => i.done).length;
  return { items, done, complete: done === items.length };
}

export const confirmInput = z.object({
  intent: z.literal("confirm-step"),
  step: z.enum(Object.keys(CONFIRMABLE) as [ConfirmableStep, ...ConfirmableStep[]], {
    message: "This step cannot be completed by keeping the default.",
  }),
});

export function parseConfirm(body: unknown): ConfirmableStep {
  const parsed = confirmInput.safeParse(body);
  if (!parsed.success) throw new FormError(fieldErrors(parsed.error));
  return parsed.data.step;
}

/** The merchant keeps the default for a step (the shipped notice, the built-in engine, the default rules). */
export async function confirmStep(db: Db, shop: string, step: ConfirmableStep, now = new Date()): Promise<void> {
  const column = CONFIRMABLE[step];
  await db.$transaction([
    db.shopOnboarding.upsert({ where: { shop }, create: { shop, [column]: now }, update: { [column]: now } }),
    db.auditEvent.create({
      data: {
        shop,
        actor: "merchant",
        action: "onboarding.confirm",
        targetType: "Shop",
        targetId: shop,
        details: JSON.stringify({ step }),
      },
    }),
  ]);
}
