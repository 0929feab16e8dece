import { Banner, BlockStack, Card, InlineGrid, Layout, Text } from "@shopify/polaris";
import { CONCERN_LABELS } from "./constants";
import type { Insights } from "./insights.server";
import { Bars } from "./ui";

/**
 * The dashboard's insights (issue 13): the funnel, the tone and concern mix, and refusal reasons with
 * what to do about them. A figure with fewer than `minShoppers` shoppers behind it reads "not enough
 * data yet" instead of a number.
 */
const STEP_LABELS: Record<Insights["funnel"][number]["step"], string> = {
  widget_opened: "Opened the widget",
  consent: "Consented (new or returning)",
  scan_accepted: "Scan accepted",
  product_viewed: "Viewed a recommended product",
  added_to_cart: "Added to cart",
};
const NOT_ENOUGH = "not enough data yet";
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const pct = (share: number) => `${Math.round(share * 100)}%`;

/** Rows whose figure is hidden are listed by name, after the bars, with the reason. */
function Hidden({ names, minShoppers }: { names: string[]; minShoppers: number }) {
  if (names.length === 0) return null;
  return (
    <Text as="p" variant="bodySm" tone="subdued">
      {`${names.join(", ")}: ${NOT_ENOUGH} (fewer than ${minShoppers} shoppers).`}
    </Text>
  );
}

function Funnel({ insights }: { insights: Insights }) {
  const steps = insights.funnel;
  return (
    <BlockStack gap="200">
      <Text as="h2" variant="headingSm">
        From widget to cart
      </Text>
      <ol aria-label="From widget to cart" style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {steps.map((s, i) => {
          const before = i > 0 ? steps[i - 1]?.count : null;
          // A shopper can view several products: a step larger than the one before gets no ratio.
          const rate =
            s.count !== null && before && s.count <= before ? ` (${pct(s.count / before)} of the step before)` : "";
          return (
            <li key={s.step} style={{ marginBottom: "var(--p-space-100)" }}>
              <Text as="span" variant="bodySm">
                {`${STEP_LABELS[s.step]}: `}
              </Text>
              <Text as="span" variant="bodySm" numeric fontWeight="semibold">
                {s.count === null ? NOT_ENOUGH : s.count.toLocaleString("en")}
              </Text>
              <Text as="span" variant="bodySm" tone="subdued">
                {rate}
              </Text>
            </li>
          );
        })}
      </ol>
      <Text as="p" variant="bodySm" tone="subdued">
        Consents and accepted scans count each shopper once a day; a shopper back to scan under an earlier consent
        counts as consented that day too. Widget opens, product views and adds to cart are counted without any shopper
        identifier.
      </Text>
    </BlockStack>
  );
}

export function InsightsCards({ insights }: { insights: Insights }) {
  const tones = insights.tones.filter((t) => t.share !== null);
  const concerns = insights.concerns.filter((c) => c.share !== null);
  const refusals = insights.refusals.filter((r) => r.refusals !== null);
  return (
    <>
      <Layout.Section>
        <Card>
          <Funnel insights={insights} />
        </Card>
      </Layout.Section>
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <Card>
            <BlockStack gap="200">
              <Bars
                title="Skin-tone mix of scanned shoppers"
                emptyText={`The mix appears once ${insights.minShoppers} shoppers share a tone group: ${NOT_ENOUGH}.`}
                bars={tones.map((t) => ({
                  label: capitalise(t.group),
                  value: t.share ?? 0,
                  display: pct(t.share ?? 0),
                }))}
              />
              {tones.length > 0 ? (
                <Hidden
                  names={insights.tones.filter((t) => t.share === null).map((t) => capitalise(t.group))}
                  minShoppers={insights.minShoppers}
                />
              ) : null}
            </BlockStack>
          </Card>
          <Card>
            <BlockStack gap="200">
              <Bars
                title="Concerns measured moderate or high"
                emptyText={`Concerns appear once ${insights.minShoppers} shoppers share one: ${NOT_ENOUGH}.`}
                bars={concerns.map((c) => ({
                  label: CONCERN_LABELS[c.concern],
                  value: c.share ?? 0,
                  display: pct(c.share ?? 0),
                }))}
              />
              {concerns.length > 0 ? (
                <Hidden
                  names={insights.concerns.filter((c) => c.share === null).map((c) => CONCERN_LABELS[c.concern])}
                  minShoppers={insights.minShoppers}
                />
              ) : null}
            </BlockStack>
          </Card>
        </InlineGrid>
      </Layout.Section>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <Bars
              title="Quality refusals by reason"
              emptyText={
                insights.refusals.length === 0
                  ? "No photo was refused in this period."
                  : `Refusal reasons: ${NOT_ENOUGH}.`
              }
              bars={refusals.map((r) => ({ label: r.label, value: r.refusals ?? 0 }))}
            />
            {refusals.length > 0 ? (
              <Hidden
                names={insights.refusals.filter((r) => r.refusals === null).map((r) => r.label)}
                minShoppers={insights.minShoppers}
              />
            ) : null}
            {insights.advice ? (
              <Banner tone="info" title="What you can do">
                <p>{insights.advice.advice}</p>
              </Banner>
            ) : null}
          </BlockStack>
        </Card>
      </Layout.Section>
    </>
  );
}
