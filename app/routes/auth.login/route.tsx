import { useState } from "react";
import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { env } from "../../env.server";
import { localAdminEntry } from "../../local-admin/local-admin.server";
import { login } from "../../shopify.server";
import { loginErrorMessage } from "./error.server";
import { loginForm } from "./form.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

// login() throws a redirect into Shopify's install/auth flow when the shop domain is valid.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  // The local admin (development only) has no Shopify to log in to: an admin page opened without the
  // admin's parameters lands here, and goes back in through /dev/admin.
  const local = localAdminEntry();
  if (local && !new URL(request.url).searchParams.get("shop")) throw redirect(local);
  return { errors: loginErrorMessage(await login(request)), apiKey: env().SHOPIFY_API_KEY };
};

// A form that cannot be read is the same page with a message on the field and a 4xx, never a 500.
export const action = async ({ request }: ActionFunctionArgs) => {
  const form = await loginForm(request);
  if ("refused" in form) return json({ errors: { shop: form.refused.message } }, { status: form.refused.status });
  return json({ errors: loginErrorMessage(await login(form.request)) });
};

export default function Auth() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const { errors } = actionData ?? loaderData;

  return (
    // Outside the admin: Polaris (with its English strings) but no App Bridge script.
    <AppProvider isEmbeddedApp={false} apiKey={loaderData.apiKey}>
      <Page>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h1">
                Log in to ScanShield
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={errors.shop}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </AppProvider>
  );
}
