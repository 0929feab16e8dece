import type { ActionFunctionArgs } from "@remix-run/node";
import { providerForShop } from "../analysis/shop-provider.server";
import { ImageInputError, MAX_IMAGE_BYTES } from "../analysis/image.server";
import { RemoteAnalysisError } from "../analysis/remote-provider.server";
import { networkHint } from "../consent/consent.server";
import { appKeyring } from "../crypto/keyring.server";
import { BodyTooLargeError, errorResponse, readBodyLimited } from "../http/responses";
import { domainErrorResponse, handleProxy, onlyMethods } from "../proxy/edge.server";
import { runScan } from "../scans/scan.server";

/** POST /apps/skin-scan/scans: the photo as the body, the scan token in X-Scan-Token. */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, db }) => {
    if (request.method !== "POST") return errorResponse(405, "method_not_allowed", "Use POST.");
    const token = request.headers.get("x-scan-token");
    if (!token) return errorResponse(401, "token_missing", "A scan token from a consent is required.");
    try {
      const bytes = await readBodyLimited(request, MAX_IMAGE_BYTES);
      const keyring = appKeyring();
      const hint = networkHint(request.headers.get("x-forwarded-for"));
      const outcome = await runScan(db, await providerForShop(db, keyring, shop), keyring, {
        shop,
        token,
        bytes,
        networkHint: hint,
      });
      return Response.json(outcome, { status: 201 });
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return errorResponse(413, "image_too_large", "Photos are limited to 5 MB.");
      if (error instanceof ImageInputError) return errorResponse(error.status, error.code, error.message);
      // The vendor is down or misbehaving: not our bug. Retry-After only when waiting can help.
      if (error instanceof RemoteAnalysisError) {
        const wait = error.retryAfterSeconds;
        return wait === undefined
          ? errorResponse(503, "analysis_unavailable", "The skin analysis is unavailable at the moment.")
          : errorResponse(503, "analysis_unavailable", "The skin analysis is unavailable; please try again.", {
              "retry-after": String(wait),
            });
      }
      return domainErrorResponse(error);
    }
  });

export const loader = onlyMethods("POST");
