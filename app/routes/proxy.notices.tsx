import type { LoaderFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { noticesFor } from "../incidents/shopper-notices.server";
import { handleProxy, onlyMethods, requestedLocale } from "../proxy/edge.server";
import { proofFromHeaders } from "../rights/shopper.server";

/** GET /apps/skin-scan/notices?locale=xx → the breach notices for this shopper (Rule 7(1), P21). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, url, db }) => {
    const locale = requestedLocale(url);
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    const proof = proofFromHeaders(request.headers);
    return Response.json(await noticesFor(db, { shop, customerId }, proof, locale), {
      headers: { "cache-control": "no-store" },
    });
  });

export const action = onlyMethods("GET");
