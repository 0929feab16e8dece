import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { adminContext, adminErrorResponse } from "../admin/edge.server";
import { downloadExport } from "../admin/inbox.server";

/** GET /app/exports/:id: a data export made for one of this shop's rights requests, as a JSON file. */
const params = z.object({ id: z.string().min(1).max(64) });

export const loader = async ({ request, params: raw }: LoaderFunctionArgs) => {
  const { shop, db, keyring } = await adminContext(request);
  const { id } = params.parse(raw);
  try {
    const document = await downloadExport(db, keyring, shop, id);
    return new Response(JSON.stringify(document, null, 2), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="scanshield-export-${id}.json"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return adminErrorResponse(error);
  }
};
