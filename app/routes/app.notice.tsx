import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import {
  BlockStack,
  Box,
  Button,
  Card,
  Checkbox,
  DataTable,
  Divider,
  FormLayout,
  InlineError,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useMemo, useState } from "react";
import { adminAction, adminContext, readActionBody } from "../admin/edge.server";
import {
  noticeEditorData,
  parseContacts,
  parsePublish,
  publishNotice,
  saveNoticeContacts,
} from "../admin/notices.server";
import { formatDate, Loading, SectionCard, useToast } from "../admin/ui";
import {
  DEFAULT_NOTICES,
  GRIEVANCE_DAYS_MAX,
  PURPOSES,
  REQUIRED_PURPOSE,
  SECTION_KEYS,
  type NoticeContacts,
} from "../consent/default-notice";

/** GET/POST /app/notice: edit, preview and publish the consent notice per language (issue 6, P17). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, db } = await adminContext(request);
  return noticeEditorData(db, shop);
};

export const action = ({ request }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db }) => {
    const body = await readActionBody(request);
    // DPDP Rules 9 and 14: the contact and answer time, published as a new version of every language.
    if (body.intent === "contacts") {
      const published = await saveNoticeContacts(db, shop, parseContacts(body));
      return { ok: true, published, toast: `Contacts published in version ${published.version}` };
    }
    const published = await publishNotice(db, shop, parsePublish(body));
    return { ok: true, published, toast: `Version ${published.version} published` };
  });

type ActionData =
  { ok: true; toast: string; published: { version: number } } | { ok: false; errors: Record<string, string> };

type Draft = {
  sections: { key: string; title: string; body: string }[];
  purposes: { key: string; label: string; offered: boolean }[];
};

const english = DEFAULT_NOTICES.en;

export default function NoticeEditor() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  const errors = result && !result.ok ? result.errors : {};
  const submit = useSubmit();
  const busy = useNavigation().state !== "idle";
  useToast(result && result.ok ? result : undefined);
  const [locale, setLocale] = useState(data.current[0]?.locale ?? "en");
  const [material, setMaterial] = useState(true);
  const current = data.current.find((n) => n.locale === locale);

  // A language with no notice yet starts from the English text, for the merchant to translate.
  const start = useMemo<Draft>(() => {
    const base = current ?? data.current.find((n) => n.locale === "en");
    const sections = SECTION_KEYS.map((key) => {
      const s = base?.sections.find((x) => x.key === key) ?? english?.sections.find((x) => x.key === key);
      return { key, title: s?.title ?? "", body: s?.body ?? "" };
    });
    const purposes = PURPOSES.map((key) => {
      const p = base?.purposes.find((x) => x.key === key);
      const fallback = english?.purposes.find((x) => x.key === key);
      return { key, label: p?.label ?? fallback?.label ?? key, offered: Boolean(p) || key === REQUIRED_PURPOSE };
    });
    return { sections, purposes };
  }, [current, data.current]);
  const [draft, setDraft] = useState<Draft>(start);
  useEffect(() => setDraft(start), [start]);

  const publish = () =>
    submit(
      { locale, material, sections: draft.sections, purposes: draft.purposes },
      { method: "post", encType: "application/json" },
    );

  const historyRows = data.history.map((h) => [
    `v${h.version}`,
    h.locale,
    formatDate(h.publishedAt),
    h.material ? "Material" : "Minor",
    h.consents.toLocaleString("en"),
    h.textHash.slice(0, 12),
  ]);

  return (
    <Loading title="Consent notice">
      <Page
        title="Consent notice"
        subtitle="What shoppers read and agree to before a scan"
        backAction={{ content: "Dashboard", url: "/app" }}
        primaryAction={{ content: "Publish new version", onAction: publish, loading: busy }}
      >
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="400">
                <Select
                  label="Language"
                  options={data.locales.map((l) => ({
                    label: data.current.some((c) => c.locale === l) ? `${l} (published)` : l,
                    value: l,
                  }))}
                  value={locale}
                  onChange={setLocale}
                />
                <Text as="p" tone="subdued">
                  {current
                    ? `Current: version ${current.version}, published ${formatDate(current.publishedAt)}.`
                    : "Not published in this language yet; shoppers see English until you publish it."}
                </Text>
                {errors.form ? <InlineError message={errors.form} fieldID="notice" /> : null}
                {errors.sections ? <InlineError message={errors.sections} fieldID="notice-sections" /> : null}
                <FormLayout>
                  {draft.sections.map((s, i) => (
                    <BlockStack gap="200" key={s.key}>
                      <TextField
                        label={`Heading (${s.key})`}
                        value={s.title}
                        autoComplete="off"
                        error={errors[`sections.${i}.title`]}
                        onChange={(title) =>
                          setDraft((d) => ({
                            ...d,
                            sections: d.sections.map((x, j) => (j === i ? { ...x, title } : x)),
                          }))
                        }
                      />
                      <TextField
                        label={`Text (${s.key})`}
                        value={s.body}
                        multiline={3}
                        autoComplete="off"
                        error={errors[`sections.${i}.body`]}
                        onChange={(body) =>
                          setDraft((d) => ({
                            ...d,
                            sections: d.sections.map((x, j) => (j === i ? { ...x, body } : x)),
                          }))
                        }
                      />
                    </BlockStack>
                  ))}
                  <Divider />
                  <Text as="h2" variant="headingSm">
                    Choices offered to shoppers
                  </Text>
                  {errors.purposes ? <InlineError message={errors.purposes} fieldID="notice-purposes" /> : null}
                  {draft.purposes.map((p, i) => (
                    <BlockStack gap="100" key={p.key}>
                      <Checkbox
                        label={
                          p.key === REQUIRED_PURPOSE
                            ? `${p.key} (required for a scan)`
                            : `Offer ${p.key} (unticked by default)`
                        }
                        checked={p.offered}
                        disabled={p.key === REQUIRED_PURPOSE}
                        onChange={(offered) =>
                          setDraft((d) => ({
                            ...d,
                            purposes: d.purposes.map((x, j) => (j === i ? { ...x, offered } : x)),
                          }))
                        }
                      />
                      <TextField
                        label={`Wording for ${p.key}`}
                        value={p.label}
                        autoComplete="off"
                        error={errors[`purposes.${i}.label`]}
                        onChange={(label) =>
                          setDraft((d) => ({
                            ...d,
                            purposes: d.purposes.map((x, j) => (j === i ? { ...x, label } : x)),
                          }))
                        }
                      />
                    </BlockStack>
                  ))}
                  <Checkbox
                    label="This is a material change"
                    helpText="A material change (what is collected, why, for how long, who receives it) asks every shopper to consent again. Leave it unticked for a typo or a clearer sentence: earlier consents stay valid. Every version stays on record."
                    checked={material}
                    onChange={setMaterial}
                  />
                  <Button variant="primary" onClick={publish} loading={busy}>
                    Publish new version
                  </Button>
                </FormLayout>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Preview
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  As shoppers see it in the skin scan
                </Text>
                <Box padding="300" borderWidth="025" borderColor="border" borderRadius="200">
                  <BlockStack gap="200">
                    {draft.sections.map((s) => (
                      <BlockStack gap="050" key={s.key}>
                        <Text as="h3" variant="headingSm">
                          {s.title}
                        </Text>
                        <Text as="p" variant="bodySm">
                          {s.body}
                        </Text>
                      </BlockStack>
                    ))}
                    <Checkbox label={`I am ${data.minimumAge} or older`} checked={false} onChange={() => undefined} />
                    {draft.purposes
                      .filter((p) => p.offered)
                      .map((p) => (
                        <Checkbox key={p.key} label={p.label} checked={false} onChange={() => undefined} />
                      ))}
                  </BlockStack>
                </Box>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <ContactsCard contacts={data.contacts} errors={errors} busy={busy} />
          </Layout.Section>
          <SectionCard title="Version history" gap="200">
            <DataTable
              columnContentTypes={["text", "text", "text", "text", "numeric", "text"]}
              headings={["Version", "Language", "Published", "Change", "Consents", "Text hash"]}
              rows={historyRows}
            />
            <InlineBadges />
          </SectionCard>
        </Layout>
      </Page>
    </Loading>
  );
}

function InlineBadges() {
  return (
    <Text as="p" variant="bodySm" tone="subdued">
      Old versions are kept: proof-of-consent exports show the exact text each shopper accepted.
    </Text>
  );
}

/** DPDP Rules 9 and 14: whom shoppers ask about processing, and how soon a grievance is answered. */
function ContactsCard(props: { contacts: NoticeContacts; errors: Record<string, string>; busy: boolean }) {
  const submit = useSubmit();
  const [form, setForm] = useState({
    contactName: props.contacts.name ?? "",
    contactEmail: props.contacts.email ?? "",
    contactPhone: props.contacts.phone ?? "",
    grievanceAnswerDays: String(props.contacts.answerDays),
  });
  const set = (name: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [name]: value }));
  const save = () => submit({ intent: "contacts", ...form }, { method: "post", encType: "application/json" });
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Contact for questions and grievances
        </Text>
        <Text as="p" tone="subdued">
          Shown at the end of the notice in every language. Saving publishes a new version of each language (not a
          material change: earlier consents stay valid).
        </Text>
        <FormLayout>
          <TextField
            label="Name or role"
            value={form.contactName}
            onChange={set("contactName")}
            autoComplete="off"
            error={props.errors.contactName}
          />
          <FormLayout.Group>
            <TextField
              label="Email"
              type="email"
              value={form.contactEmail}
              onChange={set("contactEmail")}
              autoComplete="off"
              error={props.errors.contactEmail}
            />
            <TextField
              label="Phone"
              type="tel"
              value={form.contactPhone}
              onChange={set("contactPhone")}
              autoComplete="off"
              error={props.errors.contactPhone}
            />
          </FormLayout.Group>
          <TextField
            label="Grievances answered within (days)"
            type="number"
            min={1}
            max={GRIEVANCE_DAYS_MAX}
            value={form.grievanceAnswerDays}
            onChange={set("grievanceAnswerDays")}
            autoComplete="off"
            helpText={`The DPDP Rules allow at most ${GRIEVANCE_DAYS_MAX} days; 15 is the default.`}
            error={props.errors.grievanceAnswerDays}
          />
          <Button onClick={save} loading={props.busy}>
            Save and publish contacts
          </Button>
        </FormLayout>
      </BlockStack>
    </Card>
  );
}
