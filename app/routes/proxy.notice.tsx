import type { LoaderFunctionArgs } from "@remix-run/node";
import { scansPaused } from "../billing/quota.server";
import { currentNotice } from "../consent/notice.server";
import { handleProxy, onlyMethods, requestedLocale } from "../proxy/edge.server";

/**
 * GET /apps/skin-scan/notice?locale=xx → the shop's current consent notice in that language, and
 * whether new scans are paused at the shop's allowance (P20), so the widget says so before consent.
 */
export const loader = ({ request }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, url, db }) => {
    const notice = await currentNotice(db, shop, requestedLocale(url));
    // Not part of the notice's text or hash: what the consent proves is unchanged (P7).
    const paused = await scansPaused(db, shop);
    return Response.json({ ...notice, scansPaused: paused }, { headers: { "cache-control": "no-store" } });
  });

export const action = onlyMethods("GET");
