import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigate, useNavigation, useSubmit } from "@remix-run/react";
import { Banner, Layout, Page } from "@shopify/polaris";
import { useEffect } from "react";
import { adminAction, adminLoader, readActionBody } from "../admin/edge.server";
import { parseIncidentForm } from "../admin/incident-forms";
import { IncidentForm } from "../admin/incident-ui";
import { Loading, useToast } from "../admin/ui";
import { incidentFormDefaults, recordIncident } from "../incidents/register.server";

/** GET/POST /app/incidents/new: record a breach; the app works out at once who it touched (P21). */
export const loader = ({ request }: LoaderFunctionArgs) =>
  adminLoader(request, async ({ shop, db }) => ({
    now: new Date().toISOString(),
    ...(await incidentFormDefaults(db, shop)),
  }));

export const action = ({ request }: ActionFunctionArgs) =>
  adminAction(request, async ({ shop, db }) => {
    const recorded = await recordIncident(db, shop, parseIncidentForm(await readActionBody(request)));
    return { ok: true, ...recorded, toast: `Incident ${recorded.reference} recorded` };
  });

type ActionData = { ok: true; id: string; toast: string } | { ok: false; errors: Record<string, string> };

export default function NewIncident() {
  const { storeContact } = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  const errors = result && !result.ok ? result.errors : {};
  useToast(result && result.ok ? result : undefined);
  const navigate = useNavigate();
  const submit = useSubmit();
  const busy = useNavigation().state !== "idle";
  useEffect(() => {
    if (result?.ok) navigate(`/app/incidents/${result.id}`);
  }, [result, navigate]);
  const now = new Date().toISOString();
  return (
    <Loading title="Record an incident">
      <Page title="Record an incident" backAction={{ content: "Incidents", url: "/app/incidents" }}>
        <Layout>
          {errors.form ? (
            <Layout.Section>
              <Banner tone="critical" title="Not recorded">
                <p>{errors.form}</p>
              </Banner>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <IncidentForm
              initial={{
                discoveredAt: now,
                occurredFrom: "",
                occurredTo: now,
                dataKinds: [],
                scope: "created",
                narrative: {},
              }}
              storeContact={storeContact}
              errors={errors}
              busy={busy}
              submitLabel="Record and work out who is affected"
              onSubmit={(values) => submit(values as never, { method: "post", encType: "application/json" })}
            />
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}
