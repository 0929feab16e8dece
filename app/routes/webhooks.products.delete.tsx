import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveProductWebhook } from "../webhooks/products.server";

// Subscribed in shopify.app.toml; removes the product from the recommendation cache.
export const action = ({ request }: ActionFunctionArgs) => receiveProductWebhook(request, "PRODUCTS_DELETE");
