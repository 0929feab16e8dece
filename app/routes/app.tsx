import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useKeyboardScrollableTables } from "../admin/ui";
import { env } from "../env.server";
import { appBridgeScript } from "../local-admin/local-admin.server";
import { authenticate } from "../shopify.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

export const meta: MetaFunction = () => [{ title: "ScanShield" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  // The API key is public (App Bridge needs it in the page); the secret never leaves the server.
  // App Bridge comes from Shopify's CDN, except in the local admin (development only), which has its stand-in.
  return { apiKey: env().SHOPIFY_API_KEY, appBridgeUrl: appBridgeScript() };
};

export default function App() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  useKeyboardScrollableTables();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} __APP_BRIDGE_URL={appBridgeUrl}>
      <NavMenu>
        <Link to="/app" rel="home">
          Dashboard
        </Link>
        <Link to="/app/requests">Rights requests</Link>
        <Link to="/app/consents">Proof of consent</Link>
        <Link to="/app/incidents">Incidents</Link>
        <Link to="/app/notice">Consent notice</Link>
        <Link to="/app/recommendations">Recommendations</Link>
        <Link to="/app/settings">Settings</Link>
        <Link to="/app/plan">Plan</Link>
      </NavMenu>
      {/* The admin page is the iframe document's main content (Polaris's Frame is not used when embedded). */}
      <main>
        <Outlet />
      </main>
    </AppProvider>
  );
}

// Shopify needs its own error and header handling so that auth redirects escape the admin iframe.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
