import type { ActionFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { withdrawConsent, withdrawInput } from "../consent/consent.server";
import { errorResponse } from "../http/responses";
import { handleProxy, onlyMethods, readJsonBody } from "../proxy/edge.server";

/** POST /apps/skin-scan/consents/{id}/withdraw → { withdrawn, imagesDeleted } (P8). */
export const action = ({ request, params }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    const parsed = withdrawInput.safeParse(await readJsonBody(request));
    if (!parsed.success)
      return errorResponse(
        400,
        "invalid_request",
        "subjectId (22–64 letters, digits, - or _) identifies an anonymous shopper; receipt is optional.",
      );
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    return Response.json(await withdrawConsent(db, { shop, customerId }, params.id ?? "", parsed.data));
  });

export const loader = onlyMethods("POST");
