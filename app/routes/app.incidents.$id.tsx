import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, List, Page, Text } from "@shopify/polaris";
import { adminAction, adminLoader, idParam, readActionBody } from "../admin/edge.server";
import { parseIncidentAction } from "../admin/incident-forms";
import { ClockBadge, IncidentForm, incidentTime as when } from "../admin/incident-ui";
import { downloadFile, FormRefusal, Loading, notFoundBoundary, SectionCard, useAdminAction } from "../admin/ui";
import { KIND_BOARD_TEXT } from "../incidents/kinds";
import { incidentDetail, incidentStep, updateIncident } from "../incidents/register.server";

/** GET/POST /app/incidents/:id: one incident, its clock, who it touched (counts only), documents and steps (P21). */
export const loader = ({ request, params }: LoaderFunctionArgs) =>
  adminLoader(request, ({ shop, db }) => incidentDetail(db, shop, idParam(params)));

const TOASTS = {
  recompute: "Affected people worked out again",
  initial_sent: "Board intimation marked sent",
  report_sent: "Detailed report marked sent",
  publish_notices: "Notices published to affected shoppers",
} as const;

export const action = ({ request, params }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db }) => {
    const id = idParam(params);
    const parsed = parseIncidentAction(await readActionBody(request));
    if (parsed.intent === "update") {
      await updateIncident(db, shop, id, parsed.input);
      return { ok: true, toast: "Incident updated" };
    }
    await incidentStep(db, shop, id, parsed.step);
    return { ok: true, toast: TOASTS[parsed.step] };
  });

const DOCUMENTS = [
  { doc: "board-initial", label: "Board intimation (at once)", missingKey: "board-initial" },
  { doc: "board-detailed", label: "Board detailed report (72 h)", missingKey: "board-detailed" },
  { doc: "notice-en", label: "Notice to each person (English)", missingKey: "notice" },
  { doc: "notice-hi", label: "Notice to each person (Hindi)", missingKey: "notice" },
] as const;

