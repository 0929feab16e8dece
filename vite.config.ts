import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig, type HmrOptions, type UserConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

// Build tooling, not app code: app/env.server.ts validates the runtime environment, but a build
// must not need production secrets, so only the dev-server variables `shopify app dev` sets are
// read here, and only to wire up HMR through its tunnel.
const appUrl = process.env.SHOPIFY_APP_URL ?? "http://localhost";
const host = URL.canParse(appUrl) ? new URL(appUrl).hostname : "localhost";
const frontendPort = Number.parseInt(process.env.FRONTEND_PORT ?? "", 10);

const hmr: HmrOptions =
  host === "localhost" || host === "127.0.0.1"
    ? { protocol: "ws", host: "localhost", port: 64999, clientPort: 64999 }
    : { protocol: "wss", host, port: Number.isInteger(frontendPort) ? frontendPort : 8002, clientPort: 443 };

export default defineConfig({
  server: {
    allowedHosts: [host],
    cors: { preflightContinue: true },
    port: Number.parseInt(process.env.PORT ?? "3000", 10),
    hmr,
    fs: { allow: ["app", "node_modules"] },
  },
  plugins: [
    remix({
      ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        // Off, as in Shopify's template: the library's auth redirects and 401 retries are not
        // single-fetch aware (Shopify/shopify-app-template-remix#921).
        v3_singleFetch: false,
      },
    }),
    tsconfigPaths(),
  ],
  build: { assetsInlineLimit: 0 },
  optimizeDeps: { include: ["@shopify/app-bridge-react", "@shopify/polaris"] },
}) satisfies UserConfig;
