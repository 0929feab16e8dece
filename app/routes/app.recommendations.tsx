import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useRevalidator, useSubmit } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Divider,
  Button,
  DataTable,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { catalogueSyncState, requestCatalogueSync } from "../recommendations/catalogue-sync-job.server";
import { adminAction, adminContext, readActionBody } from "../admin/edge.server";
import { concernLabel, TONE_GROUPS } from "../admin/constants";
import { parseRules, recommendationsPage, saveRules } from "../admin/recommendations.server";
import { formatDate, Loading, SectionCard, useToast } from "../admin/ui";
import { BANDS, MATCH_TYPES, RULE_CONCERNS } from "../recommendations/rules";

/** GET/POST /app/recommendations: rules, the catalogue sync and the coverage report (issue 6). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, db } = await adminContext(request);
  const [page, sync] = await Promise.all([recommendationsPage(db, shop), catalogueSyncState(db, shop)]);
  return { ...page, sync };
};

/** How often the page re-reads itself while a sync runs. */
const SYNC_POLL_MS = 5_000;

export const action = ({ request }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db }) => {
    const body = await readActionBody(request);
    if (body.intent === "sync") {
      // The worker does the paging; the merchant gets an answer at once.
      const { created } = await requestCatalogueSync(db, shop);
      return {
        ok: true,
        toast: created
          ? "Catalogue sync started: products update in a minute or two"
          : "A catalogue sync is already running: products update in a minute or two",
      };
    }
    const saved = await saveRules(db, shop, parseRules(body));
    return { ok: true, toast: `${saved.rules} rules saved` };
  });

type ActionData =
  | { ok: true; toast: string }
  | { ok: false; errors: Record<string, string> }
  | { error: { code: string; message: string } };

type RuleDraft = {
  concern: string;
  band: string;
  matchType: string;
  matchValue: string;
  reason: string | null;
  priority: number;
};

const bandOptions = (concern: string) =>
  concern === "any"
    ? [{ label: "Everyone", value: "*" }]
    : concern === "tone_group"
      ? TONE_GROUPS.map((g) => ({ label: g, value: g }))
      : BANDS.map((b) => ({ label: `${b} or stronger`, value: b }));

