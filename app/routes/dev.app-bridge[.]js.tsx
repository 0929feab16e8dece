import type { LoaderFunctionArgs } from "@remix-run/node";
import { localAdminEdge } from "../local-admin/local-admin.server";
import script from "../local-admin/app-bridge.js?raw";

/** GET /dev/app-bridge.js: development only. The local admin's stand-in for App Bridge's CDN script. */
export const loader = ({ request }: LoaderFunctionArgs) =>
  localAdminEdge(
    request,
    () => new Response(script, { headers: { "Content-Type": "text/javascript; charset=utf-8" } }),
  );
