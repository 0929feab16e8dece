import type { ActionFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { consentInput, grantConsent } from "../consent/consent.server";
import { handleProxy, invalidFields, onlyMethods, readJsonBody } from "../proxy/edge.server";

/** POST /apps/skin-scan/consents → { consentId, receipt, scanToken, scanTokenExpiresAt }. */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    const parsed = consentInput.safeParse(await readJsonBody(request));
    if (!parsed.success) return invalidFields("invalid_consent", parsed.error.issues);
    // P15: after parsing, so malformed bodies cost no write; before any consent work.
    await (await rateLimits()).checkConsent({ shop, networkHint: network });
    return Response.json(await grantConsent(db, { shop, customerId }, parsed.data, network), { status: 201 });
  });

export const loader = onlyMethods("POST");
