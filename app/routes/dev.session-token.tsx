import type { LoaderFunctionArgs } from "@remix-run/node";
import { localAdminEdge, previewSessionToken } from "../local-admin/local-admin.server";

/** GET /dev/session-token: development only. A fresh session token for the local admin's App Bridge stand-in. */
export const loader = ({ request }: LoaderFunctionArgs) =>
  localAdminEdge(request, () => Response.json({ token: previewSessionToken() }));
