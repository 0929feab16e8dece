import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveSubscriptionUpdate } from "../webhooks/subscriptions.server";

// Subscribed in shopify.app.toml; the stored plan follows the shop's subscription (app/billing/).
export const action = ({ request }: ActionFunctionArgs) => receiveSubscriptionUpdate(request);
