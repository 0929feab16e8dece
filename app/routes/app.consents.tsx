import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigate, useNavigation, useSubmit } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  Card,
  DataTable,
  EmptyState,
  FormLayout,
  InlineStack,
  Layout,
  Page,
  Pagination,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { parseProofQuery, searchConsents } from "../admin/consent-proof.server";
import { adminAction, adminContext } from "../admin/edge.server";
import { downloadFile, formatDate, Loading } from "../admin/ui";
import { auditChainState, verifyAndRecord, type AuditChainState } from "../privacy/audit-trail.server";

/** GET /app/consents: search consent records and export proof of consent (issue 6, P7). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, db } = await adminContext(request);
  const query = parseProofQuery(new URL(request.url).searchParams);
  return { ...(await searchConsents(db, shop, query)), query, auditChain: await auditChainState(db, shop) };
};

/** POST /app/consents: verify this shop's audit chain now (P21); the card shows the outcome. */
export const action = ({ request }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db }) => {
    const result = await verifyAndRecord(db, shop);
    return {
      ok: true,
      toast: result.intact ? "Audit trail intact" : `Audit trail broken at event ${result.broken?.position}`,
    };
  });

export default function Consents() {
  const data = useLoaderData<typeof loader>();
  const navigate = useNavigate();
  const q = data.query;
  const [form, setForm] = useState<Record<string, string>>({
    receipt: q.receipt ?? "",
    customerId: q.customerId ?? "",
    from: q.from ?? "",
    to: q.to ?? "",
    noticeVersion: q.noticeVersion ? String(q.noticeVersion) : "",
    purpose: q.purpose ?? "",
    action: q.action ?? "",
  });
  const set = (name: string) => (value: string) => setForm((f) => ({ ...f, [name]: value }));
  const search = (page = 1) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) if (v.trim()) params.set(k, v.trim());
    if (page > 1) params.set("page", String(page));
    return params;
  };
  const [downloading, setDownloading] = useState(false);
  const download = async (format: "csv" | "json") => {
    setDownloading(true);
    try {
      const params = search();
      params.set("format", format);
      await downloadFile(`/app/consents/export?${params}`, `consent-proof.${format}`);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <Loading title="Proof of consent">
      <Page
        title="Proof of consent"
        subtitle="Every consent and withdrawal, with the exact notice text accepted"
        backAction={{ content: "Dashboard", url: "/app" }}
        secondaryActions={[
          { content: "Export CSV", onAction: () => void download("csv"), loading: downloading },
          { content: "Export JSON", onAction: () => void download("json"), loading: downloading },
        ]}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <Form
                onSubmit={(event) => {
                  event.preventDefault();
                  navigate(`/app/consents?${search()}`);
                }}
              >
                <FormLayout>
                  <FormLayout.Group condensed>
                    <TextField label="Receipt" value={form.receipt} onChange={set("receipt")} autoComplete="off" />
                    <TextField
                      label="Customer id"
                      value={form.customerId}
                      onChange={set("customerId")}
                      autoComplete="off"
                      inputMode="numeric"
                    />
                    <Select
                      label="Notice version"
                      options={[
                        { label: "Any", value: "" },
                        ...data.versions.map((v) => ({ label: `v${v}`, value: String(v) })),
                      ]}
                      value={form.noticeVersion}
                      onChange={set("noticeVersion")}
                    />
                  </FormLayout.Group>
                  {/* Not condensed: a date field is wider than a quarter of a phone, so these wrap there. */}
                  <FormLayout.Group>
                    <TextField label="From" type="date" value={form.from} onChange={set("from")} autoComplete="off" />
                    <TextField label="To" type="date" value={form.to} onChange={set("to")} autoComplete="off" />
                    <Select
                      label="Purpose"
                      options={[{ label: "Any", value: "" }, ...data.purposes]}
                      value={form.purpose}
                      onChange={set("purpose")}
                    />
                    <Select
                      label="Record"
                      options={[
                        { label: "Consents and withdrawals", value: "" },
                        { label: "Consents", value: "grant" },
                        { label: "Withdrawals", value: "withdraw" },
                      ]}
                      value={form.action}
                      onChange={set("action")}
                    />
                  </FormLayout.Group>
                  <InlineStack gap="200">
                    <Button submit variant="primary">
                      Search
                    </Button>
                  </InlineStack>
                </FormLayout>
              </Form>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card padding={data.records.length ? "0" : undefined}>
              {data.records.length === 0 ? (
                <EmptyState
                  heading="No consent records match"
                  image="https://cdn.shopify.com/s/files/1/0262/4071/2726/files/emptystate-files.png"
                >
                  <p>Records appear here when shoppers consent in the skin scan.</p>
                </EmptyState>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "text", "text", "numeric", "text"]}
                  headings={["Receipt", "Record", "Recorded", "Customer", "Notice", "Purposes"]}
                  rows={data.records.map((r) => [
                    r.receipt,
                    r.action === "withdraw" ? `Withdrawal of ${r.withdraws ?? "a consent"}` : "Consent",
                    formatDate(r.recordedAt),
                    r.customerId ?? "Anonymous",
                    `v${r.noticeVersion} (${r.locale})`,
                    // One purpose a line: a notice's labels are sentences, too long to run on in one cell.
                    r.purposeLabels.length ? (
                      <BlockStack key="purposes" gap="050">
                        {r.purposeLabels.map((label) => (
                          <Text as="span" key={label}>
                            {label}
                          </Text>
                        ))}
                      </BlockStack>
                    ) : (
                      "–"
                    ),
                  ])}
                  footerContent={`${data.total.toLocaleString("en")} records`}
                />
              )}
            </Card>
          </Layout.Section>
          <Layout.Section>
            <BlockStack inlineAlign="center" gap="200">
              <Pagination
                hasPrevious={data.page > 1}
                onPrevious={() => navigate(`/app/consents?${search(data.page - 1)}`)}
                hasNext={data.page < data.pages}
                onNext={() => navigate(`/app/consents?${search(data.page + 1)}`)}
                label={`Page ${data.page} of ${data.pages}`}
              />
              <Text as="p" variant="bodySm" tone="subdued">
                Exports hold each record with its notice version, text hash and the full notice text, with the hash
                checked again.
              </Text>
            </BlockStack>
          </Layout.Section>
          <Layout.Section>
            <AuditChainCard chain={data.auditChain} />
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}

