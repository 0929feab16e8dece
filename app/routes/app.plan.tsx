import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Card,
  InlineStack,
  Layout,
  List,
  Page,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import { adminLoader } from "../admin/edge.server";
import { QuotaBanner } from "../admin/quota-banner";
import { formatDate, Loading } from "../admin/ui";
import { DEVELOPMENT_PLAN, FREE_PLAN, PAID_PLANS } from "../billing/plans";
import { planReaders, planSummary } from "../billing/plan.server";

/** GET /app/plan: the shop's plan (read from Shopify now), this month's scans, and Shopify's plan page (P20). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  adminLoader(request, ({ db, shop, admin, billing }) =>
    planSummary(db, shop, { refresh: planReaders(admin, billing) }),
  );

const scans = (n: number) => `${n.toLocaleString("en")} scan${n === 1 ? "" : "s"}`;

const SOURCE_LABEL = {
  subscription: "Active subscription",
  development: "Development store: free",
  free: "Free plan",
} as const;

export default function PlanPage() {
  const data = useLoaderData<typeof loader>();
  const resets = formatDate(data.resetsAt);
  const changePlan = { content: "Change plan", url: data.planPageUrl, target: "_top" as const };
  return (
    <Loading title="Plan and usage">
      <Page title="Plan and usage" backAction={{ content: "Dashboard", url: "/app" }}>
        <Layout>
          <QuotaBanner quota={data} action={changePlan} />
          {data.shopifyUnavailable ? (
            <Layout.Section>
              <Banner tone="warning" title="Shopify could not be asked for your plan just now">
                <p>{`${data.unavailableNote ?? ""} Reload the page to try again.`}</p>
              </Banner>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingLg">
                    {data.plan.name}
                  </Text>
                  <Badge tone={data.plan.source === "subscription" ? "success" : "info"}>
                    {SOURCE_LABEL[data.plan.source]}
                  </Badge>
                </InlineStack>
                <BlockStack gap="200">
                  <Text as="p" id="plan-usage">
                    {`${data.used.toLocaleString("en")} of ${scans(data.plan.monthlyScans)} used this month`}
                  </Text>
                  <ProgressBar
                    progress={Math.min(100, Math.round(data.share * 100))}
                    tone={data.level === "reached" ? "critical" : data.level === "nearing" ? "highlight" : "primary"}
                    ariaLabelledBy="plan-usage"
                  />
                  <Text as="p" variant="bodySm" tone="subdued">
                    {`The count starts again on ${resets} (UTC). Only scans that gave a result count; a photo refused for its quality is free.`}
                  </Text>
                </BlockStack>
                <InlineStack>
                  <Button variant="primary" url={data.planPageUrl} target="_top">
                    Change plan
                  </Button>
                </InlineStack>
                <Text as="p" variant="bodySm" tone="subdued">
                  Plans are billed by Shopify and chosen on Shopify&apos;s plan page; a change applies here at once.
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingSm">
                  Monthly scan allowances
                </Text>
                <List>
                  {[FREE_PLAN, ...PAID_PLANS].map((p) => (
                    <List.Item key={p.handle}>{`${p.name}: ${scans(p.monthlyScans)}`}</List.Item>
                  ))}
                  <List.Item>{`Development stores: ${scans(DEVELOPMENT_PLAN.monthlyScans)}, free`}</List.Item>
                </List>
                <Text as="p" variant="bodySm" tone="subdued">
                  When the allowance is used up, new scans pause and shoppers are told why. The consent notice,
                  withdrawing consent and every data right keep working, and nothing already given is lost.
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}
