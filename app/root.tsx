import type { LinksFunction } from "@remix-run/node";
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError } from "@remix-run/react";

export const links: LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "preconnect", href: "https://cdn.shopify.com/" },
  { rel: "stylesheet", href: "https://cdn.shopify.com/static/fonts/inter/v4/styles.css" },
];

export default function App() {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

/**
 * A page outside the admin that cannot be shown (no such page, a method it does not take): a plain
 * page with the status. Remix's default boundary would also log every such request with a stack.
 * The admin has its own boundary (routes/app.tsx); the APIs answer in their error shape.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const title =
    status === 404 ? "Page not found" : status < 500 ? "This request could not be handled" : "Something went wrong";
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>{`${title} · ScanShield`}</title>
        <Meta />
        <Links />
      </head>
      <body>
        <main
          style={{
            fontFamily: "Inter, system-ui, sans-serif",
            maxWidth: "36rem",
            margin: "4rem auto",
            padding: "0 1rem",
          }}
        >
          <h1>{title}</h1>
          <p>Error {status}.</p>
        </main>
        <Scripts />
      </body>
    </html>
  );
}
