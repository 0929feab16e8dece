import type { Db } from "../db/client.server";
import { executeRaw, selectRows } from "../db/raw.server";
import { describeError, logger } from "../logger.server";
import type { StorefrontEvent } from "./events";

/**
 * What the storefront tells the app about itself, kept as counts and one timestamp (issue 13):
 * - a widget event adds one to its shop's counter for the UTC day (StorefrontEventDay), in a single
 *   statement, so nothing about the shopper, their network or the page is written anywhere;
 * - the first request the storefront makes through the app proxy (signed by Shopify, so it comes from
 *   the shop's own theme) records when the block was first seen live (ShopOnboarding), which the
 *   admin's setup checklist reads: no theme scope, no Admin API call.
 */
export async function countStorefrontEvent(db: Db, shop: string, event: StorefrontEvent, now = new Date()) {
  await executeRaw(
    db,
    `INSERT INTO "StorefrontEventDay" ("shop", "day", "event", "count") VALUES (?, ?, ?, 1)
     ON CONFLICT ("shop", "day", "event") DO UPDATE SET "count" = "StorefrontEventDay"."count" + 1`,
    shop,
    now.toISOString().slice(0, 10),
    event,
  );
}

/** Once a shop is known to be seen, it is not looked up again for this long (per process). */
const SEEN_RECHECK_MS = 10 * 60_000;
const SEEN_CACHE_MAX = 10_000;
const seen = new Map<string, number>();

/**
 * Records the first signed proxy request of a shop. Costs one indexed read per shop every ten minutes
 * per process and one write per shop ever; a failure is logged and never fails the shopper's request.
 */
export async function noteStorefrontRequest(db: Db, shop: string, now = new Date()): Promise<void> {
  const until = seen.get(shop);
  if (until !== undefined && until > now.getTime()) return;
  try {
    const [row] = await selectRows<{ seen: unknown }>(
      db,
      `SELECT "storefrontSeenAt" AS "seen" FROM "ShopOnboarding" WHERE "shop" = ?`,
      shop,
    );
    if (!row?.seen) {
      await executeRaw(
        db,
        `INSERT INTO "ShopOnboarding" ("shop", "storefrontSeenAt") VALUES (?, ?)
         ON CONFLICT ("shop") DO UPDATE SET "storefrontSeenAt" = excluded."storefrontSeenAt"
         WHERE "ShopOnboarding"."storefrontSeenAt" IS NULL`,
        shop,
        now,
      );
    }
    if (seen.size >= SEEN_CACHE_MAX) seen.clear();
    seen.set(shop, now.getTime() + SEEN_RECHECK_MS);
  } catch (error) {
    logger.warn("storefront first request not recorded", { shop, error: describeError(error) });
  }
}

/** Tests erase and reinstall shops between cases. */
export function forgetSeenShopsForTests(): void {
  seen.clear();
}
