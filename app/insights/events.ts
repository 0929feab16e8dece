/**
 * The rules of the merchant's insights (issue 13), free of any store: which storefront events the
 * widget may report, how small a group is too small to show, and what the merchant can do about the
 * reasons photos are refused. Pure, so the admin's pages and their server modules share it.
 */
import { z } from "zod";

/** What the widget reports through POST /proxy/events; the other funnel steps come from the records. */
export const STOREFRONT_EVENTS = ["widget_opened", "product_viewed", "added_to_cart"] as const;
export type StorefrontEvent = (typeof STOREFRONT_EVENTS)[number];

/**
 * The whole body of an event: one known name and nothing else. `.strict()` refuses any other key,
 * so an id, a subject, a URL or a product cannot ride along and be stored by mistake.
 */
export const storefrontEventInput = z.object({ event: z.enum(STOREFRONT_EVENTS) }).strict();

/** A bucket (a funnel step, a tone group, a concern, a refusal reason) shows only with this many shoppers. */
export const MIN_SHOPPERS = 10;

/**
 * One bucket over a period, from its daily figures: `n` records, `shoppers` distinct that day and
 * `newShoppers` first seen that day. A shopper seen on several days counts once per day, so the sum
 * of `shoppers` can overstate the people; the largest single day and the sum of first-seen shoppers
 * (each person is first seen on one day only) can only understate them. The bucket is shown when
 * that lower bound reaches MIN_SHOPPERS, so at least ten different people are always behind it.
 */
export interface BucketDay {
  n: number;
  shoppers: number;
  newShoppers: number;
}

export function certainShoppers(days: readonly BucketDay[]): number {
  let most = 0;
  let firstSeen = 0;
  for (const d of days) {
    most = Math.max(most, d.shoppers);
    firstSeen += d.newShoppers;
  }
  return Math.max(most, firstSeen);
}

/** A figure the dashboard may show, or null when fewer than MIN_SHOPPERS are certainly behind it. */
export function shownCount(count: number, certain: number): number | null {
  return certain >= MIN_SHOPPERS ? count : null;
}

/** Quality refusal reasons (app/analysis/quality.ts) and what the merchant can do about each. */
export const REFUSAL_ADVICE: Record<string, { label: string; advice: string }> = {
  too_dark: {
    label: "Too dark",
    advice:
      "Most refused photos were too dark: suggest daylight in the block's “Photo tip” setting (theme editor), e.g. “Stand facing a window in daylight.”",
  },
  too_bright: {
    label: "Too bright",
    advice: "Most refused photos were too bright: suggest stepping out of direct sun or away from a bare lamp.",
  },
  uneven_light: {
    label: "Uneven light",
    advice:
      "Most refused photos had one side of the face in shadow: suggest facing the light, with the window in front rather than to one side.",
  },
  move_closer: {
    label: "Too far away",
    advice:
      "Most refused photos were taken from too far: suggest holding the phone at arm's length, face filling the frame.",
  },
  face_camera: {
    label: "Not facing the camera",
    advice: "Most refused photos were turned away: suggest looking straight into the camera.",
  },
  no_face: {
    label: "No face found",
    advice:
      "Most refused photos had no face in them: say in the block's “Photo tip” setting (theme editor) that the scan needs a selfie of the whole face.",
  },
  multiple_faces: {
    label: "More than one face",
    advice: "Most refused photos had more than one face: suggest one person per photo.",
  },
  face_unclear: {
    label: "Face not clear",
    advice: "Most refused photos were not sharp: suggest holding still in good light and wiping the camera lens.",
  },
  face_obscured: {
    label: "Face covered",
    advice:
      "Most refused photos had the face partly covered: suggest taking off glasses and a mask and moving hair aside.",
  },
  unspecified: {
    label: "Other",
    advice:
      "Most refused photos came back without a reason: if a remote analysis API is set in Settings, ask its vendor what it refuses.",
  },
};

/** Refusals by reason, largest first, each with its label; the advice goes with the largest reason shown. */
export interface RefusalRow {
  reason: string;
  label: string;
  refusals: number | null;
  shoppers: number | null;
}

/**
 * What to tell the merchant: the reason behind the most refusals, when it is shown and is at least a
 * third of the refusals shown (otherwise no one fix would help most shoppers), with its advice.
 */
export function refusalAdvice(rows: readonly RefusalRow[]): { reason: string; advice: string; share: number } | null {
  const shown = rows.filter((r): r is RefusalRow & { refusals: number } => r.refusals !== null);
  const total = shown.reduce((n, r) => n + r.refusals, 0);
  const top = [...shown].sort((a, b) => b.refusals - a.refusals)[0];
  if (!top || total === 0 || top.refusals / total < 1 / 3) return null;
  const advice = REFUSAL_ADVICE[top.reason]?.advice ?? REFUSAL_ADVICE.unspecified!.advice;
  return { reason: top.reason, advice, share: top.refusals / total };
}
