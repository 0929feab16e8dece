import type { LoaderFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { handleProxy, onlyMethods } from "../proxy/edge.server";
import { proofFromHeaders } from "../rights/shopper.server";
import { ownProgress } from "../scans/progress.server";

/** GET /apps/skin-scan/progress: one's own scans over time and the changes between them that are real (P19). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    return Response.json(await ownProgress(db, { shop, customerId }, proofFromHeaders(request.headers)), {
      headers: { "cache-control": "no-store" },
    });
  });

export const action = onlyMethods("GET");