export default function IncidentDetail() {
  const data = useLoaderData<typeof loader>();
  const { errors, busy, send } = useAdminAction();
  const step = (name: string) => send({ intent: "step", step: name });
  const a = data.affected;
  const download = (doc: string, format: string) =>
    void downloadFile(
      `/app/incidents/${data.id}/documents?doc=${doc}&format=${format}`,
      `${data.reference}-${doc}.${format}`,
    );

  return (
    <Loading title={data.reference}>
      <Page
        title={data.reference}
        subtitle={`Discovered ${when(data.discoveredAt)}: ${data.narrative.summary.length > 120 ? `${data.narrative.summary.slice(0, 119)}…` : data.narrative.summary}`}
        titleMetadata={<ClockBadge clock={data.clock} />}
        backAction={{ content: "Incidents", url: "/app/incidents" }}
      >
        <Layout>
          <FormRefusal message={errors.form} />
          <Layout.Section>
            <Banner
              tone={
                data.clock.state === "overdue" ? "critical" : data.clock.state === "reported" ? "success" : "warning"
              }
              title={`Detailed report to the Board: ${data.clock.text}`}
            >
              <p>
                {`Due ${when(data.clock.deadline)}, 72 hours after the store became aware (Rule 7(2)(b)). `}
                {data.initialSentAt
                  ? `Board intimated ${when(data.initialSentAt)}.`
                  : "Intimate the Board without delay with the first document below."}
              </p>
            </Banner>
          </Layout.Section>
          <SectionCard title="Who is affected">
            <Text as="p">
              {`${a.persons.toLocaleString("en")} people: ${a.signedIn.toLocaleString("en")} signed-in customers, ${a.anonymous.toLocaleString("en")} anonymous shoppers`}
              {a.erased > 0 ? `, and ${a.erased.toLocaleString("en")} erased since (counted only)` : ""}.
            </Text>
            <DataTable
              columnContentTypes={["text", "numeric", "numeric"]}
              headings={["Kind of data", "People", "Records"]}
              rows={data.dataKinds.map((k) => [
                KIND_BOARD_TEXT[k].label,
                a.byKind[k].persons.toLocaleString("en"),
                a.byKind[k].records.toLocaleString("en"),
              ])}
            />
            <Text as="p" tone="subdued">
              {`Worked out from the app's records ${when(a.computedAt)}, ${data.scope === "held" ? "counting every record held" : "counting records made"} between ${when(data.occurredFrom)} and ${when(data.occurredTo)}. No one is named here.`}
            </Text>
            <Text as="p">
              {data.noticesPublishedAt
                ? `Notices published ${when(data.noticesPublishedAt)}: shown to ${a.notices.shown.toLocaleString("en")}, acknowledged by ${a.notices.acknowledged.toLocaleString("en")}.`
                : "The notice is not yet shown to affected shoppers."}
            </Text>
            <InlineStack gap="200">
              <Button onClick={() => step("recompute")} disabled={busy}>
                Work out again
              </Button>
              <Button
                onClick={() => download("customers", "csv")}
                disabled={a.signedIn === 0}
              >{`Signed-in customers to contact (CSV, ${a.signedIn})`}</Button>
            </InlineStack>
          </SectionCard>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <BlockStack gap="100">
                  <Text as="h2" variant="headingMd">
                    Documents
                  </Text>
                  <Text as="p" tone="subdued">
                    Drafted from the app's records and your account below. What is still to fill in reads “Not yet
                    known” in the document: add it in the form below, save, and download again.
                  </Text>
                </BlockStack>
                {DOCUMENTS.map((d) => (
                  <BlockStack gap="100" key={d.doc}>
                    <InlineStack gap="200" blockAlign="center">
                      <Text as="span" fontWeight="semibold">
                        {d.label}
                      </Text>
                      <Button variant="plain" onClick={() => download(d.doc, "html")}>
                        HTML (print to PDF)
                      </Button>
                      <Button variant="plain" onClick={() => download(d.doc, "md")}>
                        Markdown
                      </Button>
                    </InlineStack>
                    {data.missing[d.missingKey].length > 0 ? (
                      <List>
                        {data.missing[d.missingKey].map((m) => (
                          <List.Item key={m}>{`Still to fill in: ${m}`}</List.Item>
                        ))}
                      </List>
                    ) : null}
                  </BlockStack>
                ))}
              </BlockStack>
            </Card>
          </Layout.Section>
          <SectionCard title="Steps">
            <InlineStack gap="200">
              <Button onClick={() => step("initial_sent")} disabled={busy || !!data.initialSentAt}>
                {data.initialSentAt ? `Board intimated ${when(data.initialSentAt)}` : "Mark Board intimation sent"}
              </Button>
              <Button onClick={() => step("report_sent")} disabled={busy || !!data.reportSentAt}>
                {data.reportSentAt ? `Report sent ${when(data.reportSentAt)}` : "Mark detailed report sent"}
              </Button>
              <Button
                variant="primary"
                onClick={() => step("publish_notices")}
                disabled={busy || !!data.noticesPublishedAt || data.missing.notice.length > 0}
              >
                {data.noticesPublishedAt ? "Notices published" : "Publish notices to affected shoppers"}
              </Button>
            </InlineStack>
            {!data.noticesPublishedAt && data.missing.notice.length > 0 ? (
              <Text as="p" tone="caution">
                {data.storeContact
                  ? `To publish the notices, fill in: ${data.missing.notice.join("; ")}.`
                  : "To publish the notices, fill in whom to contact below, or publish a processing contact on the Consent notice page (every incident then names it)."}
              </Text>
            ) : null}
            <Text as="p" tone="subdued">
              Published notices appear in the skin-scan widget for each affected shopper whose browser still holds their
              proof, in English or Hindi, until they acknowledge them.
            </Text>
          </SectionCard>
          <Layout.Section>
            <BlockStack gap="100">
              <Text as="h2" variant="headingLg">
                Facts and account
              </Text>
              <Text as="p" tone="subdued">
                Change what you recorded or add what has become known. Saving works out who is affected again.
              </Text>
            </BlockStack>
          </Layout.Section>
          <Layout.Section>
            <IncidentForm
              initial={{
                discoveredAt: data.discoveredAt,
                occurredFrom: data.occurredFrom,
                occurredTo: data.occurredTo,
                dataKinds: data.dataKinds,
                scope: data.scope,
                narrative: data.narrative,
              }}
              storeContact={data.storeContact}
              errors={errors}
              busy={busy}
              submitLabel="Save and work out again"
              onSubmit={(values) => send({ intent: "update", ...values })}
            />
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}

/** Another shop's incident, or one that never existed: the same "not found", inside the admin. */
export const ErrorBoundary = notFoundBoundary({
  title: "Incident not found",
  back: { content: "Incidents", url: "/app/incidents" },
  heading: "There is no such incident in this store",
  hint: "The link may be wrong.",
});
