import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import {
  Badge,
  Banner,
  BlockStack,
  Button,
  Checkbox,
  DataTable,
  InlineStack,
  Layout,
  List,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { adminAction, adminLoader, idParam, readActionBody } from "../admin/edge.server";
import { answerRequest, parseInboxAction, requestDetail } from "../admin/inbox.server";
import { contactLine } from "../incidents/incident";
import {
  downloadFile,
  formatDate,
  FormRefusal,
  Loading,
  notFoundBoundary,
  SectionCard,
  useAdminAction,
} from "../admin/ui";

/** GET/POST /app/requests/:id: one request, the subject's data, and the merchant's answer (issue 6, P9). */

export const loader = ({ request, params }: LoaderFunctionArgs) =>
  adminLoader(request, ({ shop, db, keyring }) => requestDetail(db, keyring, shop, idParam(params)));

const TOASTS = {
  export: "Export ready to download",
  erase: "Data erased",
  reply: "Reply recorded",
  correct: "Correction recorded",
  reject: "Request refused",
} as const;

export const action = ({ request, params }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db, keyring }) => {
    const id = idParam(params);
    const done = await answerRequest(db, keyring, shop, id, parseInboxAction(await readActionBody(request)));
    return { ok: true, ...done, toast: TOASTS[done.done] };
  });

