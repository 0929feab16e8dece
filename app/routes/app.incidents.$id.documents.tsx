import type { LoaderFunctionArgs } from "@remix-run/node";
import { DomainError } from "../domain-error";
import { adminLoader, idParam } from "../admin/edge.server";
import { documentQuery, incidentDocument } from "../incidents/register.server";

/**
 * GET /app/incidents/:id/documents?doc=board-initial|board-detailed|notice-en|notice-hi|customers&format=html|md:
 * a document drafted from the register and the records, as a file (P21).
 */
export const loader = ({ request, params }: LoaderFunctionArgs) =>
  adminLoader(request, async ({ shop, db }) => {
    const id = idParam(params);
    const parsed = documentQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success)
      throw new DomainError(
        400,
        "invalid_document",
        "doc must be board-initial, board-detailed, notice-en or notice-hi (format html or md), or customers (format csv).",
      );
    const file = await incidentDocument(db, shop, id, parsed.data);
    return new Response(file.body, {
      headers: {
        "content-type": file.contentType,
        "content-disposition": `attachment; filename="${file.filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  });
