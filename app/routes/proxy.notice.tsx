import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { scansPaused } from "../billing/quota.server";
import { currentNotice } from "../consent/notice.server";
import { errorResponse } from "../http/responses";
import { handleProxy, onlyMethods } from "../proxy/edge.server";

// BCP 47-ish: "en", "hi", "hi-IN", "zh-Hant-TW". Anything else is refused, not guessed at.
const query = z.object({
  locale: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/)
    .optional(),
});

/**
 * GET /apps/skin-scan/notice?locale=xx → the shop's current consent notice in that language, and
 * whether new scans are paused at the shop's allowance (P20), so the widget says so before consent.
 */
export const loader = ({ request }: LoaderFunctionArgs) =>
  handleProxy(request, async ({ shop, url, db }) => {
    const parsed = query.safeParse({ locale: url.searchParams.get("locale") ?? undefined });
    if (!parsed.success)
      return errorResponse(400, "invalid_locale", "locale must be a language tag such as en or hi-IN.");
    const notice = await currentNotice(db, shop, parsed.data.locale);
    // Not part of the notice's text or hash: what the consent proves is unchanged (P7).
    const paused = await scansPaused(db, shop);
    return Response.json({ ...notice, scansPaused: paused }, { headers: { "cache-control": "no-store" } });
  });

export const action = onlyMethods("GET");
