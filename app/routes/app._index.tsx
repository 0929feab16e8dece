import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigate, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import {
  Badge,
  Banner,
  BlockStack,
  Card,
  EmptyState,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { PERIODS } from "../admin/constants";
import { dashboard, periodQuery } from "../admin/dashboard.server";
import { requestDashboardSummaries } from "../admin/dashboard-summaries.server";
import { adminAction, adminContext, readActionBody } from "../admin/edge.server";
import { InsightsCards } from "../admin/insights-cards";
import { confirmStep, parseConfirm, setupChecklist } from "../admin/onboarding.server";
import { QuotaBanner } from "../admin/quota-banner";
import { SetupChecklist } from "../admin/setup-checklist";
import { DailyColumns, formatDate, Loading, percent } from "../admin/ui";
import { planSummary } from "../billing/plan.server";

/** GET /app: how scans and consents are going over a period (issue 6). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, database } = await adminContext(request);
  const { days } = periodQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
  // The plan as stored (no call to Shopify here): the usage banner from 80 % (P20).
  // A long history is summarised by a job, never inside this request (issue 13); the page says what is ready.
  const queueSummaries = () => requestDashboardSummaries(database.client, shop);
  const [figures, quota, checklist] = await Promise.all([
    dashboard(database, shop, days, new Date(), { queueSummaries }),
    planSummary(database.client, shop),
    setupChecklist(database.client, shop),
  ]);
  return { ...figures, quota, checklist };
};

/** POST /app: the setup checklist's "keep the default" for the notice, the provider or the rules (issue 13). */
export const action = ({ request }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db }) => {
    await confirmStep(db, shop, parseConfirm(await readActionBody(request)));
    return { ok: true, toast: "Step done" };
  });

function Metric({ label, value, help }: { label: string; value: string; help?: string }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h2" variant="headingSm" tone="subdued">
          {label}
        </Text>
        <Text as="p" variant="headingXl">
          {value}
        </Text>
        {help ? (
          <Text as="p" variant="bodySm" tone="subdued">
            {help}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

/** How often the page looks again while older figures are being prepared. */
const PREPARING_POLL_MS = 5_000;

export default function Dashboard() {
  const data = useLoaderData<typeof loader>();
  const navigate = useNavigate();
  const { totals, rates, requests, retention, preparing } = data;
  const { revalidate, state: revalidation } = useRevalidator();
  useEffect(() => {
    if (!preparing || revalidation !== "idle") return;
    const timer = setTimeout(revalidate, PREPARING_POLL_MS);
    return () => clearTimeout(timer);
  }, [preparing, revalidation, revalidate]);
  const nothingYet = !preparing && totals.scans === 0 && totals.grants === 0 && totals.noticeViews === 0;
  return (
    <Loading title="Dashboard">
      <Page
        title="Dashboard"
        subtitle={`${formatDate(`${data.period.from}T00:00:00Z`)} – ${formatDate(`${data.period.to}T00:00:00Z`)} (UTC)`}
      >
        <Layout>
          <QuotaBanner quota={data.quota} action={{ content: "See plan and usage", url: "/app/plan" }} />
          {requests.overdue > 0 ? (
            <Layout.Section>
              <Banner
                tone="critical"
                title={`${requests.overdue} rights request${requests.overdue === 1 ? " is" : "s are"} overdue`}
                action={{ content: "Open the inbox", url: "/app/requests" }}
              >
                <p>The law gives you 30 days (15 for grievances). Answer them first.</p>
              </Banner>
            </Layout.Section>
          ) : null}
          {preparing ? (
            <Layout.Section>
              <Banner tone="info" title="Older figures are still being prepared">
                <p>
                  {preparing.from > data.period.from
                    ? `The totals and the chart below cover ${formatDate(`${preparing.from}T00:00:00Z`)} to today. `
                    : ""}
                  {`${preparing.days > 0 ? `${preparing.days.toLocaleString("en")} earlier day${preparing.days === 1 ? "" : "s"} of your shop's activity` : "Today's earlier hours"} are being summarised in the background${preparing.insights ? "; the funnel, skin-tone and concern mix and refusal reasons appear when that is done" : ""}. This page updates itself, usually within a few minutes.`}
                </p>
              </Banner>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <SetupChecklist checklist={data.checklist} />
          </Layout.Section>
          <Layout.Section>
            <Select
              label="Period"
              labelInline
              options={PERIODS.map((d) => ({ label: `Last ${d} days`, value: String(d) }))}
              value={String(data.period.days)}
              onChange={(value) => navigate(`/app?days=${value}`)}
            />
          </Layout.Section>
          {nothingYet ? (
            <Layout.Section>
              <Card>
                <EmptyState
                  heading="No scans in this period yet"
                  action={{ content: "Review the consent notice", url: "/app/notice" }}
                  secondaryAction={{ content: "Settings", url: "/app/settings" }}
                  image="https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png"
                >
                  <p>
                    Add the Skin scan block to your theme. Figures appear here as shoppers read the notice, consent and
                    scan.
                  </p>
                </EmptyState>
              </Card>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="400">
              <Metric
                label="Scans"
                value={totals.scans.toLocaleString("en")}
                help={`${percent(rates.refusal)} refused for photo quality`}
              />
              <Metric
                label="Consent rate"
                value={percent(rates.consent)}
                help={`${totals.grants.toLocaleString("en")} consents of ${totals.noticeViews.toLocaleString("en")} notice views`}
              />
              <Metric
                label="Keep-my-photos opt-in"
                value={percent(rates.retentionOptIn)}
                help={`Model training opt-in: ${percent(rates.trainingOptIn)}`}
              />
              <Metric
                label="Open rights requests"
                value={String(requests.open)}
                help={`${requests.dueThisWeek} due within 7 days, ${requests.overdue} overdue`}
              />
            </InlineGrid>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <DailyColumns title="Scans per day" days={data.daily.map((d) => ({ day: d.day, value: d.scans }))} />
            </Card>
          </Layout.Section>
          {data.insights ? <InsightsCards insights={data.insights} /> : null}
          <Layout.Section>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingSm">
                  Retention health
                </Text>
                <InlineStack>
                  <Badge tone={retention.healthy ? "success" : "critical"}>
                    {retention.healthy ? "On schedule" : "Behind schedule"}
                  </Badge>
                </InlineStack>
                <Text as="p">
                  {retention.oldestImageAt
                    ? `Oldest kept photo: ${retention.oldestImageAgeDays} days old (window: ${retention.windowDays} days).`
                    : "No photos are kept. Photos are only kept when a shopper opts in."}
                </Text>
                {retention.overdueImages > 0 ? (
                  <Text as="p" tone="critical">
                    {`${retention.overdueImages} photo(s) are past their deletion time; the hourly sweep will delete them.`}
                  </Text>
                ) : null}
                <Text as="p" variant="bodySm" tone="subdued">
                  {`Withdrawals in this period: ${totals.withdrawals.toLocaleString("en")}.`}
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Text as="p" variant="bodySm" tone="subdued">
              Skin results are cosmetic indicators measured from a photo, not a diagnosis; lighting affects them.
            </Text>
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}
