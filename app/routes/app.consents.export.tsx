import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { consentProofCsv, consentProofJson, parseProofQuery } from "../admin/consent-proof.server";
import { adminLoader } from "../admin/edge.server";

/** GET /app/consents/export?format=csv|json&…filters: proof of consent as a file (issue 6, P7). */
const format = z.enum(["csv", "json"]).catch("csv");

export const loader = ({ request }: LoaderFunctionArgs) =>
  adminLoader(request, async ({ shop, db }) => {
    const params = new URL(request.url).searchParams;
    const query = parseProofQuery(params);
    const kind = format.parse(params.get("format"));
    const stamp = new Date().toISOString().slice(0, 10);
    const headers = (type: string) => ({
      "content-type": type,
      "content-disposition": `attachment; filename="consent-proof-${stamp}.${kind}"`,
      "cache-control": "no-store",
    });
    if (kind === "json") {
      const document = await consentProofJson(db, shop, query);
      return new Response(JSON.stringify(document, null, 2), { headers: headers("application/json; charset=utf-8") });
    }
    // A byte-order mark so spreadsheet programs read the Hindi text as UTF-8.
    return new Response("\uFEFF" + (await consentProofCsv(db, shop, query)), {
      headers: headers("text/csv; charset=utf-8"),
    });
  });
