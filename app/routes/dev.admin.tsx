import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { localAdminEdge, signInPreviewShop } from "../local-admin/local-admin.server";

/**
 * GET /dev/admin[?path=/app/...]: development only (LOCAL_ADMIN=true; 404 otherwise). Signs the local
 * preview shop in and opens the admin as Shopify's admin would open it (docs/admin.md, "The local admin").
 */
export const loader = ({ request }: LoaderFunctionArgs) =>
  localAdminEdge(request, async () => redirect(await signInPreviewShop(new URL(request.url).searchParams.get("path"))));