/** P21: the state of this shop's tamper-evident audit trail, and a button to verify it now. */
function AuditChainCard({ chain }: { chain: AuditChainState }) {
  const submit = useSubmit();
  const busy = useNavigation().state !== "idle";
  const state =
    chain.verifiedAt === null ? (
      <Badge>Not verified yet</Badge>
    ) : chain.brokenAt === null ? (
      <Badge tone="success">Intact</Badge>
    ) : (
      <Badge tone="critical">{`Broken at event ${chain.brokenAt}`}</Badge>
    );
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Audit trail
          </Text>
          {state}
        </InlineStack>
        <Text as="p">
          {`${chain.events.toLocaleString("en")} events: consents, withdrawals, erasures, exports, notice and settings changes, incidents, key rotations. Each holds the hash of the one before, so a changed or missing event shows.`}
        </Text>
        <Text as="p" tone="subdued">
          {chain.verifiedAt
            ? `Last verified ${formatDate(chain.verifiedAt)} (${(chain.verifiedLength ?? 0).toLocaleString("en")} events checked)${chain.brokenReason ? `: ${chain.brokenReason.replace(/_/g, " ")}` : ""}.`
            : "Never verified. Verification also runs with npm run audit:verify."}
          {chain.headHash ? ` Latest hash ${chain.headHash.slice(0, 16)}…` : ""}
        </Text>
        <InlineStack>
          <Button onClick={() => submit({}, { method: "post", encType: "application/json" })} loading={busy}>
            Verify now
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
