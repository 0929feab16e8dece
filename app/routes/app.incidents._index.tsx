import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData } from "@remix-run/react";
import {
  BlockStack,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Text,
  useBreakpoints,
} from "@shopify/polaris";
import { adminLoader } from "../admin/edge.server";
import { ClockBadge } from "../admin/incident-ui";
import { formatDate, Loading } from "../admin/ui";
import { listIncidents } from "../incidents/register.server";

/** GET /app/incidents: the incident register, newest first, each with its 72-hour clock (P21). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  adminLoader(request, async ({ shop, db }) => ({ incidents: await listIncidents(db, shop) }));

export default function Incidents() {
  const { incidents } = useLoaderData<typeof loader>();
  // On a phone each incident is one stacked row, so its clock is not scrolled off to the right.
  const { smDown } = useBreakpoints();
  return (
    <Loading title="Incidents">
      <Page
        title="Incidents"
        subtitle="Personal-data breaches: the Board's intimation, the 72-hour report and the notices (DPDP Rules, Rule 7)"
        backAction={{ content: "Dashboard", url: "/app" }}
        primaryAction={{ content: "Record an incident", url: "/app/incidents/new" }}
      >
        <Layout>
          <Layout.Section>
            {/* The table runs edge to edge; the empty state keeps the card's padding (its text touched the edges). */}
            <Card padding={incidents.length === 0 ? undefined : "0"}>
              {incidents.length === 0 ? (
                <EmptyState
                  heading="No incidents recorded"
                  image="https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png"
                >
                  <p>
                    When personal data may have been exposed, record it here at once: the app works out who was affected
                    and drafts the documents the law asks for.
                  </p>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: "incident", plural: "incidents" }}
                  itemCount={incidents.length}
                  selectable={false}
                  condensed={smDown}
                  headings={[
                    { title: "Incident" },
                    { title: "Discovered" },
                    { title: "People affected" },
                    { title: "Detailed report" },
                  ]}
                >
                  {incidents.map((row, index) => (
                    <IndexTable.Row id={row.id} key={row.id} position={index}>
                      {smDown ? (
                        <IndexTable.Cell>
                          {/* Table cells do not wrap; a phone's row must. */}
                          <div style={{ whiteSpace: "normal" }}>
                            <BlockStack gap="100">
                              <InlineStack align="space-between" blockAlign="center" gap="200">
                                <RemixLink to={`/app/incidents/${row.id}`}>
                                  <Text as="span" fontWeight="semibold">
                                    {row.reference}
                                  </Text>
                                </RemixLink>
                                <ClockBadge clock={row.clock} />
                              </InlineStack>
                              <Text as="p" tone="subdued" breakWord>
                                {row.summary}
                              </Text>
                              <Text as="p" tone="subdued">
                                {`Discovered ${formatDate(row.discoveredAt)} · ${row.persons.toLocaleString("en")} people affected`}
                              </Text>
                            </BlockStack>
                          </div>
                        </IndexTable.Cell>
                      ) : null}
                      {smDown ? null : (
                        <>
                          <IndexTable.Cell>
                            <RemixLink to={`/app/incidents/${row.id}`}>
                              <Text as="span" fontWeight="semibold">
                                {row.reference}
                              </Text>
                            </RemixLink>
                            <Text as="p" tone="subdued" truncate>
                              {row.summary}
                            </Text>
                          </IndexTable.Cell>
                          <IndexTable.Cell>{formatDate(row.discoveredAt)}</IndexTable.Cell>
                          <IndexTable.Cell>
                            <Text as="span" numeric>
                              {row.persons.toLocaleString("en")}
                            </Text>
                          </IndexTable.Cell>
                          <IndexTable.Cell>
                            <ClockBadge clock={row.clock} />
                          </IndexTable.Cell>
                        </>
                      )}
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
            </Card>
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}
