import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigate } from "@remix-run/react";
import { Layout, Page } from "@shopify/polaris";
import { useEffect } from "react";
import { adminAction, adminLoader, readActionBody } from "../admin/edge.server";
import { parseIncidentForm } from "../admin/incident-forms";
import { IncidentForm } from "../admin/incident-ui";
import { FormRefusal, Loading, useAdminAction } from "../admin/ui";
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

export default function NewIncident() {
  const { storeContact } = useLoaderData<typeof loader>();
  const { result, errors, busy, send } = useAdminAction<{ id: string }>();
  const navigate = useNavigate();
  useEffect(() => {
    if (result?.ok) navigate(`/app/incidents/${result.id}`);
  }, [result, navigate]);
  const now = new Date().toISOString();
  return (
    <Loading title="Record an incident">
      <Page title="Record an incident" backAction={{ content: "Incidents", url: "/app/incidents" }}>
        <Layout>
          <FormRefusal title="Not recorded" message={errors.form} />
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
              onSubmit={(values) => send(values)}
            />
          </Layout.Section>
        </Layout>
      </Page>
    </Loading>
  );
}
