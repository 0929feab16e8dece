import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { appKeyring } from "../crypto/keyring.server";
import { errorResponse } from "../http/responses";
import { handleProxy } from "../proxy/edge.server";
import { eraseMe, myData } from "../rights/rights.server";
import { proofFromHeaders } from "../rights/shopper.server";

/** GET /apps/skin-scan/my-data → { summary, export } (P9 access and portability). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    return Response.json(await myData(db, appKeyring(), { shop, customerId }, proofFromHeaders(request.headers)), {
      headers: { "cache-control": "no-store" },
    });
  });

/** DELETE /apps/skin-scan/my-data: erases everything about this shopper, now (P9, P11). */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    if (request.method !== "DELETE") return errorResponse(405, "method_not_allowed", "Use GET or DELETE.");
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    return Response.json(await eraseMe(db, appKeyring(), { shop, customerId }, proofFromHeaders(request.headers)));
  });
