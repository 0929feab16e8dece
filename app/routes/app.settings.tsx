import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  BlockStack,
  Button,
  Card,
  ChoiceList,
  FormLayout,
  Layout,
  Page,
  Text,
  TextField,
  InlineError,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { adminAction, adminContext, readActionBody } from "../admin/edge.server";
import { getSettings, parseSettings, saveSettings, type SettingsView } from "../admin/settings.server";
import { Loading, useToast } from "../admin/ui";

/** GET/POST /app/settings: retention, age, rate limits, analysis provider (issue 6). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, db } = await adminContext(request);
  return { settings: await getSettings(db, shop) };
};

export const action = ({ request }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db, keyring }) => {
    const input = parseSettings(await readActionBody(request));
    const { settings, changed } = await saveSettings(db, keyring, shop, input);
    return { ok: true, settings, toast: changed.length ? "Settings saved" : "Nothing changed" };
  });

type ActionData = { ok: true; settings: SettingsView; toast: string } | { ok: false; errors: Record<string, string> };

const str = (n: number | null) => (n === null ? "" : String(n));

export default function Settings() {
  const loaded = useLoaderData<typeof loader>().settings;
  const result = useActionData<ActionData>();
  const errors = result && !result.ok ? result.errors : {};
  const saving = useNavigation().state === "submitting";
  useToast(result && result.ok ? result : undefined);
  const [mode, setMode] = useState<string>(loaded.analysisMode);
  const [values, setValues] = useState<Record<string, string>>({
    imageRetentionDays: str(loaded.imageRetentionDays),
    resultRetentionDays: str(loaded.resultRetentionDays),
    requestLogRetentionDays: str(loaded.requestLogRetentionDays),
    minimumAge: str(loaded.minimumAge),
    scansPerShopPerMinute: str(loaded.scansPerShopPerMinute),
    scansPerSubjectPerHour: str(loaded.scansPerSubjectPerHour),
    scansPerNetworkPerHour: str(loaded.scansPerNetworkPerHour),
    analysisApiUrl: loaded.analysisApiUrl ?? "",
    analysisRegion: loaded.analysisRegion ?? "",
    analysisApiKey: "",
  });
  const field = (
    name: string,
    label: string,
    helpText?: string,
    type: "number" | "text" | "url" | "password" = "number",
  ) => (
    <TextField
      label={label}
      name={name}
      type={type}
      autoComplete="off"
      value={values[name] ?? ""}
      onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
      error={errors[name]}
      helpText={helpText}
    />
  );
  // The key is write-only: once saved, it leaves the form too.
  useEffect(() => {
    if (result?.ok) setValues((v) => ({ ...v, analysisApiKey: "" }));
  }, [result]);
  const keySet = result?.ok ? result.settings.analysisApiKeySet : loaded.analysisApiKeySet;

  return (
    <Loading title="Settings">
      <Page title="Settings" backAction={{ content: "Dashboard", url: "/app" }}>
        <Form method="post">
          <input type="hidden" name="analysisMode" value={mode} />
          <Layout>
            <Layout.AnnotatedSection
              title="Retention"
              description="How long the app keeps what it keeps. Photos are never kept unless the shopper opts in."
            >
              <Card>
                <FormLayout>
                  {field(
                    "imageRetentionDays",
                    "Kept photos (days)",
                    "Only photos a shopper chose to keep; 1–365 days.",
                  )}
                  {field(
                    "resultRetentionDays",
                    "Scan results (days)",
                    "Leave empty to keep results for as long as the app is installed.",
                  )}
                  {field("requestLogRetentionDays", "Request logs (days)", "30–365 days; logs hold no shopper data.")}
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.AnnotatedSection
              title="Age"
              description="Shoppers must confirm this age before a scan; the server refuses anyone who does not."
            >
              <Card>
                <FormLayout>
                  {field(
                    "minimumAge",
                    "Minimum age",
                    "18 or more. Publish the notice again so shoppers see the new age.",
                  )}
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.AnnotatedSection
              title="Rate limits"
              description="Stops abuse; shoppers who hit a limit are told when to try again."
            >
              <Card>
                <FormLayout>
                  {field("scansPerShopPerMinute", "Scans per minute for the whole store")}
                  {field("scansPerSubjectPerHour", "Scans per shopper per hour")}
                  {field("scansPerNetworkPerHour", "Scans per network per hour")}
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.AnnotatedSection
              title="Analysis"
              description="The built-in engine runs on this app's server. A remote API receives only the photo, stripped of metadata."
            >
              <Card>
                <FormLayout>
                  <ChoiceList
                    title="Analysis provider"
                    choices={[
                      { label: "Built-in engine", value: "local" },
                      { label: "Remote analysis API", value: "remote" },
                    ]}
                    selected={[mode]}
                    onChange={(selected) => setMode(selected[0] ?? "local")}
                    error={errors.analysisMode}
                  />
                  {mode === "remote" ? (
                    <>
                      {field(
                        "analysisApiUrl",
                        "API URL",
                        "Where photos are sent; choose one in the region you need.",
                        "url",
                      )}
                      {field("analysisRegion", "Region label", "For your records, e.g. India (ap-south-1).", "text")}
                      {field(
                        "analysisApiKey",
                        keySet ? "Replace API key" : "API key",
                        keySet
                          ? "A key is stored encrypted and is never shown. Leave empty to keep it."
                          : "Stored encrypted; it will not be shown again.",
                        "password",
                      )}
                    </>
                  ) : null}
                </FormLayout>
              </Card>
            </Layout.AnnotatedSection>
            <Layout.Section>
              <BlockStack gap="200" inlineAlign="end">
                {errors.form ? <InlineError message={errors.form} fieldID="settings" /> : null}
                <Button submit variant="primary" loading={saving}>
                  Save
                </Button>
                {loaded.updatedAt ? (
                  <Text as="p" variant="bodySm" tone="subdued">
                    {`Every change is recorded in the audit log.`}
                  </Text>
                ) : null}
              </BlockStack>
            </Layout.Section>
          </Layout>
        </Form>
      </Page>
    </Loading>
  );
}
