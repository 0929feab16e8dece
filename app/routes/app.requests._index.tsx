import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useLoaderData, useNavigate } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Pagination,
  Select,
  Text,
} from "@shopify/polaris";
import { adminContext } from "../admin/edge.server";
import { TYPE_LABELS } from "../admin/constants";
import { inboxQuery, listRequests } from "../admin/inbox.server";
import { formatDate, Loading } from "../admin/ui";

/** GET /app/requests: the rights inbox, most urgent first (issue 6, P9). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, db } = await adminContext(request);
  const query = inboxQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
  return { ...(await listRequests(db, shop, query)), query };
};

function StatusBadge({ row }: { row: { status: string; overdue: boolean; dueSoon: boolean } }) {
  if (row.overdue) return <Badge tone="critical">Overdue</Badge>;
  if (row.dueSoon) return <Badge tone="warning">Due soon</Badge>;
  if (row.status === "completed") return <Badge tone="success">Completed</Badge>;
  if (row.status === "rejected") return <Badge>Refused</Badge>;
  return <Badge tone="attention">Open</Badge>;
}

export default function Inbox() {
  const data = useLoaderData<typeof loader>();
  const navigate = useNavigate();
  const go = (changes: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams();
    const next = { status: data.query.status, type: data.query.type, page: 1, ...changes };
    for (const [k, v] of Object.entries(next)) if (v !== undefined && v !== "") params.set(k, String(v));
    navigate(`/app/requests?${params}`);
  };
  return (
    <Loading title="Rights requests">
      <Page
        title="Rights requests"
        subtitle={`${data.counts.open} open · ${data.counts.dueSoon} due soon · ${data.counts.overdue} overdue`}
        backAction={{ content: "Dashboard", url: "/app" }}
      >
        <Layout>
          <Layout.Section>
            <InlineStack gap="400">
              <Select
                label="Show"
                options={[
                  { label: "Open", value: "open" },
                  { label: "Closed", value: "completed" },
                  { label: "All", value: "all" },
                ]}
                value={data.query.status}
                onChange={(status) => go({ status })}
              />
              <Select
                label="Type"
                options={[
                  { label: "All types", value: "" },
                  ...Object.entries(TYPE_LABELS).map(([value, label]) => ({ label, value })),
                ]}
                value={data.query.type ?? ""}
                onChange={(type) => go({ type })}
              />
            </InlineStack>
          </Layout.Section>
          <Layout.Section>
            <Card padding="0">
              {data.rows.length === 0 ? (
                <EmptyState
                  heading="No requests here"
                  image="https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png"
                >
                  <p>
                    Requests from shoppers and from Shopify&apos;s privacy webhooks appear here with their due dates.
                  </p>
                </EmptyState>
              ) : (
                <IndexTable
                  resourceName={{ singular: "request", plural: "requests" }}
                  itemCount={data.rows.length}
                  selectable={false}
                  headings={[
                    { title: "Request" },
                    { title: "Source" },
                    { title: "Received" },
                    { title: "Due" },
                    { title: "Status" },
                  ]}
                >
                  {data.rows.map((row, index) => (
                    <IndexTable.Row id={row.id} key={row.id} position={index}>
                      <IndexTable.Cell>
                        <RemixLink to={`/app/requests/${row.id}`}>
                          <Text as="span" fontWeight="semibold">
                            {row.typeLabel}
                          </Text>
                        </RemixLink>
                        {row.reference ? <Text as="span" tone="subdued">{` ${row.reference}`}</Text> : null}
                      </IndexTable.Cell>
                      <IndexTable.Cell>{row.source === "shopify" ? "Shopify (automatic)" : "Shopper"}</IndexTable.Cell>
                      <IndexTable.Cell>{formatDate(row.createdAt)}</IndexTable.Cell>
                      <IndexTable.Cell>{formatDate(row.dueAt)}</IndexTable.Cell>
                      <IndexTable.Cell>
                        <StatusBadge row={row} />
                      </IndexTable.Cell>
                    </IndexTable.Row>
                  ))}
                </IndexTable>
              )}
            </Card>
          </Layout.Section>
          <Layout.Section>
            <BlockStack inlineAlign="center">
              <Pagination
                hasPrevious={data.page > 1}
                onPrevious={() => go({ page: data.page - 1 })}
                hasNext={data.page < data.pages}
                onNext={() => go({ page: data.page + 1 })}
                label={`Page ${data.page} of ${data.pages}`}
              />
            </BlockStack>
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}
