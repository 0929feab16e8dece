import type { LoaderFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { appKeyring } from "../crypto/keyring.server";
import { handleProxy, onlyMethods } from "../proxy/edge.server";
import { proofFromHeaders } from "../rights/shopper.server";
import { ownPhoto } from "../scans/progress.server";

/**
 * GET /apps/skin-scan/scans/{id}/photo: the photo kept with one's own scan (P2, P19), for that
 * shopper alone; 404 for anyone else, and once its delete-after date has passed. Never cached.
 */
export const loader = ({ request, params }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    const proof = proofFromHeaders(request.headers);
    const photo = await ownPhoto(db, appKeyring(), { shop, customerId }, proof, params.id ?? "");
    return new Response(new Uint8Array(photo.bytes), {
      headers: {
        "content-type": photo.mimeType,
        "content-length": String(photo.bytes.byteLength),
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
        "content-disposition": "inline",
      },
    });
  });

export const action = onlyMethods("GET");
