import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../webhooks/receive.server";

// Subscribed in shopify.app.toml; the work runs in app/privacy/compliance.server.ts.
export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request, "APP_UNINSTALLED");
