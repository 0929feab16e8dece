import { applySubscriptionUpdate, readShopFacts } from "../billing/plan.server";
import { database } from "../db.server";
import { logger } from "../logger.server";
import { fromAdminClient } from "../recommendations/catalogue-sync.server";
import { webhookEdge } from "./receive.server";

/**
 * app_subscriptions/update (P20): Shopify says a subscription to one of the app's plans changed
 * (chosen, upgraded, cancelled, frozen…). The stored plan follows, so the scan path never asks
 * Shopify. Applying a change is idempotent, and an older change never overwrites a newer one, so a
 * redelivery does no harm. A payload about another shop than the delivery's is refused (400).
 */
export const receiveSubscriptionUpdate = (request: Request): Promise<Response> =>
  webhookEdge(request, "APP_SUBSCRIPTIONS_UPDATE", async (context) => {
    const { client: db } = await database();
    const admin = context.admin;
    const outcome = await applySubscriptionUpdate(
      db,
      context.shop,
      context.payload,
      admin ? () => readShopFacts(fromAdminClient(admin)) : undefined,
    );
    logger.info("subscription webhook", { shop: context.shop, outcome });
    return new Response(null, { status: 200 });
  });
