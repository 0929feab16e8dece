import type { ActionFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { BODY_LIMITS } from "../http/body-limits";
import { storefrontEventInput } from "../insights/events";
import { countStorefrontEvent } from "../insights/storefront.server";
import { handleProxy, invalidFields, onlyMethods, readJsonBody } from "../proxy/edge.server";

/**
 * POST /apps/skin-scan/events {"event": "widget_opened" | "product_viewed" | "added_to_cart"} → 204.
 * Only the event's name is read and only a daily count is kept (issue 13): a body with anything else
 * in it (an id, a product, a page) is refused whole, and nothing of the shopper is stored.
 */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, network, db }) => {
    const parsed = storefrontEventInput.safeParse(await readJsonBody(request, BODY_LIMITS.proxyEvent));
    if (!parsed.success) return invalidFields("invalid_event", parsed.error.issues);
    // P15: counted per network after parsing, before the write.
    await (await rateLimits()).checkEvent({ shop, networkHint: network });
    await countStorefrontEvent(db, shop, parsed.data.event);
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  });

export const loader = onlyMethods("POST");
