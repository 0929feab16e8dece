import type { ActionFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { acknowledgeNotice } from "../incidents/shopper-notices.server";
import { handleProxy, onlyMethods, readJsonBody } from "../proxy/edge.server";
import { proofFromHeaders } from "../rights/shopper.server";

/** POST /apps/skin-scan/notices/{id}/ack → { acknowledged: true }: "I have read this" (Rule 7(1), P21). */
export const action = ({ request, params }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    // A JSON body (may be {}): a plain form on another site cannot send this type (415).
    await readJsonBody(request);
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    const proof = proofFromHeaders(request.headers);
    return Response.json(await acknowledgeNotice(db, { shop, customerId }, proof, params.id ?? ""));
  });

export const loader = onlyMethods("POST");