export default function Recommendations() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  const errors = result && "ok" in result && !result.ok ? result.errors : {};
  useToast(
    result && "ok" in result && result.ok
      ? result
      : result && "error" in result
        ? { error: result.error.message }
        : undefined,
  );
  const submit = useSubmit();
  const busy = useNavigation().state !== "idle";
  const { revalidate, state: revalidation } = useRevalidator();
  useEffect(() => {
    if (!data.sync.running || revalidation !== "idle") return;
    const timer = setTimeout(revalidate, SYNC_POLL_MS);
    return () => clearTimeout(timer);
  }, [data.sync.running, revalidation, revalidate]);
  const [rules, setRules] = useState<RuleDraft[]>(data.rules);
  useEffect(() => setRules(data.rules), [data.rules]);
  const update = (i: number, patch: Partial<RuleDraft>) =>
    setRules((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  return (
    <Loading title="Recommendations">
      <Page
        title="Recommendations"
        subtitle="Which of your products a scan result suggests, and why"
        backAction={{ content: "Dashboard", url: "/app" }}
        primaryAction={{
          content: "Save rules",
          loading: busy,
          onAction: () => submit({ rules } as never, { method: "post", encType: "application/json" }),
        }}
        secondaryActions={[
          {
            content: "Sync products now",
            onAction: () => submit({ intent: "sync" }, { method: "post" }),
            loading: busy || data.sync.running,
          },
        ]}
      >
        <Layout>
          {data.uncovered.length > 0 ? (
            <Layout.Section>
              <Banner tone="warning" title="Some concerns have no product">
                <p>{`No available product answers: ${data.uncovered.map(concernLabel).join(", ")}. Add a rule or tag products.`}</p>
              </Banner>
            </Layout.Section>
          ) : null}
          {data.sync.running ? (
            <Layout.Section>
              <Banner tone="info" title="Catalogue sync running">
                <p>Products are being read from your store. This page updates when the sync is done.</p>
              </Banner>
            </Layout.Section>
          ) : data.sync.failure ? (
            <Layout.Section>
              <Banner tone="critical" title="The last catalogue sync failed">
                <p>{data.sync.failure}</p>
              </Banner>
            </Layout.Section>
          ) : data.sync.last?.warnings.length ? (
            <Layout.Section>
              <Banner tone="warning" title="Synced with warnings">
                <p>{data.sync.last.warnings.join(" ")}</p>
              </Banner>
            </Layout.Section>
          ) : null}
          <SectionCard title="Rules">
            {data.usingDefaults ? (
              <Text as="p" tone="subdued">
                Using the default rules: products tagged skin-scan:redness, skin-scan:unevenness, skin-scan:shine,
                skin-scan:under-eye and skin-scan:everyday. Saving replaces them with yours.
              </Text>
            ) : null}
            {errors.rules ? (
              <Text as="p" tone="critical">
                {errors.rules}
              </Text>
            ) : null}
            {rules.map((r, i) => (
              // A line between rules: on a phone each wraps over several rows.
              <BlockStack gap="300" key={i}>
                {i > 0 ? <Divider /> : null}
                <InlineStack gap="200" blockAlign="end" wrap>
                  <Select
                    label="When"
                    options={RULE_CONCERNS.map((c) => ({ label: concernLabel(c), value: c }))}
                    value={r.concern}
                    onChange={(concern) => update(i, { concern, band: bandOptions(concern)[0]?.value ?? "" })}
                  />
                  <Select
                    label="Band or group"
                    options={bandOptions(r.concern)}
                    value={r.band}
                    onChange={(band) => update(i, { band })}
                    error={errors[`rules.${i}.band`]}
                  />
                  <Select
                    label="Match products by"
                    options={MATCH_TYPES.map((m) => ({ label: m, value: m }))}
                    value={r.matchType}
                    onChange={(matchType) => update(i, { matchType })}
                  />
                  <TextField
                    label="Tag, collection handle or namespace.key=value"
                    value={r.matchValue}
                    onChange={(matchValue) => update(i, { matchValue })}
                    autoComplete="off"
                    error={errors[`rules.${i}.matchValue`]}
                  />
                  <TextField
                    label="Reason shown"
                    value={r.reason ?? ""}
                    onChange={(reason) => update(i, { reason: reason || null })}
                    autoComplete="off"
                    error={errors[`rules.${i}.reason`]}
                  />
                  <Button
                    onClick={() => setRules((rs) => rs.filter((_, j) => j !== i))}
                    accessibilityLabel={`Remove rule ${i + 1}`}
                  >
                    Remove
                  </Button>
                </InlineStack>
              </BlockStack>
            ))}
            <InlineStack>
              <Button
                onClick={() =>
                  setRules((rs) => [
                    ...rs,
                    {
                      concern: "redness",
                      band: "moderate",
                      matchType: "tag",
                      matchValue: "",
                      reason: null,
                      priority: 0,
                    },
                  ])
                }
              >
                Add rule
              </Button>
            </InlineStack>
          </SectionCard>
          <SectionCard title="Coverage" gap="200">
            <Text as="p" tone="subdued">
              {`${data.catalogue.products} products cached, last synced ${formatDate(data.catalogue.lastSyncedAt)}. Updates arrive by webhook.`}
            </Text>
            {data.sync.last ? (
              <Text as="p" variant="bodySm" tone="subdued">
                {`Last full sync ${formatDate(data.sync.last.at)}: ${data.sync.last.saved} products read, ${data.sync.last.removed} removed.`}
              </Text>
            ) : null}
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "text"]}
              headings={["Concern", "Rules", "Products", "Status"]}
              rows={data.coverage.map((c) => [
                c.band ? `Skin tone: ${c.band}` : concernLabel(c.concern),
                c.rules,
                c.products,
                c.products === 0 ? <Badge tone="warning">No product</Badge> : <Badge tone="success">Covered</Badge>,
              ])}
            />
            <Text as="p" variant="bodySm" tone="subdued">
              {`Everyday products for everyone: ${data.everydayProducts}.`}
            </Text>
          </SectionCard>
        </Layout>
      </Page>
    </Loading>
  );
}
