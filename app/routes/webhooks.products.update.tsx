import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveProductWebhook } from "../webhooks/products.server";

// Subscribed in shopify.app.toml; refreshes the product in the recommendation cache.
export const action = ({ request }: ActionFunctionArgs) => receiveProductWebhook(request, "PRODUCTS_UPDATE");
