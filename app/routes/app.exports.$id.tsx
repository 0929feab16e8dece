import type { LoaderFunctionArgs } from "@remix-run/node";
import { adminLoader, idParam } from "../admin/edge.server";
import { downloadExport } from "../admin/inbox.server";

/** GET /app/exports/:id: a data export made for one of this shop's rights requests, as a JSON file. */
export const loader = ({ request, params }: LoaderFunctionArgs) =>
  adminLoader(request, async ({ shop, db, keyring }) => {
    const id = idParam(params);
    const document = await downloadExport(db, keyring, shop, id);
    return new Response(JSON.stringify(document, null, 2), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="scanshield-export-${id}.json"`,
        "cache-control": "no-store",
      },
    });
  });
