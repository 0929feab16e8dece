import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { localBounce } from "../local-admin/local-admin.server";
import { authenticate } from "../shopify.server";

// Shopify's auth flow (session-token bounce, exit-iframe) lives under /auth; the library answers it.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  // The local admin (development only) answers the bounce itself, with a token App Bridge would fetch.
  const bounced = localBounce(request);
  if (bounced) throw redirect(bounced);
  await authenticate.admin(request);
  return null;
};
