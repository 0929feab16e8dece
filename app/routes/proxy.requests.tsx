import type { ActionFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { appKeyring } from "../crypto/keyring.server";
import { handleProxy, invalidFields, onlyMethods, readJsonBody } from "../proxy/edge.server";
import { fileRequest, requestInput } from "../rights/rights.server";

/** POST /apps/skin-scan/requests → { requestId, reference, type, status, dueAt } (P9). */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    const parsed = requestInput.safeParse(await readJsonBody(request));
    if (!parsed.success) return invalidFields("invalid_request", parsed.error.issues);
    // P15: a fixed 20 per network per hour, and a proof check; counted after parsing, before any work.
    const limits = await rateLimits();
    await limits.checkProof({ shop, networkHint: network });
    await limits.checkRequest({ shop, networkHint: network });
    return Response.json(await fileRequest(db, appKeyring(), { shop, customerId }, parsed.data), { status: 201 });
  });

export const loader = onlyMethods("POST");
