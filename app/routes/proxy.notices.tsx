import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { rateLimits } from "../abuse/rate-limits.server";
import { errorResponse } from "../http/responses";
import { noticesFor } from "../incidents/shopper-notices.server";
import { handleProxy, onlyMethods } from "../proxy/edge.server";
import { proofFromHeaders } from "../rights/shopper.server";

const query = z.object({
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/)
    .optional(),
});

/** GET /apps/skin-scan/notices?locale=xx → the breach notices for this shopper (Rule 7(1), P21). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, url, db }) => {
    const parsed = query.safeParse({ locale: url.searchParams.get("locale") ?? undefined });
    if (!parsed.success)
      return errorResponse(400, "invalid_locale", "locale must be a language tag such as en or hi-IN.");
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    const proof = proofFromHeaders(request.headers);
    return Response.json(await noticesFor(db, { shop, customerId }, proof, parsed.data.locale), {
      headers: { "cache-control": "no-store" },
    });
  });

export const action = onlyMethods("GET");
