import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form } from "@remix-run/react";
import { localAdminEntry } from "../../local-admin/local-admin.server";

export const meta: MetaFunction = () => [{ title: "ScanShield" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  // Shopify opens the app URL with ?shop=…&host=…: send those visits into the embedded app.
  const url = new URL(request.url);
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  // The local admin (development only): 127.0.0.1:3000 opens the admin of the preview shop.
  const local = localAdminEntry();
  if (local) throw redirect(local);
  return null;
};

const page = { fontFamily: "Inter, system-ui, sans-serif", maxWidth: "36rem", margin: "4rem auto", padding: "0 1rem" };

export default function Landing() {
  return (
    <main style={page}>
      <h1>ScanShield</h1>
      <p>
        Privacy-first skin scans for Shopify skincare stores: photos are analysed and discarded by default, every
        consent is recorded against the notice the shopper saw, and data requests are carried out, not just logged.
      </p>
      <Form method="post" action="/auth/login">
        <label htmlFor="shop">Shop domain</label>
        <div style={{ display: "flex", gap: "0.5rem", marginTop: "0.25rem" }}>
          <input id="shop" type="text" name="shop" placeholder="example.myshopify.com" autoComplete="on" required />
          <button type="submit">Log in</button>
        </div>
      </Form>
    </main>
  );
}
