import type { ActionFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { networkHint } from "../consent/consent.server";
import { appKeyring } from "../crypto/keyring.server";
import { handleProxy, invalidFields, onlyMethods, readJsonBody } from "../proxy/edge.server";
import { fileRequest, requestInput } from "../rights/rights.server";

/** POST /apps/skin-scan/requests → { requestId, reference, type, status, dueAt } (P9). */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, db }) => {
    const parsed = requestInput.safeParse(await readJsonBody(request));
    if (!parsed.success) return invalidFields("invalid_request", parsed.error.issues);
    // P15: a fixed 20 per network per hour; counted after parsing, before any work.
    const hint = networkHint(request.headers.get("x-forwarded-for"));
    await (await rateLimits()).checkRequest({ shop, networkHint: hint });
    return Response.json(await fileRequest(db, appKeyring(), { shop, customerId }, parsed.data), { status: 201 });
  });

export const loader = onlyMethods("POST");