export default function RequestDetail() {
  const data = useLoaderData<typeof loader>();
  const { errors, busy, send } = useAdminAction();
  const [reply, setReply] = useState("");
  const [note, setNote] = useState("");
  const [remove, setRemove] = useState<string[]>([]);
  const { request } = data;
  const open = request.status === "received" || request.status === "in_progress";
  // The app records a reply but sends nothing: say where the merchant can send it, or that nowhere is known.
  const replyHint = data.contactEmail
    ? `Recorded encrypted with the request; the app does not send it. Email it to ${data.contactEmail} as well.`
    : data.storeContact
      ? `Recorded encrypted with the request; the app does not send it, and the shopper left no email. Your notice tells them to contact ${contactLine(data.storeContact)}.`
      : "Recorded encrypted with the request; the app does not send it, and the shopper left no email. Your notice names no contact yet: add one on the Consent notice page so shoppers can reach you.";

  return (
    <Loading title={request.typeLabel}>
      <Page
        title={request.typeLabel}
        subtitle={request.reference ?? undefined}
        titleMetadata={
          request.overdue ? (
            <Badge tone="critical">Overdue</Badge>
          ) : open ? (
            <Badge tone="attention">Open</Badge>
          ) : (
            <Badge tone="success">{request.status === "rejected" ? "Refused" : "Completed"}</Badge>
          )
        }
        backAction={{ content: "Rights requests", url: "/app/requests" }}
      >
        <Layout>
          {data.automatic ? (
            <Layout.Section>
              <Banner tone="info" title="Handled automatically">
                <p>
                  {request.completedAt
                    ? `Shopify's privacy webhook started this request and the app completed it on ${formatDate(request.completedAt)}.`
                    : "Shopify's privacy webhook started this request; the app completes it automatically."}
                </p>
              </Banner>
            </Layout.Section>
          ) : null}
          <FormRefusal message={errors.form} />
          <SectionCard title="Request" gap="200">
            <Text as="p">{`Received ${formatDate(request.createdAt)} · due ${formatDate(request.dueAt)}`}</Text>
            {data.message ? (
              <Text as="p">{data.message}</Text>
            ) : (
              <Text as="p" tone="subdued">
                No message.
              </Text>
            )}
            <Text as="p" tone={data.contactEmail ? undefined : "subdued"}>
              {data.contactEmail ? `Contact: ${data.contactEmail}` : "The shopper left no email."}
            </Text>
            {data.replies.map((r) => (
              <Text as="p" key={r.at} tone="subdued">{`Your answer (${formatDate(r.at)}): ${r.message}`}</Text>
            ))}
            {data.corrections.map((c) => (
              <Text as="p" key={c.at} tone="subdued">{`Correction (${formatDate(c.at)}): ${c.note}`}</Text>
            ))}
          </SectionCard>
          <SectionCard title="Data the app holds about this person">
            {data.subject ? (
              <>
                <Text as="p">
                  {data.subject.customerId ? `Shopify customer ${data.subject.customerId}` : "Anonymous shopper"}
                </Text>
                <DataTable
                  columnContentTypes={["text", "text", "numeric", "text"]}
                  headings={["Consent receipt", "Record", "Notice version", "Recorded"]}
                  rows={data.subject.consents.map((c) => [
                    c.receipt,
                    c.record,
                    c.noticeVersion,
                    formatDate(c.recordedAt),
                  ])}
                />
                <BlockStack gap="100">
                  <Text as="h3" variant="headingSm">
                    Scans
                  </Text>
                  {data.subject.scans.length === 0 ? <Text as="p">None.</Text> : null}
                  {/* Any open request may end in a correction (a grievance about a wrong result, say): its
                      scans can be ticked for removal. A closed one lists them as text, nothing to tick. */}
                  {data.subject.scans.map((s) => {
                    const label = `${formatDate(s.createdAt)} · ${s.status}${s.imageKept ? " · photo kept" : ""}`;
                    return open ? (
                      <Checkbox
                        key={s.id}
                        label={label}
                        checked={remove.includes(s.id)}
                        onChange={(on) => setRemove((r) => (on ? [...r, s.id] : r.filter((x) => x !== s.id)))}
                      />
                    ) : (
                      <Text as="p" key={s.id}>
                        {label}
                      </Text>
                    );
                  })}
                </BlockStack>
              </>
            ) : (
              <Text as="p" tone="subdued">
                Nothing: the app holds no data linked to this request.
              </Text>
            )}
          </SectionCard>
          <SectionCard title="Answer">
            <InlineStack gap="200">
              <Button onClick={() => send({ intent: "export" })} disabled={!data.subject || busy}>
                Complete with an export
              </Button>
              <Button tone="critical" onClick={() => send({ intent: "erase" })} disabled={!open || busy}>
                Erase this person&apos;s data
              </Button>
            </InlineStack>
            {data.exports.length > 0 ? (
              <List>
                {data.exports.map((e) => (
                  <List.Item key={e.id}>
                    <Button
                      variant="plain"
                      onClick={() => void downloadFile(`/app/exports/${e.id}`, `export-${e.id}.json`)}
                    >
                      {`Download export (JSON) made ${formatDate(e.createdAt)}`}
                    </Button>
                    {` · kept until ${formatDate(e.expiresAt)}`}
                  </List.Item>
                ))}
              </List>
            ) : null}
            <TextField
              label="Reply to the shopper"
              value={reply}
              onChange={setReply}
              multiline={3}
              autoComplete="off"
              error={errors.message}
              helpText={replyHint}
            />
            <InlineStack gap="200">
              <Button onClick={() => send({ intent: "reply", message: reply })} disabled={busy}>
                Record reply and complete
              </Button>
            </InlineStack>
            {open ? (
              <>
                <TextField
                  label="Correction or refusal note"
                  value={note}
                  onChange={setNote}
                  multiline={2}
                  autoComplete="off"
                  error={errors.note}
                  helpText="For a correction, tick the scans to remove above: a measurement is removed, not edited."
                />
                <InlineStack gap="200">
                  <Button onClick={() => send({ intent: "correct", note, removeScanIds: remove })} disabled={busy}>
                    Record correction
                  </Button>
                  <Button onClick={() => send({ intent: "reject", note })} disabled={busy}>
                    Refuse with this note
                  </Button>
                </InlineStack>
              </>
            ) : null}
          </SectionCard>
          {data.history.length > 0 ? (
            <SectionCard title="History" gap="100">
              {data.history.map((h) => (
                <Text
                  as="p"
                  key={`${h.at}-${h.what}`}
                  variant="bodySm"
                >{`${formatDate(h.at)} · ${h.who} · ${h.what}`}</Text>
              ))}
            </SectionCard>
          ) : null}
        </Layout>
      </Page>
    </Loading>
  );
}

/** Another shop's request, or one that never existed: the same "not found", inside the admin. */
export const ErrorBoundary = notFoundBoundary({
  title: "Request not found",
  back: { content: "Rights requests", url: "/app/requests" },
  heading: "There is no such request in this store",
  hint: "It may have been erased with the shopper's data, or the link is wrong.",
});
