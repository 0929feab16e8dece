import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { env } from "./env.server";
import { onShopInstalled } from "./privacy/shop-lifecycle.server";
import { createSessionStorage } from "./shopify-session-storage.server";

/**
 * The one place Shopify is configured (as in Shopify's app template): routes import
 * `authenticate` from here and never construct clients themselves.
 */

// Keep in step with `[webhooks] api_version` in shopify.app.toml.
export const apiVersion = ApiVersion.October26;

const config = env();

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  appUrl: config.SHOPIFY_APP_URL,
  scopes: config.SCOPES.split(",").map((scope) => scope.trim()),
  apiVersion,
  authPathPrefix: "/auth",
  sessionStorage: createSessionStorage(),
  distribution: AppDistribution.AppStore,
  isEmbeddedApp: true,
  future: {
    // Shopify-managed installation + token exchange: no OAuth redirects inside the admin.
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  // Warnings and errors only: at Info and below the library logs request details.
  logger: { level: LogSeverity.Warning },
  hooks: {
    afterAuth: async ({ session }) => {
      await onShopInstalled(session.shop);
    },
  },
  ...(config.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [config.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const sessionStorage = shopify.sessionStorage;
