import type { ActionFunctionArgs } from "@remix-run/node";
import { providerForShop } from "../analysis/shop-provider.server";
import { ImageTooLargeError, MAX_IMAGE_BYTES } from "../analysis/image.server";
import { withinScanQuota } from "../billing/quota.server";
import { appKeyring } from "../crypto/keyring.server";
import { errorResponse, readBodyLimited } from "../http/responses";
import { handleProxy, onlyMethods } from "../proxy/edge.server";
import { runScan } from "../scans/scan.server";

/** POST /apps/skin-scan/scans: the photo as the body, the scan token in X-Scan-Token. */
export const action = ({ request }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, network, db }) => {
    if (request.method !== "POST") return errorResponse(405, "method_not_allowed", "Use POST.");
    const token = request.headers.get("x-scan-token");
    if (!token) return errorResponse(401, "token_missing", "A scan token from a consent is required.");
    // P20: at the monthly allowance the scan pauses (402) before the photo is read.
    const outcome = await withinScanQuota(db, shop, async () => {
      const bytes = await readBodyLimited(request, MAX_IMAGE_BYTES, (limit) => new ImageTooLargeError(limit));
      const keyring = appKeyring();
      return runScan(db, await providerForShop(db, keyring, shop), keyring, {
        shop,
        token,
        bytes,
        networkHint: network,
      });
    });
    return Response.json(outcome, { status: 201 });
  });

export const loader = onlyMethods("POST");
