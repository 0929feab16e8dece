import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { rateLimits } from "../abuse/rate-limits.server";
import { appKeyring } from "../crypto/keyring.server";
import { errorResponse } from "../http/responses";
import { handleProxy } from "../proxy/edge.server";
import { proofFromHeaders } from "../rights/shopper.server";
import { deleteOwnScan, readOwnScan } from "../scans/own-scans.server";

/** GET /apps/skin-scan/scans/{id}: one's own scan, with today's recommendations. */
export const loader = ({ request, params }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    // P15: every proof check counts per network, matched or not.
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    return Response.json(
      await readOwnScan(db, { shop, customerId }, proofFromHeaders(request.headers), params.id ?? ""),
      { headers: { "cache-control": "no-store" } },
    );
  });

/** DELETE /apps/skin-scan/scans/{id}: deletes the scan and any photo kept with it (P2). */
export const action = ({ request, params }: ActionFunctionArgs) =>
  handleProxy(request, async ({ shop, customerId, network, db }) => {
    if (request.method !== "DELETE") return errorResponse(405, "method_not_allowed", "Use GET or DELETE.");
    await (await rateLimits()).checkProof({ shop, networkHint: network });
    const proof = proofFromHeaders(request.headers);
    return Response.json(await deleteOwnScan(db, appKeyring(), { shop, customerId }, proof, params.id ?? ""));
  });
